package shop

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime"
)

// These tests run the generated repositories and Store against a server, to
// show that what the templates emit does what its doc comments say.

func newStore(t *testing.T, b *testenv.Backend) *Store {
	t.Helper()
	s := NewStore(b.DB(t))
	if err := s.EnsureIndexes(context.Background()); err != nil {
		t.Fatalf("EnsureIndexes: %v", err)
	}
	return s
}

// wantOpErr checks that err is a *runtime.OpError of the accounts
// collection for op, matching target.
func wantOpErr(t *testing.T, err error, op string, target error) {
	t.Helper()
	var oe *runtime.OpError
	if !errors.As(err, &oe) {
		t.Fatalf("error %v (%T) is not a *runtime.OpError", err, err)
	}
	if oe.Op != op {
		t.Errorf("OpError.Op = %q, want %q (error %v)", oe.Op, op, err)
	}
	if target != nil && !errors.Is(err, target) {
		t.Errorf("error %v does not match %v", err, target)
	}
}

func TestInsertStampsAndGet(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		s := newStore(t, b)
		before := time.Now().UTC().Truncate(time.Millisecond)
		a := &Account{Owner: "ann", Balance: 10, Address: Address{City: "Paris"}}
		if err := s.Account.Insert(ctx, a); err != nil {
			t.Fatal(err)
		}
		if a.ID.IsZero() {
			t.Error("Insert left the ID zero")
		}
		if a.Version != 1 {
			t.Errorf("Version = %d, want 1", a.Version)
		}
		if a.CreatedAt.Before(before) || !a.CreatedAt.Equal(a.UpdatedAt) || a.CreatedAt.Location() != time.UTC {
			t.Errorf("CreatedAt %v, UpdatedAt %v: want both the insert time, in UTC", a.CreatedAt, a.UpdatedAt)
		}
		got, err := s.Account.Get(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		// The stored document reads back equal to the inserted struct: the
		// times were truncated to what BSON keeps.
		if d := cmp.Diff(a, got); d != "" {
			t.Errorf("Get differs from the inserted document (-inserted +got):\n%s", d)
		}

		// An ID given by the caller is kept.
		id := bson.NewObjectID()
		if err := s.Account.Insert(ctx, &Account{ID: id, Owner: "bob"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Account.Get(ctx, id); err != nil {
			t.Errorf("Get of a caller-chosen ID: %v", err)
		}

		_, err = s.Account.Get(ctx, bson.NewObjectID())
		wantOpErr(t, err, "get", runtime.ErrNotFound)
		if !errors.Is(err, mongo.ErrNoDocuments) {
			t.Errorf("the driver's error is lost: %v", err)
		}

		err = s.Account.Insert(ctx, &Account{Owner: "ann"})
		wantOpErr(t, err, "insert", runtime.ErrDuplicateKey)
	})
}

func TestInsertManyAndQueries(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		s := newStore(t, b)
		if err := s.Account.InsertMany(ctx, nil); err != nil {
			t.Fatalf("InsertMany of nothing: %v", err)
		}
		docs := []*Account{
			{Owner: "a", Balance: 30, Address: Address{City: "Paris"}},
			{Owner: "b", Balance: 10, Address: Address{City: "Lyon"}},
			{Owner: "c", Balance: 20, Address: Address{City: "Paris"}},
		}
		if err := s.Account.InsertMany(ctx, docs); err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			if d.ID.IsZero() || d.Version != 1 {
				t.Errorf("InsertMany did not prepare %+v", d)
			}
		}

		owners := func(as []*Account) []string {
			var out []string
			for _, a := range as {
				out = append(out, a.Owner)
			}
			return out
		}
		all, err := s.Account.Find(ctx, nil, runtime.Sort(AccountFields.Balance.Desc()))
		if err != nil {
			t.Fatal(err)
		}
		if got := owners(all); !slices.Equal(got, []string{"a", "c", "b"}) {
			t.Errorf("Find sorted by balance desc = %q", got)
		}
		paris, err := s.Account.FindByAddressCity(ctx, "Paris", runtime.Sort(AccountFields.Owner.Asc()), runtime.Limit(1))
		if err != nil {
			t.Fatal(err)
		}
		if got := owners(paris); !slices.Equal(got, []string{"a"}) {
			t.Errorf("FindByAddressCity(Paris) limit 1 = %q", got)
		}
		none, err := s.Account.Find(ctx, AccountFields.Owner.Eq("nobody"))
		if err != nil || none == nil || len(none) != 0 {
			t.Errorf("Find with no match = %v, %v; want an empty slice", none, err)
		}
		n, err := s.Account.Count(ctx, AccountFields.Balance.Gte(20))
		if err != nil || n != 2 {
			t.Errorf("Count(balance >= 20) = %d, %v; want 2", n, err)
		}
		c, err := s.Account.GetByOwner(ctx, "c")
		if err != nil || c.Balance != 20 {
			t.Errorf("GetByOwner(c) = %+v, %v", c, err)
		}
		_, err = s.Account.GetByOwner(ctx, "z")
		wantOpErr(t, err, "getByOwner", runtime.ErrNotFound)
		first, err := s.Account.FindOne(ctx, AccountFields.Address.City.Eq("Paris"), runtime.Sort(AccountFields.Balance.Asc()))
		if err != nil || first.Owner != "c" {
			t.Errorf("FindOne cheapest in Paris = %+v, %v", first, err)
		}

		// Iter yields in order and closes the cursor when the loop breaks.
		var seen []string
		for a, err := range s.Account.Iter(ctx, nil, runtime.Sort(AccountFields.Owner.Asc()), runtime.BatchSize(1)) {
			if err != nil {
				t.Fatal(err)
			}
			seen = append(seen, a.Owner)
			if len(seen) == 2 {
				break
			}
		}
		if !slices.Equal(seen, []string{"a", "b"}) {
			t.Errorf("Iter until break = %q", seen)
		}

		// A query the server rejects comes out of Iter as (nil, err).
		bad := runtime.Raw{{Key: "$nonsense", Value: 1}}
		for a, err := range s.Account.Iter(ctx, bad) {
			if a != nil || err == nil {
				t.Errorf("Iter of a bad filter yielded %v, %v", a, err)
			}
			wantOpErr(t, err, "iter", nil)
		}

		deleted, err := s.Account.DeleteMany(ctx, AccountFields.Address.City.Eq("Paris"))
		if err != nil || deleted != 2 {
			t.Errorf("DeleteMany(Paris) = %d, %v; want 2", deleted, err)
		}
		if err := s.Account.Delete(ctx, docs[1].ID); err != nil {
			t.Errorf("Delete: %v", err)
		}
		wantOpErr(t, s.Account.Delete(ctx, docs[1].ID), "delete", runtime.ErrNotFound)
	})
}

func TestReplaceChecksVersion(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		s := newStore(t, b)
		a := &Account{Owner: "ann", Balance: 10}
		if err := s.Account.Insert(ctx, a); err != nil {
			t.Fatal(err)
		}
		stale, err := s.Account.Get(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}

		inserted := a.UpdatedAt
		a.Balance = 20
		if err := s.Account.Replace(ctx, a); err != nil {
			t.Fatal(err)
		}
		if a.Version != 2 || a.UpdatedAt.Before(inserted) {
			t.Errorf("after Replace: Version %d, UpdatedAt %v (inserted %v)", a.Version, a.UpdatedAt, inserted)
		}
		got, err := s.Account.Get(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(a, got); d != "" {
			t.Errorf("stored document differs from the replaced one (-want +got):\n%s", d)
		}

		// The copy read before the replace is stale: Replace refuses it and
		// leaves its version and update time as they were.
		stale.Balance = 99
		oldVersion, oldUpdated := stale.Version, stale.UpdatedAt
		err = s.Account.Replace(ctx, stale)
		wantOpErr(t, err, "replace", runtime.ErrVersionConflict)
		if stale.Version != oldVersion || !stale.UpdatedAt.Equal(oldUpdated) {
			t.Errorf("failed Replace changed the document: Version %d, UpdatedAt %v", stale.Version, stale.UpdatedAt)
		}

		gone := &Account{ID: bson.NewObjectID(), Owner: "ghost", Version: 1}
		wantOpErr(t, s.Account.Replace(ctx, gone), "replace", runtime.ErrNotFound)
		if gone.Version != 1 {
			t.Errorf("failed Replace changed Version to %d", gone.Version)
		}

		// Events have no version: Replace overwrites whatever is stored.
		e := &Event{Key: "e1", At: time.Now().UTC().Truncate(time.Millisecond)}
		if err := s.Event.Insert(ctx, e); err != nil {
			t.Fatal(err)
		}
		e.Origin = &Origin{Line: 7}
		if err := s.Event.Replace(ctx, e); err != nil {
			t.Fatal(err)
		}
		wantOpErr(t, s.Event.Replace(ctx, &Event{Key: "e2"}), "replace", runtime.ErrNotFound)
		n, err := s.Event.Count(ctx, EventFields.Origin.Line.Eq(7))
		if err != nil || n != 1 {
			t.Errorf("Count(origin.line = 7) = %d, %v; want 1", n, err)
		}
	})
}

func TestUpdatesStamp(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		s := newStore(t, b)
		a := &Account{Owner: "ann", Balance: 10}
		b2 := &Account{Owner: "bob", Balance: 10}
		if err := s.Account.InsertMany(ctx, []*Account{a, b2}); err != nil {
			t.Fatal(err)
		}

		if err := s.Account.UpdateByID(ctx, a.ID, AccountFields.Balance.Inc(5)); err != nil {
			t.Fatal(err)
		}
		got, err := s.Account.Get(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Balance != 15 || got.Version != 2 || got.UpdatedAt.Before(a.UpdatedAt) {
			t.Errorf("after UpdateByID: %+v", got)
		}
		wantOpErr(t, s.Account.UpdateByID(ctx, bson.NewObjectID(), AccountFields.Balance.Inc(1)), "updateByID", runtime.ErrNotFound)

		n, err := s.Account.UpdateMany(ctx, nil, AccountFields.Address.City.Set("Rome"))
		if err != nil || n != 2 {
			t.Errorf("UpdateMany = %d, %v; want 2", n, err)
		}

		after, err := s.Account.FindOneAndUpdate(ctx, AccountFields.Owner.Eq("bob"), AccountFields.Balance.Inc(-3))
		if err != nil {
			t.Fatal(err)
		}
		// The document comes back as it is after the update, stamps included:
		// bob was updated twice (UpdateMany, FindOneAndUpdate).
		if after.Balance != 7 || after.Version != 3 || after.Address.City != "Rome" {
			t.Errorf("FindOneAndUpdate returned %+v", after)
		}
		_, err = s.Account.FindOneAndUpdate(ctx, AccountFields.Owner.Eq("nobody"), AccountFields.Balance.Inc(1))
		wantOpErr(t, err, "findOneAndUpdate", runtime.ErrNotFound)

		// Events have no stamps: the update is sent as it is.
		if err := s.Event.Insert(ctx, &Event{Key: "e"}); err != nil {
			t.Fatal(err)
		}
		if err := s.Event.UpdateByID(ctx, "e", EventFields.Origin.Set(&Origin{Line: 3})); err != nil {
			t.Fatal(err)
		}
		e, err := s.Event.Get(ctx, "e")
		if err != nil || e.Origin == nil || e.Origin.Line != 3 {
			t.Errorf("Event after UpdateByID = %+v, %v", e, err)
		}
	})
}

// TestWithTxBindsRepositories is the point of the Store: the repositories
// of the tx store run in the transaction even when called with a context
// that does not carry it.
func TestWithTxBindsRepositories(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		s := newStore(t, b)
		// Collections cannot be created inside a transaction on older
		// servers; create them before.
		if err := s.Account.Insert(ctx, &Account{Owner: "seed"}); err != nil {
			t.Fatal(err)
		}
		if err := s.Event.Insert(ctx, &Event{Key: "seed"}); err != nil {
			t.Fatal(err)
		}

		errAbort := errors.New("abort")
		err := s.WithTx(ctx, func(_ context.Context, tx *Store) error {
			// The outer ctx on purpose: the bound repositories must still
			// use the transaction.
			if err := tx.Account.Insert(ctx, &Account{Owner: "rolled back"}); err != nil {
				return err
			}
			if err := tx.Event.Insert(context.Background(), &Event{Key: "rolled back"}); err != nil {
				return err
			}
			return errAbort
		})
		if !errors.Is(err, errAbort) {
			t.Fatalf("WithTx = %v, want the callback's error", err)
		}
		if n, err := s.Account.Count(ctx, AccountFields.Owner.Eq("rolled back")); err != nil || n != 0 {
			t.Errorf("account written through the outer ctx survived the rollback: %d, %v", n, err)
		}
		if n, err := s.Event.Count(ctx, EventFields.Key.Eq("rolled back")); err != nil || n != 0 {
			t.Errorf("event written through the outer ctx survived the rollback: %d, %v", n, err)
		}

		committed := false
		err = s.WithTx(ctx, func(ctx context.Context, tx *Store) error {
			if !runtime.InTx(ctx) {
				t.Error("fn's ctx is not in a transaction")
			}
			a := &Account{Owner: "kept"}
			if err := tx.Account.Insert(context.Background(), a); err != nil {
				return err
			}
			// Reads in the transaction see its own writes...
			if _, err := tx.Account.GetByOwner(context.Background(), "kept"); err != nil {
				return err
			}
			// ...which the store outside it does not see yet.
			if _, err := s.Account.GetByOwner(context.Background(), "kept"); !errors.Is(err, runtime.ErrNotFound) {
				t.Errorf("uncommitted write visible outside the transaction: %v", err)
			}
			// A nested WithTx on the bound store joins the transaction.
			return tx.WithTx(context.Background(), func(ctx context.Context, inner *Store) error {
				runtime.OnCommit(ctx, func(context.Context) { committed = true })
				return inner.Account.UpdateByID(context.Background(), a.ID, AccountFields.Balance.Set(42))
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		if !committed {
			t.Error("the nested WithTx's OnCommit hook did not run: it did not join the outer transaction")
		}
		got, err := s.Account.GetByOwner(ctx, "kept")
		if err != nil || got.Balance != 42 {
			t.Errorf("after commit: %+v, %v", got, err)
		}
	})
}

func TestEnsureIndexes(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		s := newStore(t, b)
		// Twice: the second call finds the same indexes and does nothing.
		if err := s.EnsureIndexes(ctx); err != nil {
			t.Fatalf("second EnsureIndexes: %v", err)
		}
		cur, err := s.Account.Collection().Indexes().List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var specs []bson.M
		if err := cur.All(ctx, &specs); err != nil {
			t.Fatal(err)
		}
		byName := make(map[string]bson.M)
		for _, spec := range specs {
			byName[spec["name"].(string)] = spec
		}
		for name, want := range map[string]bson.M{
			"owner_1":          {"unique": true},
			"address.city_1":   {},
			"by_owner_balance": {"sparse": true},
			"created_at_1":     {"expireAfterSeconds": int32(30 * 24 * 3600)},
		} {
			spec, ok := byName[name]
			if !ok {
				t.Errorf("no index %s among %v", name, specs)
				continue
			}
			for k, v := range want {
				if got := spec[k]; !numEqual(got, v) {
					t.Errorf("index %s: %s = %v (%T), want %v", name, k, got, got, v)
				}
			}
		}
		// Nested documents decode as bson.D, in order.
		keys, ok := byName["by_owner_balance"]["key"].(bson.D)
		if !ok || len(keys) != 2 || keys[0].Key != "owner" || !numEqual(keys[0].Value, int32(1)) ||
			keys[1].Key != "balance" || !numEqual(keys[1].Value, int32(-1)) {
			t.Errorf("by_owner_balance keys = %v, want owner ascending then balance descending", byName["by_owner_balance"]["key"])
		}
	})
}

// numEqual compares BSON values, treating every integer width alike: servers
// differ in the width they report options in.
func numEqual(a, b any) bool {
	toInt := func(v any) (int64, bool) {
		switch n := v.(type) {
		case int32:
			return int64(n), true
		case int64:
			return n, true
		case float64:
			return int64(n), float64(int64(n)) == n
		}
		return 0, false
	}
	x, okA := toInt(a)
	y, okB := toInt(b)
	if okA && okB {
		return x == y
	}
	return a == b
}
