package shop

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime"
	"github.com/mongotxgen/mongotxgen/runtime/mongotest"
)

// The attempts of a transaction are isolated from one another through the
// generated repositories (issue 10, points 1, 4, 9 and 10): a retried
// callback finds the caller's structs as the first attempt did, a stale
// attempt's writes fail, and concurrent use of one transaction fails loudly.

// errConflict is a transient error a callback returns to make WithTx retry.
var errConflict = mongo.CommandError{Code: 112, Name: "WriteConflict", Message: "test conflict",
	Labels: []string{"TransientTransactionError"}}

var fastBackoff = runtime.WithBackoff(time.Millisecond, 2*time.Millisecond)

// conflictOnce makes the next command named command fail with a transient
// write conflict.
func conflictOnce(command string) mongotest.FailPoint {
	return mongotest.FailPoint{Mode: mongotest.Times(1), Commands: []string{command},
		ErrorCode: 112, ErrorLabels: []string{"TransientTransactionError"}}
}

// 1. Replace, InsertMany and Insert change the caller's structs; a transient
// failure after them (a later delete in the callback, or the commit) makes
// WithTx retry, and the retry finds the structs as the first attempt did:
// its Replace does not conflict with its own rolled-back write, its inserts
// assign afresh. After a final failure the structs are as before WithTx.
func TestRetriedCallbackFindsTheStructsAsBefore(t *testing.T) {
	for _, failing := range []string{"delete", "commitTransaction"} {
		t.Run(failing, func(t *testing.T) {
			testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
				ctx := testenv.Context(t)
				s := newStore(t, b)
				seed := &Account{Owner: "ann", Balance: 100}
				if err := s.Account.Insert(ctx, seed); err != nil {
					t.Fatal(err)
				}
				if err := s.Event.Insert(ctx, &Event{Key: "seed"}); err != nil {
					t.Fatal(err)
				}
				a, err := s.Account.Get(ctx, seed.ID)
				if err != nil {
					t.Fatal(err)
				}
				a.Balance = 110 // changed before the transaction, written in it
				fresh := &Account{Owner: "fresh"}
				batch := []*Account{{Owner: "m1"}, {Owner: "m2"}}
				snapshot := func() []Account { return []Account{*a, *fresh, *batch[0], *batch[1]} }

				b.FailPoint(t, conflictOnce(failing))
				var seen [][]Account
				err = s.WithTx(ctx, func(ctx context.Context, tx *Store) error {
					seen = append(seen, snapshot())
					if err := changeStructs(ctx, tx, a, fresh, batch); err != nil {
						return err
					}
					_, err := tx.Event.DeleteMany(ctx, EventFields.Key.Eq("nothing"))
					return err
				}, fastBackoff)
				if err != nil || len(seen) != 2 {
					t.Fatalf("WithTx = %v after %d attempts, want success on the second", err, len(seen))
				}
				if d := cmp.Diff(seen[0], seen[1]); d != "" {
					t.Errorf("the retried callback found the structs changed (-first +second):\n%s", d)
				}
				got, err := s.Account.Get(ctx, a.ID)
				if err != nil || a.Version != 2 {
					t.Fatalf("after the commit: Get = %v, the caller's Version %d; want 2", err, a.Version)
				}
				if d := cmp.Diff(a, got); d != "" {
					t.Errorf("stored document differs from the caller's (-caller +stored):\n%s", d)
				}
				if n, err := s.Account.Count(ctx, nil); err != nil || n != 4 {
					t.Errorf("Count = %d, %v; want 4: the seed, fresh and the batch, once each", n, err)
				}

				// A final failure leaves the structs as they were before WithTx.
				before := snapshot()[:1]
				fresh, batch = &Account{Owner: "fresh2"}, []*Account{{Owner: "m3"}, {Owner: "m4"}}
				unassigned := snapshot()[1:]
				errUndo := errors.New("undo")
				err = s.WithTx(ctx, func(ctx context.Context, tx *Store) error {
					if err := changeStructs(ctx, tx, a, fresh, batch); err != nil {
						return err
					}
					return errUndo
				})
				if !errors.Is(err, errUndo) {
					t.Fatalf("WithTx = %v, want the callback's error", err)
				}
				if d := cmp.Diff(slices.Concat(before, unassigned), snapshot()); d != "" {
					t.Errorf("after the aborted WithTx the structs changed (-before +after):\n%s", d)
				}
			})
		})
	}
}

// changeStructs runs the writes that change the caller's structs: Replace
// of a, Insert of fresh, InsertMany of batch.
func changeStructs(ctx context.Context, tx *Store, a, fresh *Account, batch []*Account) error {
	if err := tx.Account.Replace(ctx, a); err != nil {
		return err
	}
	if err := tx.Account.InsertMany(ctx, batch); err != nil {
		return err
	}
	return tx.Account.Insert(ctx, fresh)
}

// 4. A goroutine of the first attempt, still running in the second, writes
// through the bound Store it was given: the write fails with ErrTxEnded,
// and the second attempt does not commit it.
func TestStaleAttemptWritesFail(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := testenv.Context(t)
		s := newStore(t, b)
		seed := &Account{Owner: "seed"}
		if err := s.Account.Insert(ctx, seed); err != nil {
			t.Fatal(err)
		}
		second := make(chan struct{})
		staleErrs := make(chan []error)
		calls := 0
		err := s.WithTx(ctx, func(ctx context.Context, tx *Store) error {
			calls++
			if calls == 1 {
				go func() {
					<-second
					staleErrs <- []error{
						tx.Account.Insert(context.Background(), &Account{Owner: "stale"}),
						tx.Account.UpdateByID(ctx, seed.ID, AccountFields.Balance.Set(666)),
					}
				}()
				return errConflict
			}
			close(second)
			for i, err := range <-staleErrs {
				if !errors.Is(err, runtime.ErrTxEnded) {
					t.Errorf("stale write %d = %v, want ErrTxEnded", i, err)
				}
			}
			return tx.Account.Insert(ctx, &Account{Owner: "fresh"})
		}, fastBackoff)
		if err != nil || calls != 2 {
			t.Fatalf("WithTx = %v after %d attempts, want success on the second", err, calls)
		}
		var owners []string
		for a, err := range s.Account.Iter(ctx, nil) {
			if err != nil {
				t.Fatal(err)
			}
			if a.Balance != 0 {
				t.Errorf("%s has balance %d: a stale update was committed", a.Owner, a.Balance)
			}
			owners = append(owners, a.Owner)
		}
		slices.Sort(owners)
		if want := []string{"fresh", "seed"}; !slices.Equal(owners, want) {
			t.Errorf("stored %v, want %v: a stale insert was committed", owners, want)
		}
	})
}

// 9. Two goroutines using one bound Store: the operation that starts while
// the other runs fails with ErrConcurrentTx, and the transaction does not
// commit even though the callback swallows that error. Operations inside a
// loop over Iter, on one goroutine, are fine.
func TestConcurrentUseOfABoundStoreFailsLoudly(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		inserting := make(chan struct{}, 1)
		client := testenv.NewClient(t, options.Client().ApplyURI(b.URI).SetMonitor(&event.CommandMonitor{
			Started: func(_ context.Context, e *event.CommandStartedEvent) {
				if e.CommandName == "insert" {
					select {
					case inserting <- struct{}{}:
					default:
					}
				}
			},
		}))
		mb := &testenv.Backend{Client: client}
		ctx, db := mb.Begin(t)
		s := NewStore(db)
		x := &Account{Owner: "x"}
		if err := s.Account.InsertMany(ctx, []*Account{x, {Owner: "y"}}); err != nil {
			t.Fatal(err)
		}
		select { // the seeds' insert
		case <-inserting:
		default:
		}

		err := s.WithTx(ctx, func(ctx context.Context, tx *Store) error {
			for a, err := range tx.Account.Iter(ctx, nil, runtime.BatchSize(1)) {
				if err != nil {
					return err
				}
				if err := tx.Account.UpdateByID(ctx, a.ID, AccountFields.Balance.Inc(1)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("WithTx with updates in a loop over Iter = %v, want success", err)
		}

		mb.FailPoint(t, mongotest.FailPoint{Mode: mongotest.Times(1),
			Commands: []string{"insert"}, BlockConnection: true, BlockTime: 300 * time.Millisecond})
		var concurrent error
		err = s.WithTx(ctx, func(ctx context.Context, tx *Store) error {
			var wg sync.WaitGroup
			var first error
			wg.Go(func() { first = tx.Account.Insert(ctx, &Account{Owner: "z"}) })
			<-inserting // the other goroutine's insert is on the server
			_, concurrent = tx.Account.Get(ctx, x.ID)
			wg.Wait()
			return first // the concurrent failure is swallowed
		}, runtime.WithMaxAttempts(1))
		if !errors.Is(concurrent, runtime.ErrConcurrentTx) {
			t.Errorf("the concurrent Get = %v, want ErrConcurrentTx", concurrent)
		}
		if !errors.Is(err, runtime.ErrTxAborted) || !errors.Is(err, runtime.ErrConcurrentTx) {
			t.Errorf("WithTx = %v, want ErrTxAborted wrapping ErrConcurrentTx", err)
		}
		if _, err := s.Account.GetByOwner(ctx, "z"); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("GetByOwner(z) = %v: the transaction committed", err)
		}
	})
}

// 10. Replace of a document stored before its type had a version field
// matches it as version 0 (a stale version 0 still conflicts), and Insert
// keeps a creation time the caller set, as an import does.
func TestLegacyVersionAndImportedCreated(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := testenv.Context(t)
		s := newStore(t, b)
		id := bson.NewObjectID()
		if _, err := s.Account.Collection().InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "owner", Value: "legacy"}}); err != nil {
			t.Fatal(err)
		}
		a, err := s.Account.Get(ctx, id)
		if err != nil || a.Version != 0 {
			t.Fatalf("Get = %+v, %v; want version 0", a, err)
		}
		stale := *a
		a.Balance = 6
		if err := s.Account.Replace(ctx, a); err != nil || a.Version != 1 {
			t.Fatalf("Replace of a document without version = %v (version %d), want success at version 1", err, a.Version)
		}
		wantOpErr(t, s.Account.Replace(ctx, &stale), "replace", runtime.ErrVersionConflict)

		created := time.Date(2019, 5, 1, 12, 0, 0, 0, time.UTC)
		imported := &Account{Owner: "imported", CreatedAt: created}
		if err := s.Account.Insert(ctx, imported); err != nil {
			t.Fatal(err)
		}
		if !imported.CreatedAt.Equal(created) || !imported.UpdatedAt.After(created) {
			t.Errorf("Insert set CreatedAt %v, UpdatedAt %v; want the caller's %v and the current time", imported.CreatedAt, imported.UpdatedAt, created)
		}
		got, err := s.Account.Get(ctx, imported.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(imported, got); d != "" {
			t.Errorf("stored document differs from the inserted one (-inserted +stored):\n%s", d)
		}
	})
}
