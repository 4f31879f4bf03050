package library

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime"
)

// TestUpsertStamps: an inserting Upsert sets created and version 1, an
// updating one bumps the version and sets updated, created unchanged.
func TestUpsertStamps(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, s := open(t, b)
		key := BookFields.Title.Eq("Dune")
		set := runtime.Combine(BookFields.Copies.Inc(1), BookFields.Editions.Set([]Edition{{ISBN: "d"}}))
		inserted, err := s.Book.Upsert(ctx, key, set)
		if err != nil || !inserted {
			t.Fatalf("first Upsert = %v, %v; want inserted", inserted, err)
		}
		first, err := s.Book.GetByTitle(ctx, "Dune")
		if err != nil {
			t.Fatal(err)
		}
		if first.Version != 1 || first.Created.IsZero() || first.Updated.IsZero() || first.Copies != 1 || first.ID.IsZero() {
			t.Errorf("inserted %+v: want version 1, created, updated, copies 1 and an ID", first)
		}
		time.Sleep(2 * time.Millisecond) // updated is kept to the millisecond
		inserted, err = s.Book.Upsert(ctx, key, BookFields.Copies.Inc(1))
		if err != nil || inserted {
			t.Fatalf("second Upsert = %v, %v; want updated", inserted, err)
		}
		second, err := s.Book.Get(ctx, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		if second.Version != 2 || !second.Created.Equal(first.Created) || !second.Updated.After(first.Updated) || second.Copies != 2 {
			t.Errorf("updated %+v after %+v: want version 2, the same created, a later updated, copies 2", second, first)
		}
	})
}

// TestUpsertRace: two concurrent Upserts of one new key end with one
// document; each reports an insert, an update, or a duplicate key.
func TestUpsertRace(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, s := open(t, b)
		for round := range 10 {
			title := "Race " + string(rune('A'+round))
			var wg sync.WaitGroup
			inserted := make([]bool, 2)
			errs := make([]error, 2)
			for i := range 2 {
				wg.Go(func() {
					set := runtime.Combine(BookFields.Copies.Inc(1), BookFields.Editions.Set([]Edition{{ISBN: title}}))
					inserted[i], errs[i] = s.Book.Upsert(ctx, BookFields.Title.Eq(title), set)
				})
			}
			wg.Wait()
			inserts := 0
			for i := range 2 {
				switch {
				case errs[i] == nil && inserted[i]:
					inserts++
				case errs[i] == nil:
				case errors.Is(errs[i], runtime.ErrDuplicateKey):
				default:
					t.Errorf("%s: Upsert %d: %v", title, i, errs[i])
				}
			}
			if inserts != 1 {
				t.Errorf("%s: %d Upserts inserted, want 1 (errors %v)", title, inserts, errs)
			}
			if n, err := s.Book.Count(ctx, BookFields.Title.Eq(title)); err != nil || n != 1 {
				t.Errorf("%s: %d documents, %v; want 1", title, n, err)
			}
		}
	})
}

// TestFindOneAndReplaceAndDelete: the document after, the version checked
// and bumped, ErrNotFound on no match.
func TestFindOneAndReplaceAndDelete(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, s := open(t, b)
		bk := &Book{Title: "Emma", Copies: 1, Editions: []Edition{{ISBN: "e"}}}
		insert(t, ctx, s, bk)
		bk.Copies = 5
		after, err := s.Book.FindOneAndReplace(ctx, BookFields.Title.Eq("Emma"), bk)
		if err != nil {
			t.Fatal(err)
		}
		if after.Copies != 5 || after.Version != 2 || bk.Version != 2 || !after.Updated.Equal(bk.Updated) {
			t.Errorf("after = %+v, doc %+v: want copies 5 and version 2 in both", after, bk)
		}
		stale := *bk
		stale.Version = 1
		_, err = s.Book.FindOneAndReplace(ctx, BookFields.Title.Eq("Emma"), &stale)
		if !errors.Is(err, runtime.ErrVersionConflict) || stale.Version != 1 {
			t.Errorf("stale FindOneAndReplace: %v, version %d; want a version conflict, version 1 given back", err, stale.Version)
		}
		if _, err := s.Book.FindOneAndReplace(ctx, BookFields.Title.Eq("Nope"), bk); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("FindOneAndReplace of no match: %v, want ErrNotFound", err)
		}
		gone, err := s.Book.FindOneAndDelete(ctx, BookFields.Title.Eq("Emma"), runtime.Select(BookFields.Title))
		if err != nil || gone.Title != "Emma" || gone.Copies != 0 {
			t.Errorf("FindOneAndDelete = %+v, %v; want Emma with only the title read", gone, err)
		}
		if _, err := s.Book.FindOneAndDelete(ctx, BookFields.Title.Eq("Emma")); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("second FindOneAndDelete: %v, want ErrNotFound", err)
		}
	})
}

// TestBulkWrite: each op stamped as its single-document method, an ordered
// write stops at the first failure and the documents of the ops not applied
// get their old values back.
func TestBulkWrite(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, s := open(t, b)
		old := &Book{Title: "Old", Copies: 1, Editions: []Edition{{ISBN: "o"}}}
		insert(t, ctx, s, old)
		fresh := &Book{Title: "Fresh", Tags: []string{}, Editions: []Edition{{ISBN: "f"}}} // Push needs an array: a nil slice is stored as null
		old.Copies = 9
		res, err := s.Book.BulkWrite(ctx,
			runtime.InsertOp(fresh),
			runtime.ReplaceOp(old),
			runtime.UpdateOneOp(BookFields.Title.Eq("Fresh"), BookFields.Tags.Push("new")),
			runtime.DeleteManyOp(BookFields.Title.Eq("nothing")),
		)
		if err != nil {
			t.Fatal(err)
		}
		if res != (runtime.BulkResult{InsertedCount: 1, MatchedCount: 2, ModifiedCount: 2}) {
			t.Errorf("result %+v", res)
		}
		if fresh.ID.IsZero() || fresh.Version != 1 || fresh.Created.IsZero() || old.Version != 2 {
			t.Errorf("stamps: fresh %+v, old %+v", fresh, old)
		}
		got, err := s.Book.Get(ctx, fresh.ID)
		if err != nil || got.Version != 2 || len(got.Tags) != 1 {
			t.Errorf("Fresh after the update op = %+v, %v; want version 2 and one tag", got, err)
		}

		dup := &Book{Title: "Old", Editions: []Edition{{ISBN: "x"}}}
		late := &Book{Title: "Late", Editions: []Edition{{ISBN: "l"}}}
		res, err = s.Book.BulkWrite(ctx, runtime.InsertOp(dup), runtime.InsertOp(late))
		var bwe mongo.BulkWriteException
		if !errors.Is(err, runtime.ErrDuplicateKey) || !errors.As(err, &bwe) || bwe.WriteErrors[0].Index != 0 {
			t.Fatalf("BulkWrite with a duplicate first: %v, want a duplicate key at op 0", err)
		}
		if res.InsertedCount != 0 || !dup.ID.IsZero() || !late.ID.IsZero() || late.Version != 0 {
			t.Errorf("after the failure: result %+v, dup %+v, late %+v; want nothing applied and both documents as before", res, dup, late)
		}
		if n, _ := s.Book.Count(ctx, BookFields.Title.Eq("Late")); n != 0 {
			t.Error("the op after the failing one was applied")
		}
		if _, err := s.Book.BulkWrite(ctx, runtime.InsertOp[Book](nil)); !errors.Is(err, runtime.ErrInvalidQuery) {
			t.Errorf("BulkWrite of a nil document: %v, want ErrInvalidQuery", err)
		}
	})
}

// TestNewMethodsInWithTx: the new methods run in the transaction of the
// bound Store; an aborted transaction leaves nothing and gives the caller's
// structs their old values back.
func TestNewMethodsInWithTx(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, s := open(t, b)
		kept := &Book{Title: "Kept", Editions: []Edition{{ISBN: "k"}}}
		insert(t, ctx, s, kept)
		fresh := &Book{Title: "In tx", Editions: []Edition{{ISBN: "t"}}}
		boom := errors.New("boom")
		err := s.WithTx(ctx, func(_ context.Context, tx *Store) error {
			// context.Background: the bound Store alone carries the transaction.
			bg := context.Background()
			if _, err := tx.Book.Upsert(bg, BookFields.Title.Eq("Upserted"), BookFields.Editions.Set([]Edition{{ISBN: "u"}})); err != nil {
				return err
			}
			if _, err := tx.Book.BulkWrite(bg, runtime.InsertOp(fresh)); err != nil {
				return err
			}
			kept.Copies = 3
			if _, err := tx.Book.FindOneAndReplace(bg, BookFields.ID.Eq(kept.ID), kept); err != nil {
				return err
			}
			if _, err := tx.Book.FindOneAndDelete(bg, BookFields.Title.Eq("In tx")); err != nil {
				return err
			}
			if n, err := tx.Book.Count(bg, nil); err != nil || n != 2 {
				t.Errorf("inside the transaction: %d books, %v; want 2", n, err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("WithTx = %v, want boom", err)
		}
		if n, err := s.Book.Count(ctx, nil); err != nil || n != 1 {
			t.Errorf("after the abort: %d books, %v; want 1", n, err)
		}
		if fresh.ID != (bson.ObjectID{}) || fresh.Version != 0 || kept.Version != 1 {
			t.Errorf("after the abort: fresh %+v, kept %+v; want their values from before", fresh, kept)
		}
	})
}
