package shop_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mongotxgen/mongotxgen/example/shop"
	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime"
)

// Integration tests of the generated lifecycle of Order: soft delete
// (cancelled orders) and its BeforeSave hook, through the generated
// repository and Store, on mongotest and, with MONGOTXGEN_TEST_URI, on a
// real replica set.

func order(customer string, total int64) *shop.Order {
	return &shop.Order{Customer: customer, Total: total, Lines: []shop.OrderLine{{SKU: "w", Qty: 1, Price: total}}}
}

// TestOrderCancel: a cancelled order is left out of reads, counts, updates
// and aggregates, seen with WithDeleted, restored by Restore and removed by
// HardDelete.
func TestOrderCancel(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		store := shop.NewStore(b.DB(t))
		if err := store.EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
		a, c := order("ann", 100), order("ann", 250)
		if err := store.Order.InsertMany(ctx, []*shop.Order{a, c}); err != nil {
			t.Fatal(err)
		}
		if err := store.Order.Delete(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if err := store.Order.Delete(ctx, a.ID); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("second Delete = %v, want ErrNotFound", err)
		}
		if _, err := store.Order.Get(ctx, a.ID); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("Get of a cancelled order = %v, want ErrNotFound", err)
		}
		if got, err := store.Order.FindByCustomer(ctx, "ann"); err != nil || len(got) != 1 || got[0].ID != c.ID {
			t.Errorf("FindByCustomer = %v, %v; want the live order alone", got, err)
		}
		if n, err := store.Order.Count(ctx, nil); err != nil || n != 1 {
			t.Errorf("Count = %d, %v; want 1", n, err)
		}
		if err := store.Order.UpdateByID(ctx, a.ID, shop.OrderFields.Total.Set(1)); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("UpdateByID of a cancelled order = %v, want ErrNotFound", err)
		}
		all, err := store.Order.Find(ctx, nil, runtime.WithDeleted())
		if err != nil || len(all) != 2 {
			t.Fatalf("Find WithDeleted = %v, %v", all, err)
		}
		type revenue struct {
			Customer string `bson:"_id"`
			Total    int64  `bson:"total"`
		}
		sum := runtime.Group(shop.OrderFields.Customer, runtime.Sum("total", shop.OrderFields.Total))
		rows, err := runtime.Aggregate[revenue](ctx, store.Order, sum)
		if err != nil || len(rows) != 1 || rows[0].Total != 250 {
			t.Errorf("revenue = %+v, %v; want 250 without the cancelled order", rows, err)
		}
		rows, err = runtime.Aggregate[revenue](ctx, store.Order, runtime.WithDeleted(), sum)
		if err != nil || len(rows) != 1 || rows[0].Total != 350 {
			t.Errorf("revenue WithDeleted = %+v, %v; want 350", rows, err)
		}

		if err := store.Order.Restore(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if got, err := store.Order.Get(ctx, a.ID); err != nil || got.Cancelled != nil {
			t.Errorf("restored order = %+v, %v", got, err)
		}
		if err := store.Order.HardDelete(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if err := store.Order.Restore(ctx, a.ID); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("Restore after HardDelete = %v, want ErrNotFound", err)
		}
	})
}

// TestOrderBeforeSave: the hook refuses an order whose total is not that of
// its lines before anything is sent, inside a transaction too, where the
// error reaches the caller as the repository's *runtime.OpError.
func TestOrderBeforeSave(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		store := shop.NewStore(b.DB(t))
		bad := order("bob", 100)
		bad.Total = 99
		err := store.WithTx(ctx, func(ctx context.Context, tx *shop.Store) error {
			return tx.Order.Insert(ctx, bad)
		})
		var oe *runtime.OpError
		if !errors.As(err, &oe) || oe.Op != "insert" || !strings.Contains(err.Error(), "does not match its lines") {
			t.Fatalf("Insert of a wrong total = %v, want the hook's error in an *OpError", err)
		}
		if !bad.ID.IsZero() {
			t.Errorf("a refused order got an ID: %v", bad.ID)
		}
		if n, err := store.Order.Count(ctx, nil, runtime.WithDeleted()); err != nil || n != 0 {
			t.Errorf("%d orders stored, %v", n, err)
		}
	})
}

// TestOrderAggregateBound: a repository of the Store that WithTx passes
// runs its aggregates in that transaction even with a context that does
// not carry it (the Repo its Core returns is bound), so they see the
// transaction's own writes.
func TestOrderAggregateBound(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		store := shop.NewStore(b.DB(t))
		if err := store.Order.Insert(ctx, order("ann", 100)); err != nil {
			t.Fatal(err)
		}
		err := store.WithTx(ctx, func(txCtx context.Context, tx *shop.Store) error {
			if err := tx.Order.Insert(txCtx, order("ann", 5)); err != nil {
				return err
			}
			all, err := runtime.Aggregate[shop.Order](context.Background(), tx.Order)
			if err != nil {
				return err
			}
			if len(all) != 2 {
				t.Errorf("the bound repository's aggregate saw %d orders, want 2 (its transaction's insert too)", len(all))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestOrderCancelTypedQueries: the methods of the typed-query API leave
// cancelled orders out too; FindOneAndDelete and a bulk delete cancel
// rather than remove, and BeforeSave guards replacements.
func TestOrderCancelTypedQueries(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		store := shop.NewStore(b.DB(t))
		a, c, d := order("ann", 100), order("bob", 250), order("cy", 300)
		if err := store.Order.InsertMany(ctx, []*shop.Order{a, c, d}); err != nil {
			t.Fatal(err)
		}
		if err := store.Order.Delete(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		byA := shop.OrderFields.ID.Eq(a.ID)
		if _, err := store.Order.FindOneAndReplace(ctx, byA, order("ann", 5)); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("FindOneAndReplace of a cancelled order = %v, want ErrNotFound", err)
		}
		if _, err := store.Order.FindOneAndDelete(ctx, byA); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("FindOneAndDelete of a cancelled order = %v, want ErrNotFound", err)
		}
		customers, err := runtime.Distinct(ctx, store.Order, shop.OrderFields.Customer, nil)
		if err != nil || strings.Join(customers, ",") != "bob,cy" {
			t.Errorf("Distinct customers = %v, %v; want bob,cy", customers, err)
		}
		bad := order("bob", 1)
		bad.ID, bad.Total = c.ID, 2 // its lines say 1: BeforeSave refuses it
		if _, err := store.Order.FindOneAndReplace(ctx, shop.OrderFields.ID.Eq(c.ID), bad); err == nil || !strings.Contains(err.Error(), "does not match its lines") {
			t.Errorf("FindOneAndReplace of a bad order = %v, want the BeforeSave error", err)
		}
		got, err := store.Order.FindOneAndDelete(ctx, shop.OrderFields.ID.Eq(c.ID))
		if err != nil || got.Cancelled == nil {
			t.Fatalf("FindOneAndDelete = %+v, %v; want the order, cancelled", got, err)
		}
		if _, err := store.Order.BulkWrite(ctx, runtime.DeleteOneOp(shop.OrderFields.ID.Eq(d.ID))); err != nil {
			t.Fatal(err)
		}
		live, err := store.Order.Count(ctx, nil)
		if err != nil || live != 0 {
			t.Errorf("Count after the cancels = %d, %v; want 0", live, err)
		}
		stored, err := store.Order.Count(ctx, nil, runtime.WithDeleted())
		if err != nil || stored != 3 {
			t.Errorf("Count WithDeleted = %d, %v; want 3: cancelling keeps the orders", stored, err)
		}
	})
}
