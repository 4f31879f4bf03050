package faults

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime"
)

// errInsufficientFunds is a transfer's own, non-transient failure.
var errInsufficientFunds = errors.New("insufficient funds")

// hookCounts counts the commit and rollback hooks that ran.
type hookCounts struct {
	commits, rollbacks atomic.Int64
}

// transfer moves e.Amount from e.From to e.To and records e in the ledger,
// all in the transaction of ctx. Its statements, in order, are what the
// fault matrix targets by command name: the debit (findAndModify, guarded
// so that no balance goes negative), a read of the destination (find), the
// credit (update) and the ledger entry (insert). It registers its hooks
// before the first statement, so every attempt registers both.
func transfer(ctx context.Context, tx *Store, e Entry, hooks *hookCounts) error {
	return transferSwallowing(ctx, tx, e, hooks, false)
}

// transferSwallowing is transfer, except that with swallow it ignores the
// error of the ledger insert and returns nil: the bug README point 9 is
// about.
func transferSwallowing(ctx context.Context, tx *Store, e Entry, hooks *hookCounts, swallow bool) error {
	runtime.OnCommit(ctx, func(context.Context) { hooks.commits.Add(1) })
	runtime.OnRollback(ctx, func(context.Context) { hooks.rollbacks.Add(1) })
	_, err := tx.Account.FindOneAndUpdate(ctx,
		runtime.Where(AccountFields.ID.Eq(e.From), AccountFields.Balance.Gte(e.Amount)),
		AccountFields.Balance.Inc(-e.Amount))
	if errors.Is(err, runtime.ErrNotFound) {
		return errInsufficientFunds
	}
	if err != nil {
		return err
	}
	if _, err := tx.Account.Get(ctx, e.To); err != nil {
		return err
	}
	if err := tx.Account.UpdateByID(ctx, e.To, AccountFields.Balance.Inc(e.Amount)); err != nil {
		return err
	}
	err = tx.Entry.Insert(ctx, &e) // e is a copy: a retried attempt inserts afresh
	if swallow {
		return nil
	}
	return err
}

// connect returns a client of uri with the given appName (so fail points can
// target it alone), disconnected when the test ends. monitored installs
// runtime.CommandMonitor; sessions, if not nil, records the client's
// sessions.
func connect(t testing.TB, uri, appName string, monitored bool, sessions *sessionLog) *mongo.Client {
	t.Helper()
	opts := options.Client().ApplyURI(uri).SetAppName(appName)
	var mon *event.CommandMonitor
	if sessions != nil {
		mon = sessions.monitor()
	}
	if monitored {
		mon = runtime.CommandMonitor(mon)
	}
	if mon != nil {
		opts.SetMonitor(mon)
	}
	return testenv.NewClient(t, opts)
}

// sessionLog records the ids of the sessions a client's commands use, so
// that a test can end them on the server (killSessions) without touching
// anyone else's.
type sessionLog struct {
	mu   sync.Mutex
	seen map[string]bool
	ids  bson.A // of lsid documents, {id: UUID}
}

func (l *sessionLog) monitor() *event.CommandMonitor {
	return &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		doc, ok := e.Command.Lookup("lsid").DocumentOK()
		if !ok {
			return
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.seen == nil {
			l.seen = map[string]bool{}
		}
		if !l.seen[string(doc)] {
			l.seen[string(doc)] = true
			l.ids = append(l.ids, bson.Raw(slices.Clone(doc)))
		}
	}}
}

// kill ends the recorded sessions, and with them any transaction they left
// open, using client.
func (l *sessionLog) kill(ctx context.Context, client *mongo.Client) error {
	l.mu.Lock()
	ids := slices.Clone(l.ids)
	l.mu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	return client.Database("admin").RunCommand(ctx, bson.D{{Key: "killSessions", Value: ids}}).Err()
}

// bankState is what the invariants are checked on: every balance and every
// ledger entry, read in one snapshot.
type bankState struct {
	balances map[string]int64
	entries  []*Entry
}

// readState reads the whole bank in a snapshot transaction. Run on the
// client that ran the transfers, it also reuses (and so aborts) a
// transaction a failed commit left open on a real server.
func readState(ctx context.Context, s *Store) (bankState, error) {
	st := bankState{balances: map[string]int64{}}
	err := s.WithTx(ctx, func(ctx context.Context, tx *Store) error {
		st.balances = map[string]int64{}
		accounts, err := tx.Account.Find(ctx, nil)
		if err != nil {
			return err
		}
		for _, a := range accounts {
			st.balances[a.ID] = a.Balance
		}
		st.entries, err = tx.Entry.Find(ctx, nil)
		return err
	}, runtime.WithTimeout(10*time.Second))
	return st, err
}

// partial reports whether the bank shows the transfer e applied without
// its ledger entry: what a committed transaction whose insert failed
// leaves.
func (st bankState) partial(initial map[string]int64, e Entry) bool {
	if len(st.entries) != 0 || len(st.balances) != len(initial) {
		return false
	}
	for id, b := range initial {
		switch id {
		case e.From:
			b -= e.Amount
		case e.To:
			b += e.Amount
		}
		if st.balances[id] != b {
			return false
		}
	}
	return true
}

// check verifies the bank's invariants against its initial balances: no
// balance is negative, no transfer has more than one ledger entry, and
// every balance is its initial value moved by exactly the ledger's
// entries, so money is conserved and nothing was applied without its entry
// or recorded without being applied.
func (st bankState) check(initial map[string]int64) error {
	want := map[string]int64{}
	for id, b := range initial {
		want[id] = b
	}
	seen := map[string]bool{}
	for _, e := range st.entries {
		if seen[e.Transfer] {
			return fmt.Errorf("transfer %s has more than one ledger entry", e.Transfer)
		}
		seen[e.Transfer] = true
		want[e.From] -= e.Amount
		want[e.To] += e.Amount
	}
	for id, b := range st.balances {
		if b < 0 {
			return fmt.Errorf("account %s has a negative balance %d", id, b)
		}
	}
	if len(st.balances) != len(want) {
		return fmt.Errorf("%d accounts, want %d", len(st.balances), len(want))
	}
	for id, b := range want {
		if got, ok := st.balances[id]; !ok || got != b {
			return fmt.Errorf("account %s holds %d, the ledger says %d (%d entries)", id, got, b, len(st.entries))
		}
	}
	return nil
}
