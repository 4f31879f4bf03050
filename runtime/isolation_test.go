package runtime_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime"
	"github.com/mongotxgen/mongotxgen/runtime/mongotest"
)

// The attempts of a transaction are isolated from one another (issue 10,
// points 1, 4, 5, 9, 10 and 11): a retried callback behaves as the first
// attempt did, and nothing of an ended attempt acts in a later one.

// errConflict is a transient error a callback returns to make WithTx retry.
var errConflict = mongo.CommandError{Code: 112, Name: "WriteConflict", Message: "test conflict",
	Labels: []string{"TransientTransactionError"}}

// commitConflict fails the next commit with a transient write conflict.
var commitConflict = conflictOnce("commitTransaction")

// 1. A struct the callback's writes changed gets its old values back when
// the attempt aborts: the retried Replace does not conflict with its own
// rolled-back write, the retried Insert assigns afresh, and after a final
// failure the caller's structs are as they were.
func TestRetriedCallbackFindsTheCallersStructsAsBefore(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, db := b.Begin(t)
		s := newStore(db)
		if err := s.Account.Insert(ctx, &account{ID: "ann", Balance: 100}); err != nil {
			t.Fatal(err)
		}
		a, err := s.Account.Get(ctx, "ann")
		if err != nil {
			t.Fatal(err)
		}
		a.Balance = 110 // changed before the transaction, written in it

		// The commit of the first attempt fails transiently.
		b.FailPoint(t, commitConflict)
		fresh := &account{Owner: "new"}
		var seen []account
		calls := 0
		err = s.WithTx(ctx, func(ctx context.Context, tx *store) error {
			calls++
			seen = append(seen, *a, *fresh)
			if err := tx.Account.Replace(ctx, a); err != nil {
				return err
			}
			return tx.Account.Insert(ctx, fresh)
		}, fastBackoff)
		if err != nil || calls != 2 {
			t.Fatalf("WithTx = %v after %d attempts, want success on the second", err, calls)
		}
		want := []account{{ID: "ann", Balance: 110, Version: 1}, {Owner: "new"}}
		if !slices.Equal(seen[:2], want) || !slices.Equal(seen[2:], want) {
			t.Errorf("the callback saw %+v, want %+v at every attempt", seen, want)
		}
		if got, err := s.Account.Get(ctx, "ann"); err != nil || *got != *a || a.Version != 2 {
			t.Errorf("stored %+v, %v; the caller holds %+v; want both at version 2", got, err, a)
		}

		// A final failure leaves the structs as they were before WithTx.
		before, newer := *a, &account{Owner: "newer"}
		err = s.WithTx(ctx, func(ctx context.Context, tx *store) error {
			if err := tx.Account.Replace(ctx, a); err != nil {
				return err
			}
			if err := tx.Account.Insert(ctx, newer); err != nil {
				return err
			}
			return errors.New("undo")
		})
		if err == nil || *a != before || *newer != (account{Owner: "newer"}) {
			t.Errorf("after the failed WithTx (%v) the caller holds %+v and %+v, want %+v and an unassigned account", err, a, newer, before)
		}
	})
}

// 1, through plain driver calls: restore functions run at every abort,
// last registered first and before the callback runs again, never after a
// commit; outside a transaction RestoreOnAbort does nothing.
func TestRestoreOnAbort(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, coll := begin(t, b)
		n := 0
		var order []string
		calls := 0
		err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
			calls++
			if n != 0 {
				return errors.New("the retried callback sees the first attempt's change")
			}
			old := n
			n = 7
			runtime.RestoreOnAbort(ctx, func() { order = append(order, "first"); n = old })
			runtime.RestoreOnAbort(ctx, func() { order = append(order, "second") })
			runtime.OnRollback(ctx, func(context.Context) { order = append(order, "rollback hook") })
			if err := insert(ctx, coll, "a"); err != nil {
				return err
			}
			if calls == 1 {
				return errConflict
			}
			return nil
		}, fastBackoff)
		if err != nil || calls != 2 || n != 7 {
			t.Fatalf("WithTx = %v after %d attempts, n = %d; want success on the second and n = 7", err, calls, n)
		}
		if want := []string{"second", "first", "rollback hook"}; !slices.Equal(order, want) {
			t.Errorf("ran %v, want %v", order, want)
		}
		runtime.RestoreOnAbort(ctx, func() { t.Error("RestoreOnAbort outside a transaction ran") })
		wantIDs(t, coll, "a")

		// On the context of an ended attempt: at once after an abort (the
		// write it would undo is gone), never after a commit.
		for _, result := range []error{errors.New("undo"), nil} {
			var inner context.Context
			_ = runtime.WithTx(ctx, b.Client, func(ctx context.Context) error { inner = ctx; return result })
			ran := false
			runtime.RestoreOnAbort(inner, func() { ran = true })
			if ran != (result != nil) {
				t.Errorf("RestoreOnAbort on the context of a transaction that ended with %v ran: %v", result, ran)
			}
		}
	})
}

// 4 and 5. A goroutine the first attempt started, still running in the
// second, finds its context dead: InTx is false, its hooks never run, its
// repository writes, plain driver writes and joined WithTx calls fail, and
// none of it is committed by the second attempt.
func TestEndedAttemptContextIsDead(t *testing.T) {
	for _, tc := range []struct {
		name        string
		withSession bool
		plainRefuse bool // with WithSession, plain driver calls cannot be refused
		commitFails bool // the first attempt ends at its commit, not in the callback
	}{
		{"WithTx's sessions", false, true, false},
		{"WithTx's sessions, failed commit", false, true, true},
		{"WithSession", true, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
				ctx, db := b.Begin(t)
				s := newStore(db)
				var opts []runtime.TxOption
				if tc.withSession {
					sess, err := b.Client.StartSession()
					if err != nil {
						t.Fatal(err)
					}
					defer sess.EndSession(ctx)
					opts = append(opts, runtime.WithSession(sess))
				}
				if tc.commitFails {
					b.FailPoint(t, commitConflict)
				}
				second := make(chan struct{})
				staleDone := make(chan []string)
				var hookRan bool
				calls := 0
				err := s.WithTx(ctx, func(ctx context.Context, tx *store) error {
					calls++
					if calls == 1 {
						if err := tx.Account.Insert(ctx, &account{ID: "first"}); err != nil {
							return err
						}
						go func() {
							<-second
							staleDone <- staleActions(ctx, tx, &hookRan, tc.plainRefuse)
						}()
						if tc.commitFails {
							return nil
						}
						return errConflict
					}
					close(second)
					if problems := <-staleDone; len(problems) > 0 {
						return errors.New(strings.Join(problems, "; "))
					}
					return tx.Account.Insert(ctx, &account{ID: "fresh"})
				}, append(opts, fastBackoff)...)
				if err != nil || calls != 2 {
					t.Fatalf("WithTx = %v after %d attempts, want success on the second", err, calls)
				}
				if hookRan {
					t.Error("a hook registered on the first attempt's context ran")
				}
				var got []string
				for a, err := range s.Account.Iter(ctx) {
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, a.ID)
				}
				if want := []string{"fresh"}; !slices.Equal(got, want) {
					t.Errorf("stored %v, want %v: a stale write was committed", got, want)
				}
			})
		})
	}
}

// staleActions is what a goroutine of an ended attempt tries with its
// context ctx and bound store tx; it returns what wrongly worked.
func staleActions(ctx context.Context, tx *store, hookRan *bool, plainRefused bool) []string {
	var problems []string
	if runtime.InTx(ctx) {
		problems = append(problems, "InTx is true")
	}
	runtime.OnCommit(ctx, func(context.Context) { *hookRan = true })
	runtime.OnRollback(ctx, func(context.Context) { *hookRan = true })
	if *hookRan {
		problems = append(problems, "OnCommit on a dead context ran at once")
	}
	if err := tx.Account.Insert(context.Background(), &account{ID: "stale-repo"}); !errors.Is(err, runtime.ErrTxEnded) {
		problems = append(problems, "repository insert: "+errString(err)+", want ErrTxEnded")
	}
	if err := runtime.WithTx(ctx, tx.db.Client(), func(ctx context.Context) error {
		return insert(ctx, tx.Account.coll, "stale-joined")
	}); !errors.Is(err, runtime.ErrTxEnded) {
		problems = append(problems, "joined WithTx: "+errString(err)+", want ErrTxEnded")
	}
	if plainRefused {
		if err := insert(ctx, tx.Account.coll, "stale-plain"); err == nil {
			problems = append(problems, "a plain driver insert succeeded")
		}
	}
	return problems
}

func errString(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}

// 5. OnCommit on the context of a transaction that aborted, or committed,
// never runs: that is not "outside a transaction".
func TestOnCommitOnAnEndedTransactionNeverRuns(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, coll := begin(t, b)
		for _, result := range []error{errors.New("undo"), nil} {
			var inner context.Context
			err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
				inner = ctx
				if err := insert(ctx, coll, "a"+errString(result)); err != nil {
					return err
				}
				return result
			})
			if !errors.Is(err, result) {
				t.Fatalf("WithTx = %v, want %v", err, result)
			}
			runtime.OnCommit(inner, func(context.Context) {
				t.Errorf("OnCommit on the context of a transaction that ended with %v ran", result)
			})
		}
	})
}

// 9. Two goroutines using one transaction: the operation that starts while
// another runs fails with ErrConcurrentTx, and the transaction does not
// commit even if the callback swallows that error. One goroutine running
// other operations inside a loop over a cursor is fine.
func TestConcurrentUseOfOneTransactionFailsLoudly(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		inserting := make(chan struct{}, 1)
		client := monitoredClient(t, b, &event.CommandMonitor{
			Started: func(_ context.Context, e *event.CommandStartedEvent) {
				if e.CommandName == "insert" {
					select {
					case inserting <- struct{}{}:
					default:
					}
				}
			},
		})
		ctx, db := (&testenv.Backend{Client: client}).Begin(t)
		s := newStore(db)
		for _, id := range []string{"x", "y"} {
			if err := s.Account.Insert(ctx, &account{ID: id}); err != nil {
				t.Fatal(err)
			}
		}
		select { // the seeds' inserts
		case <-inserting:
		default:
		}

		t.Run("loop body runs operations", func(t *testing.T) {
			err := s.WithTx(ctx, func(ctx context.Context, tx *store) error {
				for a, err := range tx.Account.Iter(ctx) {
					if err != nil {
						return err
					}
					if err := tx.Account.UpdateByID(ctx, a.ID, accountBalance.Inc(1)); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatalf("WithTx = %v, want success", err)
			}
		})

		t.Run("two goroutines", func(t *testing.T) {
			(&testenv.Backend{Client: client}).FailPoint(t, mongotest.FailPoint{Mode: mongotest.Times(1),
				Commands: []string{"insert"}, BlockConnection: true, BlockTime: 300 * time.Millisecond})
			var concurrent error
			err := s.WithTx(ctx, func(ctx context.Context, tx *store) error {
				var wg sync.WaitGroup
				var first error
				wg.Go(func() { first = tx.Account.Insert(ctx, &account{ID: "z"}) })
				<-inserting // the other goroutine's insert is on the server
				_, concurrent = tx.Account.Get(ctx, "x")
				wg.Wait()
				return first // the concurrent failure is swallowed
			}, runtime.WithMaxAttempts(1))
			if !errors.Is(concurrent, runtime.ErrConcurrentTx) {
				t.Errorf("the concurrent Get = %v, want ErrConcurrentTx", concurrent)
			}
			if !errors.Is(err, runtime.ErrTxAborted) || !errors.Is(err, runtime.ErrConcurrentTx) {
				t.Errorf("WithTx = %v, want ErrTxAborted wrapping ErrConcurrentTx", err)
			}
			if _, err := s.Account.Get(ctx, "z"); !errors.Is(err, runtime.ErrNotFound) {
				t.Errorf("Get(z) = %v: the transaction committed", err)
			}
		})
	})
}

// 10. A document stored before its type had a version field reads as
// version 0, and Replace at version 0 matches it; a stale version 0 still
// conflicts.
func TestReplaceMatchesAMissingVersionAsZero(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, db := b.Begin(t)
		s := newStore(db)
		if _, err := s.Account.coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "legacy"}, {Key: "balance", Value: int64(5)}}); err != nil {
			t.Fatal(err)
		}
		a, err := s.Account.Get(ctx, "legacy")
		if err != nil || a.Version != 0 {
			t.Fatalf("Get = %+v, %v; want version 0", a, err)
		}
		stale := *a
		a.Balance = 6
		if err := s.Account.Replace(ctx, a); err != nil || a.Version != 1 {
			t.Fatalf("Replace of a document without version = %v (version %d), want success at version 1", err, a.Version)
		}
		if err := s.Account.Replace(ctx, &stale); !errors.Is(err, runtime.ErrVersionConflict) {
			t.Errorf("Replace at a stale version 0 = %v, want ErrVersionConflict", err)
		}
	})
}

// 11. WithSession runs every transaction, and every attempt, on the
// caller's session, which WithTx does not end.
func TestWithSession(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		client, sessions := sessionRecorder(t, b, "insert", "find")
		ctx, coll := begin(t, &testenv.Backend{Client: client})
		sess, err := client.StartSession()
		if err != nil {
			t.Fatal(err)
		}
		defer sess.EndSession(ctx)
		sessions() // not the seed's implicit session
		calls := 0
		for _, id := range []string{"a", "b"} {
			err := runtime.WithTx(ctx, client, func(ctx context.Context) error {
				calls++
				if mongo.SessionFromContext(ctx) != sess {
					return errors.New("the callback's context carries another session")
				}
				if err := insert(ctx, coll, id); err != nil {
					return err
				}
				if calls == 1 {
					return errConflict // the retry runs on sess too
				}
				return nil
			}, runtime.WithSession(sess), fastBackoff)
			if err != nil {
				t.Fatalf("WithTx(%s): %v", id, err)
			}
		}
		// The session lives on: causally consistent reads of both writes.
		if err := coll.FindOne(mongo.NewSessionContext(ctx, sess), bson.D{{Key: "_id", Value: "b"}}).Err(); err != nil {
			t.Fatalf("find on the session after WithTx: %v", err)
		}
		if lsids := sessions(); len(lsids) != 4 || len(slices.Compact(lsids)) != 1 {
			t.Errorf("commands ran on sessions %v, want four on one", lsids)
		}
		wantIDs(t, coll, "a", "b")

		other := testenv.NewClient(t, options.Client().ApplyURI(b.URI))
		otherSess, err := other.StartSession()
		if err != nil {
			t.Fatal(err)
		}
		defer otherSess.EndSession(ctx)
		for _, tc := range []struct {
			opt  runtime.TxOption
			want string
		}{
			{runtime.WithSession(otherSess), "session of another *mongo.Client"},
			{runtime.WithSession(nil), "WithSession(nil)"},
		} {
			err := runtime.WithTx(ctx, client, func(context.Context) error { return nil }, tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("WithTx = %v, want an error saying %q", err, tc.want)
			}
		}
		// Joining a transaction on another session is refused.
		err = runtime.WithTx(ctx, client, func(ctx context.Context) error {
			return runtime.WithTx(ctx, client, func(context.Context) error { return nil }, runtime.WithSession(sess))
		})
		if err == nil || !strings.Contains(err.Error(), "WithSession names another session") {
			t.Errorf("joining with another WithSession session = %v, want an error saying so", err)
		}
		if err := sess.StartTransaction(); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = sess.AbortTransaction(ctx) }()
		err = runtime.WithTx(ctx, client, func(context.Context) error { return nil }, runtime.WithSession(sess))
		if err == nil || !strings.Contains(err.Error(), "already running a transaction") {
			t.Errorf("WithTx on a session in a transaction = %v, want an error saying so", err)
		}
	})
}

// 4, on the wire: a retried attempt runs on another server session (the
// next session is started before the ended one goes back to the driver's
// pool, which would hand it out again), also after a failed commit, whose
// transaction the server may still run (here it does: a fail point failed
// the commit) until WithTx kills the old session.
func TestRetriedAttemptSessions(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		client, sessions := sessionRecorder(t, b, "insert")
		be := &testenv.Backend{Client: client}
		ctx, coll := begin(t, be)
		for _, tc := range []struct {
			name string
			fp   *mongotest.FailPoint
		}{
			{"callback failed", nil},
			{"commit failed", &commitConflict},
		} {
			if tc.fp != nil {
				be.FailPoint(t, *tc.fp)
			}
			sessions()
			calls := 0
			err := runtime.WithTx(ctx, client, func(ctx context.Context) error {
				calls++
				if err := insert(ctx, coll, tc.name); err != nil {
					return err
				}
				if calls == 1 && tc.fp == nil {
					return errConflict
				}
				return nil
			}, fastBackoff)
			if err != nil || calls != 2 {
				t.Fatalf("%s: WithTx = %v after %d attempts, want success on the second", tc.name, err, calls)
			}
			if lsids := sessions(); len(lsids) != 2 || lsids[0] == lsids[1] {
				t.Errorf("%s: the attempts ran on sessions %v, want two", tc.name, lsids)
			}
		}
		wantIDs(t, coll, "callback failed", "commit failed")
	})
}

// sessionRecorder connects to b with a monitor recording the session (lsid)
// of each of the named commands; sessions returns those recorded since its
// last call.
func sessionRecorder(t *testing.T, b *testenv.Backend, commands ...string) (client *mongo.Client, sessions func() []string) {
	var mu sync.Mutex
	var lsids []string
	client = monitoredClient(t, b, &event.CommandMonitor{
		Started: func(_ context.Context, e *event.CommandStartedEvent) {
			if slices.Contains(commands, e.CommandName) {
				mu.Lock()
				defer mu.Unlock()
				lsids = append(lsids, e.Command.Lookup("lsid").String())
			}
		},
	})
	return client, func() []string {
		mu.Lock()
		defer mu.Unlock()
		got := lsids
		lsids = nil
		return got
	}
}
