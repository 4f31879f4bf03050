package faults

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime"
	"github.com/mongotxgen/mongotxgen/runtime/mongotest"
)

var update = flag.Bool("update", false, "rewrite ../../RELIABILITY.md from the fault matrix run on mongotest")

// reliabilityFile is the outcome table of the fault matrix.
const reliabilityFile = "../../RELIABILITY.md"

// A position is a statement of the transfer, named by its command.
type position struct {
	name    string
	command string
}

var positions = []position{
	{"first write (debit)", "findAndModify"},
	{"read (destination)", "find"},
	{"second write (credit)", "update"},
	{"commit", "commitTransaction"},
}

// A fault is one kind of failure the failCommand fail point injects.
type fault struct {
	name string
	fp   mongotest.FailPoint // without Mode, Commands and AppName
}

// blockTime is how long a blocked command waits; blockDeadline, the
// deadline of the transfer it blocks, is well before it.
const (
	blockTime     = 1200 * time.Millisecond
	blockDeadline = 400 * time.Millisecond
)

var (
	faultWriteConflict = fault{"WriteConflict 112", mongotest.FailPoint{ErrorCode: 112}}
	faultNoSuchTxn     = fault{"NoSuchTransaction 251", mongotest.FailPoint{ErrorCode: 251}}
	faultClosed        = fault{"closed connection", mongotest.FailPoint{CloseConnection: true}}
	faultNotPrimary    = fault{"NotWritablePrimary 10107", mongotest.FailPoint{ErrorCode: 10107}}
	faultShutdown      = fault{"ShutdownInProgress 91", mongotest.FailPoint{ErrorCode: 91}}
	faultMaxTime       = fault{"MaxTimeMSExpired 50", mongotest.FailPoint{ErrorCode: 50}}
	faultWCE           = fault{"writeConcernError 64", mongotest.FailPoint{WriteConcernError: &mongotest.WriteConcernError{
		Code: 64, CodeName: "WriteConcernFailed", Errmsg: "waiting for replication timed out"}}}
	faultDupKey = fault{"DuplicateKey 11000", mongotest.FailPoint{ErrorCode: 11000}}
	faultBlock  = fault{"blocked past the deadline", mongotest.FailPoint{BlockConnection: true, BlockTime: blockTime}}
)

// Outcomes of a transfer.
const (
	committed = "committed"                             // WithTx returned nil; the transfer is applied once
	failed    = "failed"                                // WithTx returned an error; nothing is applied
	unknown   = "unknown"                               // the commit's outcome is unknown: applied once or not at all
	partial   = "committed without the swallowed write" // WithTx returned nil; money moved, no ledger entry
)

// expect is what a cell must show.
type expect struct {
	outcome  string
	attempts int    // runs of the callback
	commitRe int    // commit retries WithTx reports to its observer
	err      string // errClass of the error
}

// A cell is one fault at one position, with its expectation.
type cell struct {
	pos   position
	fault fault
	want  expect
	// swallow makes the callback ignore the error of its ledger insert
	// (the cell's position is then the insert); monitored installs
	// runtime.CommandMonitor on the client.
	swallow, monitored bool
	// bug, when set, is a known bug of bugOwner ("mongotest" or "runtime")
	// that makes the cell differ from want: the test skips the cell with
	// this message while the observation differs (on mongotest only, for a
	// mongotest bug), and fails once it does not (the note must go).
	bug, bugOwner string
}

func (c cell) name() string {
	n := c.pos.command + "/" + c.fault.name
	if c.swallow {
		n = "swallowed/" + n
		if c.monitored {
			n += "/monitored"
		}
	}
	return n
}

// cells is the expectation table, written from the convenient-transaction
// and transactions specifications, mongod's error labels and the README's
// WithTx semantics:
//
//   - a statement failing with a TransientTransactionError (write conflict,
//     NoSuchTransaction, a closed connection, and the retriable codes
//     10107 and 91, which mongod labels transient inside a transaction)
//     makes WithTx run the transaction again: committed in 2 attempts;
//   - any other statement error (50, 11000, the deadline) fails it at once;
//   - at commit the driver retries a retryable error (closed connection,
//     10107, 91) once by itself; WithTx retries the commit alone on
//     UnknownTransactionCommitResult (a writeConcernError), not after
//     MaxTimeMSExpired; a WriteConflict is transient (new attempt), and so
//     is a NoSuchTransaction no failed operation explains (retried once).
var cells = buildCells()

func buildCells() []cell {
	var out []cell
	statement := []position{positions[0], positions[1], positions[2]}
	for _, p := range statement {
		out = append(out,
			cell{pos: p, fault: faultWriteConflict, want: expect{committed, 2, 0, "none"}},
			cell{pos: p, fault: faultNoSuchTxn, want: expect{committed, 2, 0, "none"}},
			cell{pos: p, fault: faultClosed, want: expect{committed, 2, 0, "none"}},
			cell{pos: p, fault: faultNotPrimary, want: expect{committed, 2, 0, "none"}},
			cell{pos: p, fault: faultShutdown, want: expect{committed, 2, 0, "none"}},
			cell{pos: p, fault: faultMaxTime, want: expect{failed, 1, 0, "code 50"}},
			cell{pos: p, fault: faultDupKey, want: expect{failed, 1, 0, "ErrDuplicateKey"}},
			cell{pos: p, fault: faultBlock, want: expect{failed, 1, 0, "deadline exceeded"}},
		)
	}
	c := positions[3]
	out = append(out,
		cell{pos: c, fault: faultWriteConflict, want: expect{committed, 2, 0, "none"}},
		// No failed operation explains the abort: the server may have
		// ended the transaction on its own, and the transient error is
		// retried (once: a second unexplained abort is ErrTxAborted).
		cell{pos: c, fault: faultNoSuchTxn, want: expect{committed, 2, 0, "none"}},
		cell{pos: c, fault: faultClosed, want: expect{committed, 1, 0, "none"}},
		// The driver retries a retryable commit error itself, once
		// (specification test "commitTransaction succeeds after
		// NotWritablePrimary"): WithTx sees no error.
		cell{pos: c, fault: faultNotPrimary, want: expect{committed, 1, 0, "none"}},
		cell{pos: c, fault: faultShutdown, want: expect{committed, 1, 0, "none"}},
		cell{pos: c, fault: faultMaxTime, want: expect{failed, 1, 0, "unknown commit result"}},
		cell{pos: c, fault: faultWCE, want: expect{committed, 1, 1, "none"}},
		// The commit's error wraps the driver's, and matches
		// runtime.ErrDuplicateKey as repository errors do.
		cell{pos: c, fault: faultDupKey, want: expect{failed, 1, 0, "ErrDuplicateKey"}},
		cell{pos: c, fault: faultBlock, want: expect{unknown, 1, 0, "unknown commit result"}},
	)

	// The callback swallows the ledger insert's error and returns nil
	// (README point 9). The generated repository reports the failure to
	// WithTx (runtime.Failed), as CommandMonitor does for any operation,
	// so with or without the monitor WithTx knows of it: a transient one
	// must be retried, any other returned, and the transaction never
	// committed without the failed write.
	ins := insertPosition
	for _, monitored := range []bool{false, true} {
		out = append(out,
			cell{pos: ins, fault: faultWriteConflict, swallow: true, monitored: monitored, want: expect{committed, 2, 0, "none"}},
			cell{pos: ins, fault: faultNotPrimary, swallow: true, monitored: monitored, want: expect{committed, 2, 0, "none"}},
			cell{pos: ins, fault: faultDupKey, swallow: true, monitored: monitored, want: expect{failed, 1, 0, "ErrTxAborted, ErrDuplicateKey"}},
			cell{pos: ins, fault: faultClosed, swallow: true, monitored: monitored, want: expect{committed, 2, 0, "none"}},
		)
	}
	return out
}

// insertPosition is the ledger insert, the statement a swallowing
// callback ignores.
var insertPosition = position{"ledger insert (error swallowed)", "insert"}

// result is what a cell showed.
type result struct {
	outcome   string
	attempts  int
	commitRe  int
	onCommit  int64
	onRollbk  int64
	err       string
	ran       bool
	state     string // "applied once", "unchanged", or the partial state
	skipped   string // the known bug the cell showed
	errDetail error
}

// counter is an observer counting attempts and commit retries.
type counter struct {
	runtime.NopObserver
	attempts, commitRetries int
}

func (c *counter) AttemptStarted(context.Context, runtime.AttemptStart) { c.attempts++ }
func (c *counter) CommitRetried(context.Context, runtime.CommitRetry)   { c.commitRetries++ }

// TestFaultMatrix runs a transfer under every cell of the fault matrix and
// checks the outcome, the attempts, the hooks and the bank's invariants.
// On mongotest every cell has its own server and runs in parallel; on a
// real replica set (one failCommand fail point per server) they run one
// after another. The mongotest results are RELIABILITY.md.
func TestFaultMatrix(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		results := make([]result, len(cells))
		t.Run("cell", func(t *testing.T) {
			for i, c := range cells {
				t.Run(c.name(), func(t *testing.T) {
					uri := b.URI
					if !b.Real {
						t.Parallel()
						uri = mongotest.NewServer(t).URI()
					}
					results[i] = runCell(t, uri, c)
					if r := results[i]; r.skipped != "" {
						t.Skipf("%s bug: %s; expected %s, got %s", c.bugOwner, c.bug, describe(c.want), describeResult(r))
					}
				})
			}
		})
		if b.Real || t.Failed() {
			return
		}
		for i, r := range results {
			if !r.ran {
				t.Logf("cell %s did not run (-run filter?): RELIABILITY.md not checked", cells[i].name())
				return
			}
		}
		table := renderReliability(results)
		if *update {
			if err := os.WriteFile(reliabilityFile, table, 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		have, err := os.ReadFile(reliabilityFile)
		if err != nil {
			t.Fatalf("%v (run go test ./internal/faults -run TestFaultMatrix -update)", err)
		}
		if !bytes.Equal(have, table) {
			t.Errorf("%s does not match the fault matrix: run go test ./internal/faults -run TestFaultMatrix -update and review the diff\nwant:\n%s", reliabilityFile, table)
		}
	})
}

// runCell runs one transfer with the cell's fault and checks it.
func runCell(t *testing.T, uri string, c cell) result {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	app := "faults-" + strings.NewReplacer("/", "-", " ", "-").Replace(c.name())
	admin := connect(t, uri, "faults-admin", false, nil)
	var sessions sessionLog
	client := connect(t, uri, app, c.monitored, &sessions)
	dbName := testenv.DBName(t)
	setup := NewStore(admin.Database(dbName))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := mongotest.ClearFailPoint(ctx, admin); err != nil {
			t.Errorf("clear fail point: %v", err)
		}
		// A blocked first statement reaches the server after the client
		// gave up and starts a transaction nobody will end; it would hold
		// its documents (and the drop) until its lifetime runs out.
		if err := sessions.kill(ctx, admin); err != nil {
			t.Errorf("killSessions: %v", err)
		}
		if err := admin.Database(dbName).Drop(ctx); err != nil {
			t.Errorf("drop %s: %v", dbName, err)
		}
	})
	initial := map[string]int64{"ann": 100, "bob": 50}
	if err := setup.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	if err := setup.Account.InsertMany(ctx, []*Account{{ID: "ann", Balance: 100}, {ID: "bob", Balance: 50}}); err != nil {
		t.Fatal(err)
	}

	fp := c.fault.fp
	fp.Mode = mongotest.Times(1)
	fp.Commands = []string{c.pos.command}
	fp.AppName = app
	if err := mongotest.SetFailPoint(ctx, admin, fp); err != nil {
		t.Fatal(err)
	}

	store := NewStore(client.Database(dbName))
	tr := Entry{Transfer: "t1", From: "ann", To: "bob", Amount: 30}
	var hooks hookCounts
	obs := &counter{}
	tctx := ctx
	start := time.Now()
	if fp.BlockConnection {
		var cancel context.CancelFunc
		tctx, cancel = context.WithTimeout(ctx, blockDeadline)
		defer cancel()
	}
	err := store.WithTx(tctx, func(ctx context.Context, tx *Store) error {
		return transferSwallowing(ctx, tx, tr, &hooks, c.swallow)
	}, runtime.WithTimeout(15*time.Second), runtime.WithObserver(obs))

	if fp.BlockConnection {
		// The blocked command still runs on the server when its block
		// ends: wait for that before reading what it did.
		time.Sleep(time.Until(start.Add(blockTime + 300*time.Millisecond)))
	}
	st, rerr := readState(ctx, store)
	if rerr != nil {
		t.Fatalf("reading the bank: %v", rerr)
	}
	cerr := st.check(initial)
	isPartial := cerr != nil && c.swallow && st.partial(initial, tr)
	if cerr != nil && !isPartial {
		t.Fatalf("invariant broken (WithTx error: %v): %v", err, cerr)
	}

	r := result{
		ran:       true,
		attempts:  obs.attempts,
		commitRe:  obs.commitRetries,
		onCommit:  hooks.commits.Load(),
		onRollbk:  hooks.rollbacks.Load(),
		err:       errClass(err),
		errDetail: err,
		state:     "unchanged",
	}
	if len(st.entries) == 1 {
		r.state = "applied once"
	}
	switch {
	case err == nil && isPartial:
		// Only a callback that swallowed an error can commit this.
		r.outcome, r.state = partial, "moved, no ledger entry"
	case err == nil:
		r.outcome = committed
	case runtime.IsUnknownCommitResult(err) && c.want.outcome == unknown:
		r.outcome = unknown
	default:
		r.outcome = failed
	}

	// Whatever the cell expects, these hold: a nil error means the
	// transfer is applied and OnCommit ran once; an error other than an
	// unknown commit result means nothing was applied and OnCommit never
	// ran; every aborted attempt ran its OnRollback hook once.
	var problems []string
	switch {
	case r.outcome == partial && r.onCommit != 1:
		problems = append(problems, fmt.Sprintf("committed, but OnCommit ran %d times", r.onCommit))
	case r.outcome == committed && (r.state != "applied once" || r.onCommit != 1):
		problems = append(problems, fmt.Sprintf("committed, but data %s and OnCommit ran %d times", r.state, r.onCommit))
	case r.outcome == failed && (r.state != "unchanged" || r.onCommit != 0):
		problems = append(problems, fmt.Sprintf("failed, but data %s and OnCommit ran %d times", r.state, r.onCommit))
	case r.outcome == unknown && r.onCommit != 0:
		problems = append(problems, fmt.Sprintf("unknown commit result, but OnCommit ran %d times", r.onCommit))
	}
	// A commit whose outcome is unknown runs neither kind of hook.
	want := int64(r.attempts) - r.onCommit
	if runtime.IsUnknownCommitResult(err) {
		want--
	}
	if r.onRollbk != want {
		problems = append(problems, fmt.Sprintf("OnRollback ran %d times after %d attempts, want %d", r.onRollbk, r.attempts, want))
	}
	var mismatch []string
	if r.outcome != c.want.outcome {
		mismatch = append(mismatch, "outcome "+r.outcome)
	}
	if r.attempts != c.want.attempts {
		mismatch = append(mismatch, fmt.Sprintf("%d attempts", r.attempts))
	}
	if r.commitRe != c.want.commitRe {
		mismatch = append(mismatch, fmt.Sprintf("%d commit retries", r.commitRe))
	}
	if r.err != c.want.err {
		mismatch = append(mismatch, "error "+r.err)
	}
	if len(problems) > 0 {
		t.Fatalf("%s (error: %v)", strings.Join(problems, "; "), err)
	}
	// A mongotest bug only shows on mongotest; a runtime bug everywhere.
	bugApplies := c.bug != "" && (c.bugOwner != "mongotest" || strings.HasPrefix(t.Name(), "TestFaultMatrix/mongotest/"))
	switch {
	case len(mismatch) > 0 && bugApplies:
		r.skipped = c.bug
	case len(mismatch) > 0:
		t.Errorf("want %s; got %s (error: %v)", describe(c.want), strings.Join(mismatch, ", "), err)
	case bugApplies:
		t.Errorf("the cell behaves as expected now: remove its %s bug note %q", c.bugOwner, c.bug)
	}
	return r
}

// errClass names the kind of a WithTx error, as the expectation table
// does.
func errClass(err error) string {
	var se mongo.ServerError
	switch {
	case err == nil:
		return "none"
	case errors.Is(err, runtime.ErrTxAborted) && errors.Is(err, runtime.ErrDuplicateKey):
		return "ErrTxAborted, ErrDuplicateKey"
	case errors.Is(err, runtime.ErrTxAborted):
		return "ErrTxAborted"
	case runtime.IsUnknownCommitResult(err):
		return "unknown commit result"
	case errors.Is(err, runtime.ErrDuplicateKey):
		return "ErrDuplicateKey"
	case errors.As(err, &se) && len(se.ErrorCodes()) > 0 && se.ErrorCodes()[0] != 0:
		// Before the deadline: the driver makes MaxTimeMSExpired match
		// context.DeadlineExceeded too.
		return fmt.Sprintf("code %d", se.ErrorCodes()[0])
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline exceeded"
	}
	return "other: " + err.Error()
}

func describe(e expect) string {
	return fmt.Sprintf("%s after %d attempt%s, %d commit retries, error %s", e.outcome, e.attempts, plural(e.attempts), e.commitRe, e.err)
}

func describeResult(r result) string {
	return describe(expect{r.outcome, r.attempts, r.commitRe, r.err}) + fmt.Sprintf(" (%v)", r.errDetail)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
