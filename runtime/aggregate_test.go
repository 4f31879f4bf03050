package runtime_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime"
)

// The aggregation tests run the typed stages through the real driver, on
// mongotest and, with MONGOTXGEN_TEST_URI, on a real replica set.

type order struct {
	ID        int32  `bson:"_id"`
	AccountID int32  `bson:"accountId"`
	Total     int64  `bson:"total"`
	Item      string `bson:"item"`
}

type customer struct {
	ID    int32  `bson:"_id"`
	Owner string `bson:"owner"`
}

var orderF = struct {
	ID        runtime.NumberField[int32]
	AccountID runtime.NumberField[int32]
	Total     runtime.NumberField[int64]
	Item      runtime.StringField[string]
}{
	runtime.NewNumberField[int32]("_id"),
	runtime.NewNumberField[int32]("accountId"),
	runtime.NewNumberField[int64]("total"),
	runtime.NewStringField[string]("item"),
}

var accountF = struct {
	ID    runtime.NumberField[int32]
	Owner runtime.StringField[string]
}{runtime.NewNumberField[int32]("_id"), runtime.NewStringField[string]("owner")}

// orderSchema describes order, the documents of the repositories the
// aggregates run on.
var orderSchema = runtime.Schema{Doc: (*order)(nil), ID: "ID"}

// repo is the repository of order documents in coll.
func repo(coll *mongo.Collection) runtime.Repo { return runtime.NewRepo(coll, nil, &orderSchema) }

// shop fills orders and accounts in a fresh database of b.
func shop(t *testing.T, b *testenv.Backend) (ctx context.Context, orders, accounts *mongo.Collection) {
	t.Helper()
	ctx, db := b.Begin(t)
	orders, accounts = db.Collection("orders"), db.Collection("accounts")
	for _, a := range []customer{{1, "ann"}, {2, "bob"}, {3, "cy"}} {
		if _, err := accounts.InsertOne(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	for _, o := range []order{{10, 1, 30, "pen"}, {11, 2, 5, "ink"}, {12, 1, 12, "ink"}, {13, 2, 7, "pad"}, {14, 1, 30, "pen"}, {15, 9, 100, "lost"}} {
		if _, err := orders.InsertOne(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	return ctx, orders, accounts
}

// revenue is one row of the revenue-by-customer report.
type revenue struct {
	Owner   string   `bson:"_id"`
	Revenue int64    `bson:"revenue"`
	Orders  int32    `bson:"orders"`
	Average float64  `bson:"average"`
	Least   int64    `bson:"least"`
	Most    int64    `bson:"most"`
	First   int32    `bson:"first"`
	Last    int32    `bson:"last"`
	Items   []string `bson:"items"`
	Kinds   []string `bson:"kinds"`
}

var byCustomer = []runtime.Stage{
	runtime.Sort(orderF.ID.Asc()),
	runtime.Lookup("accounts", orderF.AccountID, accountF.ID, "account"),
	runtime.Unwind(runtime.Path("account")),
	runtime.Group(runtime.Path("account.owner"),
		runtime.Sum("revenue", orderF.Total), runtime.Count("orders"), runtime.Avg("average", orderF.Total),
		runtime.Min("least", orderF.Total), runtime.Max("most", orderF.Total),
		runtime.First("first", orderF.ID), runtime.Last("last", orderF.ID),
		runtime.Push("items", orderF.Item), runtime.AddToSet("kinds", orderF.Item)),
	runtime.Sort(runtime.Path("revenue").Desc()),
}

func TestAggregateRevenueByCustomer(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, orders, _ := shop(t, b)
		got, err := runtime.Aggregate[revenue](ctx, repo(orders), byCustomer...)
		if err != nil {
			t.Fatal(err)
		}
		for i := range got { // $addToSet has no order
			if len(got[i].Kinds) == 2 && got[i].Kinds[0] > got[i].Kinds[1] {
				got[i].Kinds[0], got[i].Kinds[1] = got[i].Kinds[1], got[i].Kinds[0]
			}
		}
		want := []revenue{
			{Owner: "ann", Revenue: 72, Orders: 3, Average: 24, Least: 12, Most: 30, First: 10, Last: 14, Items: []string{"pen", "ink", "pen"}, Kinds: []string{"ink", "pen"}},
			{Owner: "bob", Revenue: 12, Orders: 2, Average: 6, Least: 5, Most: 7, First: 11, Last: 13, Items: []string{"ink", "pad"}, Kinds: []string{"ink", "pad"}},
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("revenue by customer (-want +got):\n%s", d)
		}
	})
}

func TestAggregateLookupPipeline(t *testing.T) {
	type row struct {
		ID      int32      `bson:"_id"`
		Account []customer `bson:"account"`
	}
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, orders, _ := shop(t, b)
		got, err := runtime.Aggregate[row](ctx, repo(orders),
			runtime.Match(orderF.Total.Gte(30)),
			runtime.LookupPipeline("accounts", "account", []runtime.LetVar{runtime.Let("acct", orderF.AccountID)},
				runtime.Match(runtime.EqVar(accountF.ID, "acct")), runtime.Project(accountF.Owner)),
			runtime.Project(runtime.Path("account")), runtime.Sort(orderF.ID.Asc()), runtime.Skip(1), runtime.Limit(2))
		if err != nil {
			t.Fatal(err)
		}
		want := []row{{14, []customer{{1, "ann"}}}, {15, []customer{}}}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("lookup pipeline (-want +got):\n%s", d)
		}
		// The accounts of the ink orders themselves, through ReplaceRoot.
		accts, err := runtime.Aggregate[customer](ctx, repo(orders), runtime.Match(orderF.Item.Eq("ink")), runtime.Sort(orderF.ID.Desc()),
			runtime.Lookup("accounts", orderF.AccountID, accountF.ID, "account"), runtime.Unwind(runtime.Path("account")),
			runtime.ReplaceRoot(runtime.Path("account")))
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]customer{{1, "ann"}, {2, "bob"}}, accts); d != "" {
			t.Errorf("replaced roots (-want +got):\n%s", d)
		}
	})
}

func TestAggregateInTxSeesItsWrites(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, orders, accounts := shop(t, b)
		err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
			if _, err := accounts.InsertOne(ctx, customer{9, "dee"}); err != nil {
				return err
			}
			if _, err := orders.InsertOne(ctx, order{16, 9, 1, "pen"}); err != nil {
				return err
			}
			got, err := runtime.Aggregate[revenue](ctx, repo(orders), byCustomer...)
			if err != nil {
				return err
			}
			// The new account also claims the order of account 9 stored before.
			if len(got) != 3 || got[0].Owner != "dee" || got[0].Revenue != 101 || got[0].Orders != 2 {
				t.Errorf("in the transaction: %+v, want dee first with 101 in 2 orders", got)
			}
			outside, err := runtime.Aggregate[revenue](context.Background(), repo(orders), byCustomer...)
			if err != nil {
				return err
			}
			if len(outside) != 2 {
				t.Errorf("outside the transaction, before its commit: %+v, want ann and bob only", outside)
			}
			return errors.New("roll back")
		})
		if err == nil || err.Error() != "roll back" {
			t.Fatalf("WithTx = %v, want the callback's error", err)
		}
	})
}

func TestAggregateIter(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, orders, accounts := shop(t, b)
		err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
			var ids []int32
			// Batches of two: the loop body runs another operation of the
			// transaction between the cursor's getMores.
			for o, err := range runtime.AggregateIter[order](ctx, repo(orders), runtime.Sort(orderF.ID.Asc()), runtime.BatchSize(2)) {
				if err != nil {
					return err
				}
				ids = append(ids, o.ID)
				if _, err := accounts.CountDocuments(ctx, bson.D{}); err != nil {
					return err
				}
				if o.ID == 14 {
					break
				}
			}
			if d := cmp.Diff([]int32{10, 11, 12, 13, 14}, ids); d != "" {
				t.Errorf("iterated (-want +got):\n%s", d)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestAggregateBadStage(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, orders, _ := shop(t, b)
		_, err := runtime.Aggregate[bson.D](ctx, repo(orders), runtime.Match(nil), runtime.RawStage(bson.D{{Key: "$bogus", Value: 1}}))
		var oe *runtime.OpError
		var se mongo.ServerError
		if !errors.As(err, &oe) || oe.Op != "aggregate" || oe.Collection != "orders" || !errors.As(err, &se) || !se.HasErrorCode(40324) {
			t.Fatalf("err = %v, want an *OpError of aggregate wrapping the server's code 40324", err)
		}
		for r := range runtime.AggregateIter[order](ctx, repo(orders), runtime.Group(nil, runtime.Sum("n", orderF.Total)), runtime.Unwind(runtime.Path("n"))) {
			if r.ID != 0 {
				t.Errorf("got %+v", r)
			}
		}
		// A failed aggregate inside a transaction aborts it: WithTx reports it.
		err = runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
			_, _ = runtime.Aggregate[bson.D](ctx, repo(orders), runtime.RawStage(bson.D{{Key: "$bogus", Value: 1}}))
			return nil
		})
		if !errors.As(err, &se) || !se.HasErrorCode(40324) {
			t.Fatalf("WithTx after a swallowed aggregate error = %v, want code 40324", err)
		}
	})
}

func TestAggregateIntoPointersAndAfterTheAttempt(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, orders, _ := shop(t, b)
		got, err := runtime.Aggregate[*order](ctx, repo(orders), runtime.Match(orderF.Item.Eq("pad")))
		if err != nil || len(got) != 1 || *got[0] != (order{13, 2, 7, "pad"}) {
			t.Fatalf("Aggregate[*order] = %v, %v", got, err)
		}
		none, err := runtime.Aggregate[order](ctx, repo(orders), runtime.Match(orderF.Item.Eq("none")))
		if err != nil || none == nil || len(none) != 0 {
			t.Fatalf("no result = %#v, %v, want an empty slice", none, err)
		}
		var ended context.Context
		if err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error { ended = ctx; return nil }); err != nil {
			t.Fatal(err)
		}
		_, err = runtime.Aggregate[order](ended, repo(orders))
		if !errors.Is(err, runtime.ErrTxEnded) {
			t.Fatalf("aggregate with an ended attempt's context = %v, want ErrTxEnded", err)
		}
	})
}
