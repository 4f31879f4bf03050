package benchmarks

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/mongotxgen/mongotxgen/internal/benchmarks/bank"
	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime"
)

// recorder keeps the commands a client starts, as normalized extended JSON.
type recorder struct {
	mu   sync.Mutex
	cmds []string
}

func (r *recorder) monitor() *event.CommandMonitor {
	return &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		var d bson.D
		if err := bson.Unmarshal(e.Command, &d); err != nil {
			panic(fmt.Sprintf("command %s: %v", e.CommandName, err))
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		r.cmds = append(r.cmds, normalize(d))
	}}
}

// take returns the commands recorded since the last call.
func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	cmds := r.cmds
	r.cmds = nil
	return cmds
}

// normalize renders a command without what differs from one run to the
// next: session and cluster time fields, the database, and the values (not
// the types) of ObjectIDs and dates.
func normalize(cmd bson.D) string {
	var out bson.D
	for _, e := range cmd {
		switch e.Key {
		case "lsid", "txnNumber", "$clusterTime", "$db", "readConcern":
			continue
		}
		out = append(out, bson.E{Key: e.Key, Value: placeholders(e.Value)})
	}
	b, err := bson.MarshalExtJSON(out, true, false) // canonical: types show
	if err != nil {
		panic(err)
	}
	return string(b)
}

func placeholders(v any) any {
	switch v := v.(type) {
	case bson.D:
		out := make(bson.D, len(v))
		for i, e := range v {
			out[i] = bson.E{Key: e.Key, Value: placeholders(e.Value)}
		}
		return out
	case bson.A:
		out := make(bson.A, len(v))
		for i, e := range v {
			out[i] = placeholders(e)
		}
		return out
	case bson.ObjectID:
		return "<ObjectID>"
	case bson.DateTime:
		return "<date>"
	}
	return v
}

// TestSameCommands checks that each Generated/Driver pair of the benchmarks
// sends the same commands, so that the benchmarks compare the cost of the
// code around them and nothing else.
func TestSameCommands(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		rec := new(recorder)
		client := connect(t, b.URI, rec.monitor())
		ctx := context.Background()
		genDB, drvDB := freshDB(t, client), freshDB(t, client)
		ids := seed(t, genDB)
		if _, err := drvDB.Collection("accounts").InsertMany(ctx, []*bank.Account{{ID: ids[0]}, {ID: ids[1], Owner: "x"}}); err != nil {
			t.Fatal(err)
		}
		store, repo, drv := bank.NewStore(genDB), bank.NewAccountRepo(genDB), newDriverAccounts(drvDB)
		rec.take()

		for _, op := range []struct {
			name      string
			gen, drv  func() error
			wantNames string
		}{
			{"Insert",
				func() error { return repo.Insert(ctx, newAccount(1000)) },
				func() error { return drv.insert(ctx, newAccount(1000)) },
				"insert"},
			{"Get",
				func() error { _, err := repo.Get(ctx, ids[0]); return err },
				func() error { _, err := drv.get(ctx, ids[0]); return err },
				"find"},
			{"Find",
				func() error { _, err := repo.Find(ctx, bank.AccountFields.Branch.Eq(branchName(3))); return err },
				func() error { _, err := drv.find(ctx, branchName(3)); return err },
				"find"},
			{"UpdateByID",
				func() error { return repo.UpdateByID(ctx, ids[0], bank.AccountFields.Balance.Inc(7)) },
				func() error { return drv.addBalance(ctx, ids[0], 7) },
				"update"},
			{"Count",
				func() error { _, err := repo.Count(ctx, bank.AccountFields.Branch.Eq(branchName(3))); return err },
				func() error { _, err := drv.count(ctx, branchName(3)); return err },
				"aggregate"},
			{"Transfer",
				func() error { return genTransfer(ctx, store, ids[0], ids[1], 5, nil) },
				func() error { return drvTransfer(ctx, client, drv, ids[0], ids[1], 5, nil) },
				"update update commitTransaction"},
		} {
			if err := op.gen(); err != nil {
				t.Fatalf("%s, generated: %v", op.name, err)
			}
			gen := rec.take()
			if err := op.drv(); err != nil {
				t.Fatalf("%s, driver: %v", op.name, err)
			}
			drv := rec.take()
			if names := commandNames(gen); names != op.wantNames {
				t.Errorf("%s: generated code sent %s, want %s", op.name, names, op.wantNames)
			}
			if strings.Join(gen, "\n") != strings.Join(drv, "\n") {
				t.Errorf("%s: different commands\ngenerated:\n\t%s\ndriver:\n\t%s", op.name,
					strings.Join(gen, "\n\t"), strings.Join(drv, "\n\t"))
			}
		}
	})
}

// commandNames lists the command names (the first key) of normalized commands.
func commandNames(cmds []string) string {
	names := make([]string, len(cmds))
	for i, c := range cmds {
		var d bson.D
		if err := bson.UnmarshalExtJSON([]byte(c), true, &d); err != nil || len(d) == 0 {
			names[i] = "?"
			continue
		}
		names[i] = d[0].Key
	}
	return strings.Join(names, " ")
}

// genTransfer moves amount from one account to another in a transaction,
// through the generated Store.
// attempts, when not nil, counts the runs of the callback; opts go to
// WithTx.
func genTransfer(ctx context.Context, store *bank.Store, from, to bson.ObjectID, amount int64, attempts *atomic.Int64, opts ...runtime.TxOption) error {
	return store.WithTx(ctx, func(ctx context.Context, tx *bank.Store) error {
		if attempts != nil {
			attempts.Add(1)
		}
		if err := tx.Account.UpdateByID(ctx, from, bank.AccountFields.Balance.Inc(-amount)); err != nil {
			return err
		}
		return tx.Account.UpdateByID(ctx, to, bank.AccountFields.Balance.Inc(amount))
	}, opts...)
}

// drvTransfer is genTransfer written by hand with the driver's
// Session.WithTransaction; attempts, when not nil, counts the runs of the
// callback.
func drvTransfer(ctx context.Context, client *mongo.Client, d driverAccounts, from, to bson.ObjectID, amount int64, attempts *atomic.Int64) error {
	sess, err := client.StartSession()
	if err != nil {
		return err
	}
	defer sess.EndSession(ctx)
	_, err = sess.WithTransaction(ctx, func(ctx context.Context) (any, error) {
		if attempts != nil {
			attempts.Add(1)
		}
		if err := d.addBalance(ctx, from, -amount); err != nil {
			return nil, err
		}
		return nil, d.addBalance(ctx, to, amount)
	})
	return err
}
