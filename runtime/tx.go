package runtime

import (
	"context"
	"sync"
	"sync/atomic"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Tx is one attempt of a transaction, the transaction a context carries.
// [WithTx] makes a new Tx for every run of its callback and puts it in the
// context it gives the callback; generated repositories use [Tx.Bind] (through
// [Enter]) to stay bound to the attempt of the Store they came from, whatever
// context they are called with.
//
// Once its attempt has ended (committed, aborted, or abandoned for a retry) a
// Tx is dead for good: [InTx] is false for it, hooks registered on it never
// run, and [Enter] refuses operations on it, so that code still holding it
// cannot act in a later attempt. A Tx is safe for concurrent use, but the
// MongoDB session under it is not: run the operations of one transaction one
// at a time ([Enter] refuses a second one running at the same moment).
type Tx struct {
	client  *mongo.Client
	sess    *mongo.Session
	attempt int

	ended atomic.Bool // the attempt is over; written under mu
	busy  atomic.Bool // an operation begun by Enter is running

	mu           sync.Mutex
	aborted      bool // the attempt ended in a known abort (not a commit, not an unknown commit result)
	onCommit     []func(context.Context)
	onRollback   []func(context.Context)
	restores     []func() // RestoreOnAbort, run last registered first
	rollbackOnly error    // first failure of a joined call in this attempt

	// The first operation that failed in this attempt, reported by Failed or
	// CommandMonitor; with the monitor installed, also the collection of the
	// last command and whether the monitor saw any command of the attempt.
	opFailure      error
	lastCollection string
	monitored      bool
}

type txKey struct{}

// newTx starts attempt number attempt of a transaction on sess.
func newTx(client *mongo.Client, sess *mongo.Session, attempt int) *Tx {
	return &Tx{client: client, sess: sess, attempt: attempt}
}

// TxFrom returns the transaction attempt ctx carries, or nil outside a
// transaction. The attempt may have ended already when ctx outlived it;
// [InTx] tells whether it is still running.
func TxFrom(ctx context.Context) *Tx {
	t, _ := ctx.Value(txKey{}).(*Tx)
	return t
}

// InTx reports whether ctx carries a transaction attempt that is running:
// true inside a WithTx callback (and in contexts derived from its context),
// false elsewhere, including in a context of an earlier attempt of the same
// WithTx call and after the WithTx call that made ctx has returned.
func InTx(ctx context.Context) bool {
	t := TxFrom(ctx)
	return t != nil && !t.ended.Load()
}

// Bind returns a context in which operations run in t: it carries t's
// session and t itself, so [InTx], [OnCommit] and nested [WithTx] calls see
// t, while keeping ctx's deadline, cancellation and values. Bind on a nil Tx
// returns ctx unchanged, as it does when ctx already carries t.
func (t *Tx) Bind(ctx context.Context) context.Context {
	if t == nil || (TxFrom(ctx) == t && mongo.SessionFromContext(ctx) == t.sess) {
		return ctx
	}
	return mongo.NewSessionContext(context.WithValue(ctx, txKey{}, t), t.sess)
}

// Session returns the MongoDB session the transaction runs on, or nil for a
// nil Tx. Use it for driver calls that take a session explicitly; do not end
// the transaction or the session through it.
func (t *Tx) Session() *mongo.Session {
	if t == nil {
		return nil
	}
	return t.sess
}

// end closes the attempt and returns what must run for its outcome: the
// hooks of that outcome, and, when it aborted, the restore functions. An
// unknown commit result (unknown true) runs neither kind of hook: the server
// may have committed.
func (t *Tx) end(committed, unknown bool) (hooks []func(context.Context), restores []func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ended.Load() {
		return nil, nil
	}
	t.ended.Store(true)
	t.aborted = !committed && !unknown
	switch {
	case committed:
		hooks = t.onCommit
	case !unknown:
		hooks, restores = t.onRollback, t.restores
	}
	t.onCommit, t.onRollback, t.restores = nil, nil, nil
	return hooks, restores
}

func (t *Tx) markRollbackOnly(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.rollbackOnly == nil {
		t.rollbackOnly = err
	}
}

func (t *Tx) rollbackCause() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.rollbackOnly
}

// keepFailure keeps err if it is the first operation failure of the running
// attempt; [Failed] and the command monitor both report here.
func (t *Tx) keepFailure(err *OpError) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.ended.Load() && t.opFailure == nil {
		t.opFailure = err
	}
}

// recordFailure keeps a failure the command monitor saw, as the [*OpError] a
// repository would have returned.
func (t *Tx) recordFailure(command string, err error) {
	t.mu.Lock()
	coll := t.lastCollection
	t.mu.Unlock()
	t.keepFailure(&OpError{Collection: coll, Op: command, Err: err})
}

// noteCommand records that the command monitor saw a command of the attempt
// on collection coll.
func (t *Tx) noteCommand(coll string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lastCollection, t.monitored = coll, true
}

// failure returns the first failed operation of the attempt, and whether
// CommandMonitor watched the attempt (so that a failure it did not see did
// not happen).
func (t *Tx) failure() (err error, monitored bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.opFailure, t.monitored
}
