package runtime_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime"
)

func TestStageDocuments(t *testing.T) {
	p := runtime.NewPipeline(
		runtime.Match(orderF.Total.Gt(5)),
		runtime.Sort(orderF.Total.Desc(), orderF.ID.Asc()), runtime.Skip(2), runtime.Limit(3), runtime.Select(orderF.Item),
		runtime.BatchSize(7), nil,
		runtime.Project(orderF.Item, orderF.Total),
		runtime.UnwindKeepEmpty(runtime.Path("tags")),
		runtime.SortByCount(orderF.Item),
		runtime.ReplaceRoot(runtime.Path("account")),
		runtime.Group(bson.D{{Key: "a", Value: runtime.Ref(orderF.AccountID)}}, runtime.Accumulate("g", "$sum", bson.D{{Key: "$multiply", Value: bson.A{"$a", "$b"}}})),
		runtime.LookupPipeline("accounts", "acc", nil),
	)
	want := []bson.D{
		{{Key: "$match", Value: bson.D{{Key: "total", Value: bson.D{{Key: "$gt", Value: int64(5)}}}}}},
		{{Key: "$sort", Value: bson.D{{Key: "total", Value: -1}, {Key: "_id", Value: 1}}}},
		{{Key: "$skip", Value: int64(2)}},
		{{Key: "$limit", Value: int64(3)}},
		{{Key: "$project", Value: bson.D{{Key: "item", Value: 1}}}},
		{{Key: "$project", Value: bson.D{{Key: "item", Value: 1}, {Key: "total", Value: 1}}}},
		{{Key: "$unwind", Value: bson.D{{Key: "path", Value: "$tags"}, {Key: "preserveNullAndEmptyArrays", Value: true}}}},
		{{Key: "$sortByCount", Value: "$item"}},
		{{Key: "$replaceWith", Value: "$account"}},
		{{Key: "$group", Value: bson.D{{Key: "_id", Value: bson.D{{Key: "a", Value: "$accountId"}}}, {Key: "g", Value: bson.D{{Key: "$sum", Value: bson.D{{Key: "$multiply", Value: bson.A{"$a", "$b"}}}}}}}}},
		{{Key: "$lookup", Value: bson.D{{Key: "from", Value: "accounts"}, {Key: "let", Value: bson.D{}}, {Key: "pipeline", Value: []bson.D{}}, {Key: "as", Value: "acc"}}}},
	}
	if d := cmp.Diff(want, p.Stages); d != "" {
		t.Errorf("stages (-want +got):\n%s", d)
	}
	if p.Options.BatchSize != 7 || p.Options.Limit != 3 {
		t.Errorf("options = %+v, want batch size 7 and limit 3 kept", p.Options)
	}
}

// TestBoundRepoAggregates: the aggregate of a repository bound to a
// transaction runs in it, whatever the context it is called with.
func TestBoundRepoAggregates(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, orders, _ := shop(t, b)
		err := runtime.WithTx(ctx, b.Client, func(txCtx context.Context) error {
			if _, err := orders.InsertOne(txCtx, order{16, 3, 4, "cap"}); err != nil {
				return err
			}
			// Called with a context that carries no transaction, the
			// repository's bound attempt still runs the aggregate.
			bound := runtime.NewRepo(orders, runtime.TxFrom(txCtx), &orderSchema)
			got, err := runtime.Aggregate[order](context.Background(), bound, runtime.Match(orderF.Total.Lt(10)), runtime.Sort(orderF.ID.Asc()), runtime.BatchSize(3))
			if err != nil {
				return err
			}
			if d := cmp.Diff([]order{{11, 2, 5, "ink"}, {13, 2, 7, "pad"}, {16, 3, 4, "cap"}}, got); d != "" {
				t.Errorf("bound aggregate (-want +got):\n%s", d)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
