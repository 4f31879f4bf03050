package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/mongotxgen/mongotxgen/runtime"
	"github.com/mongotxgen/mongotxgen/runtime/mongotest"
)

// exampleServer starts an in-process mongotest server and connects to it;
// a real application connects to its replica set instead. stop closes both.
func exampleServer() (client *mongo.Client, stop func()) {
	srv, err := mongotest.Start()
	if err != nil {
		log.Fatal(err)
	}
	client, err = mongo.Connect(options.Client().ApplyURI(srv.URI()))
	if err != nil {
		log.Fatal(err)
	}
	return client, func() {
		_ = client.Disconnect(context.Background())
		srv.Close()
	}
}

type exampleAccount struct {
	Owner   string `bson:"_id"`
	Balance int64  `bson:"balance"`
}

func balances(ctx context.Context, accounts *mongo.Collection) string {
	cur, err := accounts.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		log.Fatal(err)
	}
	var all []exampleAccount
	if err := cur.All(ctx, &all); err != nil {
		log.Fatal(err)
	}
	return fmt.Sprint(all)
}

// A transfer between two accounts: both updates commit together or not at
// all. The callback may run more than once (after a write conflict, say), so
// it only touches the database through ctx.
func ExampleWithTx() {
	client, stop := exampleServer()
	defer stop()
	ctx := context.Background()
	accounts := client.Database("bank").Collection("accounts")
	if _, err := accounts.InsertMany(ctx, []any{exampleAccount{"ann", 100}, exampleAccount{"bob", 0}}); err != nil {
		log.Fatal(err)
	}

	transfer := func(from, to string, amount int64) error {
		return runtime.WithTx(ctx, client, func(ctx context.Context) error {
			var src exampleAccount
			if err := accounts.FindOne(ctx, bson.D{{Key: "_id", Value: from}}).Decode(&src); err != nil {
				return err
			}
			if src.Balance < amount {
				return fmt.Errorf("%s has %d, cannot send %d", from, src.Balance, amount)
			}
			if _, err := accounts.UpdateByID(ctx, from, bson.D{{Key: "$inc", Value: bson.D{{Key: "balance", Value: -amount}}}}); err != nil {
				return err
			}
			_, err := accounts.UpdateByID(ctx, to, bson.D{{Key: "$inc", Value: bson.D{{Key: "balance", Value: amount}}}})
			return err
		})
	}

	fmt.Println(transfer("ann", "bob", 30), balances(ctx, accounts))
	fmt.Println(transfer("ann", "bob", 500), balances(ctx, accounts))
	// Output:
	// <nil> [{ann 70} {bob 30}]
	// ann has 70, cannot send 500 [{ann 70} {bob 30}]
}

// WithTxValue returns what the callback computed in the attempt that
// committed.
func ExampleWithTxValue() {
	client, stop := exampleServer()
	defer stop()
	ctx := context.Background()
	orders := client.Database("shop").Collection("orders")

	id, err := runtime.WithTxValue(ctx, client, func(ctx context.Context) (any, error) {
		res, err := orders.InsertOne(ctx, bson.D{{Key: "_id", Value: "order-1"}, {Key: "total", Value: 42}})
		if err != nil {
			return nil, err
		}
		return res.InsertedID, nil
	})
	fmt.Println(id, err)
	// Output: order-1 <nil>
}

// WithSession runs several transactions on one session of the caller's,
// which is causally consistent: each reads what the ones before it wrote,
// also where reads may go to secondaries. WithTx does not end the session.
func ExampleWithSession() {
	client, stop := exampleServer()
	defer stop()
	ctx := context.Background()
	stock := client.Database("shop").Collection("stock")
	sess, err := client.StartSession()
	if err != nil {
		log.Fatal(err)
	}
	defer sess.EndSession(ctx)

	for _, step := range []bson.D{
		{{Key: "$set", Value: bson.D{{Key: "n", Value: 10}}}},
		{{Key: "$inc", Value: bson.D{{Key: "n", Value: -3}}}},
	} {
		err := runtime.WithTx(ctx, client, func(ctx context.Context) error {
			_, err := stock.UpdateByID(ctx, "widget", step, options.UpdateOne().SetUpsert(true))
			return err
		}, runtime.WithSession(sess))
		if err != nil {
			log.Fatal(err)
		}
	}
	var doc struct{ N int }
	err = stock.FindOne(mongo.NewSessionContext(ctx, sess), bson.D{{Key: "_id", Value: "widget"}}).Decode(&doc)
	fmt.Println(doc.N, err)
	// Output: 7 <nil>
}

// OnCommit defers side effects, such as sending a message, until the data
// they announce is committed; an aborted attempt's hooks never run.
// OnRollback is for undoing work outside the database.
func ExampleOnCommit() {
	client, stop := exampleServer()
	defer stop()
	ctx := context.Background()
	orders := client.Database("shop").Collection("orders")

	for _, total := range []int{42, -1} {
		err := runtime.WithTx(ctx, client, func(ctx context.Context) error {
			if _, err := orders.InsertOne(ctx, bson.D{{Key: "total", Value: total}}); err != nil {
				return err
			}
			runtime.OnCommit(ctx, func(context.Context) { fmt.Println("mail: order of", total, "confirmed") })
			runtime.OnRollback(ctx, func(context.Context) { fmt.Println("rolled back order of", total) })
			if total < 0 {
				return errors.New("negative total")
			}
			return nil
		})
		fmt.Println("WithTx:", err)
	}

	// Outside a transaction the write is already durable: f runs at once.
	runtime.OnCommit(ctx, func(context.Context) { fmt.Println("outside a transaction: runs now") })
	// Output:
	// mail: order of 42 confirmed
	// WithTx: <nil>
	// rolled back order of -1
	// WithTx: negative total
	// outside a transaction: runs now
}

// A WithTx call inside another joins it by default (Required): one
// transaction, one commit. If the inner call fails, the outer transaction
// cannot commit, even if the outer callback carries on.
func ExampleWithPropagation() {
	client, stop := exampleServer()
	defer stop()
	ctx := context.Background()
	audit := client.Database("shop").Collection("audit")

	record := func(ctx context.Context, what string) error {
		return runtime.WithTx(ctx, client, func(ctx context.Context) error {
			if what == "" {
				return errors.New("empty audit record")
			}
			_, err := audit.InsertOne(ctx, bson.D{{Key: "what", Value: what}})
			return err
		})
	}

	err := runtime.WithTx(ctx, client, func(ctx context.Context) error {
		fmt.Println("inner:", record(ctx, "")) // the failure is ignored here...
		return nil
	})
	fmt.Println("outer:", errors.Is(err, runtime.ErrRollbackOnly)) // ...but not lost

	// RequiresNew commits on its own, whatever the outer transaction does.
	err = runtime.WithTx(ctx, client, func(ctx context.Context) error {
		if err := runtime.WithTx(ctx, client, func(ctx context.Context) error {
			_, err := audit.InsertOne(ctx, bson.D{{Key: "what", Value: "attempted"}})
			return err
		}, runtime.WithPropagation(runtime.RequiresNew)); err != nil {
			return err
		}
		return errors.New("outer work failed")
	})
	n, _ := audit.CountDocuments(ctx, bson.D{})
	fmt.Println(err, "- audit records:", n)
	// Output:
	// inner: empty audit record
	// outer: true
	// outer work failed - audit records: 1
}

// Retries are bounded by time, by attempts and by the context; when they
// run out the *TxError says how many attempts were made and wraps the last
// error.
func ExampleWithMaxAttempts() {
	client, stop := exampleServer()
	defer stop()
	ctx := context.Background()
	items := client.Database("shop").Collection("items")
	// Make every insert fail with a transient write conflict.
	if err := mongotest.SetFailPoint(ctx, client, mongotest.FailPoint{
		Mode: mongotest.AlwaysOn, Commands: []string{"insert"},
		ErrorCode: 112, ErrorLabels: []string{"TransientTransactionError"},
	}); err != nil {
		log.Fatal(err)
	}

	err := runtime.WithTx(ctx, client, func(ctx context.Context) error {
		_, err := items.InsertOne(ctx, bson.D{{Key: "n", Value: 1}})
		return err
	}, runtime.WithMaxAttempts(3))

	var txErr *runtime.TxError
	var cmdErr mongo.CommandError
	fmt.Println(errors.As(err, &txErr), txErr.Attempts, txErr.Reason)
	fmt.Println(errors.As(err, &cmdErr), cmdErr.Name, runtime.IsTransient(err))
	// Output:
	// true 3 attempt limit 3 reached
	// true WriteConflict true
}

// The slog observer writes a structured record per event; retries and
// failures stand out at Info and Warn.
func ExampleNewSlogObserver() {
	client, stop := exampleServer()
	defer stop()
	ctx := context.Background()
	items := client.Database("shop").Collection("items")

	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "elapsed" {
				return slog.Attr{} // vary from run to run
			}
			return a
		},
	}))
	err := runtime.WithTx(ctx, client, func(ctx context.Context) error {
		_, err := items.InsertOne(ctx, bson.D{{Key: "n", Value: 1}})
		return err
	}, runtime.WithObserver(runtime.NewSlogObserver(logger)))
	fmt.Println(err)
	// Output:
	// level=DEBUG msg="tx attempt start" attempt=1
	// level=DEBUG msg="tx attempt end" attempt=1 committed=true
	// level=DEBUG msg="tx outcome" committed=true attempts=1
	// <nil>
}

// Bind attaches a transaction to a context that lacks it, so code handed
// an unrelated context still runs in the transaction. Generated
// repositories do this with the transaction of their Store.
func ExampleTx_Bind() {
	client, stop := exampleServer()
	defer stop()
	ctx := context.Background()
	items := client.Database("shop").Collection("items")

	err := runtime.WithTx(ctx, client, func(txCtx context.Context) error {
		tx := runtime.TxFrom(txCtx)
		bound := tx.Bind(context.Background())
		fmt.Println("in transaction:", runtime.InTx(bound), runtime.InTx(context.Background()))
		_, err := items.InsertOne(bound, bson.D{{Key: "n", Value: 1}})
		if err != nil {
			return err
		}
		n, _ := items.CountDocuments(ctx, bson.D{}) // outside: not committed yet
		fmt.Println("visible outside before commit:", n)
		return nil
	})
	n, _ := items.CountDocuments(ctx, bson.D{})
	fmt.Println(err, "- visible after commit:", n)
	// Output:
	// in transaction: true false
	// visible outside before commit: 0
	// <nil> - visible after commit: 1
}

// With CommandMonitor on the client, a failure the callback swallowed comes
// back from WithTx itself, not just as a dead transaction.
func ExampleCommandMonitor() {
	srv, err := mongotest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	client, err := mongo.Connect(options.Client().ApplyURI(srv.URI()).SetMonitor(runtime.CommandMonitor(nil)))
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = client.Disconnect(context.Background()) }()
	ctx := context.Background()
	users := client.Database("shop").Collection("users")
	if _, err := users.InsertOne(ctx, bson.D{{Key: "_id", Value: "ann"}}); err != nil {
		log.Fatal(err)
	}

	err = runtime.WithTx(ctx, client, func(ctx context.Context) error {
		_, _ = users.InsertOne(ctx, bson.D{{Key: "_id", Value: "ann"}}) // error ignored: a bug
		return nil
	})
	fmt.Println(errors.Is(err, runtime.ErrTxAborted), errors.Is(err, runtime.ErrDuplicateKey))
	// Output: true true
}
