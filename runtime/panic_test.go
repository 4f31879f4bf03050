package runtime_test

import (
	"context"
	"errors"
	goruntime "runtime"
	"testing"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime"
)

// 5. A panic aborts, ends the session and re-panics; the client then works.
func TestPanicAbortsEndsSessionAndRepanics(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, coll := begin(t, b)
		var hooks hookLog
		var sess *mongo.Session
		type boom struct{ n int }
		got := func() (p any) {
			defer func() { p = recover() }()
			_ = runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
				sess = mongo.SessionFromContext(ctx)
				hooks.register(ctx, 1)
				if err := insert(ctx, coll, "a"); err != nil {
					return err
				}
				panic(boom{7})
			})
			return nil
		}()
		if got != (boom{7}) {
			t.Fatalf("recovered %#v, want boom{7}", got)
		}
		hooks.check(t, nil, []int{1})
		wantIDs(t, coll)
		if sess == nil {
			t.Fatal("the callback's context carries no session")
		}
		if sess.TransactionRunning() {
			t.Error("the transaction is still running after the panic")
		}
		if err := insert(mongo.NewSessionContext(ctx, sess), coll, "late"); err == nil {
			t.Error("the panicking call's session still accepts operations; it was not ended")
		}
		if err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
			return insert(ctx, coll, "b")
		}); err != nil {
			t.Fatalf("WithTx after the panic: %v", err)
		}
		wantIDs(t, coll, "b")
	})
}

// runtime.Goexit in the callback (t.FailNow in a test helper, say) leaves
// nothing behind: the transaction is aborted and the context is out of it.
func TestGoexitInCallback(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, coll := begin(t, b)
		var inner context.Context
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
				inner = ctx
				if err := insert(ctx, coll, "a"); err != nil {
					return err
				}
				goruntime.Goexit()
				return nil
			})
		}()
		<-done
		if inner == nil || runtime.InTx(inner) {
			t.Error("InTx is still true after Goexit ended the callback")
		}
		wantIDs(t, coll)
		if err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error { return insert(ctx, coll, "b") }); err != nil {
			t.Fatalf("WithTx after Goexit: %v", err)
		}
		wantIDs(t, coll, "b")
	})
}

// Callbacks that end the transaction themselves get a clear error, not nil.
func TestCallbackEndingTheTransaction(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, coll := begin(t, b)
		err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
			if err := insert(ctx, coll, "a"); err != nil {
				return err
			}
			return mongo.SessionFromContext(ctx).AbortTransaction(ctx)
		})
		if !errors.Is(err, runtime.ErrEndedByCallback) {
			t.Fatalf("WithTx = %v, want ErrEndedByCallback", err)
		}
		wantIDs(t, coll)
	})
}
