package runtime

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// abortTimeout bounds the abortTransaction WithTx sends after a failed
// attempt. The abort runs even when the caller's context is cancelled (the
// server would otherwise keep the transaction's locks until it times out),
// so it needs a bound of its own.
const abortTimeout = 5 * time.Second

// ErrEndedByCallback is returned when the callback ended the transaction
// itself (by calling AbortTransaction or CommitTransaction on the session in
// its context): WithTx owns the transaction, so it cannot tell what the
// callback meant. Return an error from the callback to roll back instead.
var ErrEndedByCallback = errors.New("mongotxgen: the callback ended the transaction itself; " +
	"return an error to roll back and let WithTx commit")

// Tx is the transaction a context carries. [WithTx] puts it in the context
// it gives the callback; generated repositories use [Tx.Bind] to stay bound
// to the transaction of the Store they came from, whatever context they are
// called with. A Tx is safe for concurrent use, but the MongoDB session
// under it is not: run the operations of one transaction one at a time.
type Tx struct {
	client *mongo.Client
	sess   *mongo.Session

	mu           sync.Mutex
	active       bool // between StartTransaction and the end of the attempt
	attempt      int
	onCommit     []func(context.Context)
	onRollback   []func(context.Context)
	rollbackOnly error // first failure of a joined call in this attempt

	// Set by CommandMonitor, when installed: the first operation that
	// failed in this attempt, and the collection of the last command.
	opFailure      error
	lastCollection string
}

type txKey struct{}

// TxFrom returns the transaction ctx carries, or nil outside a transaction.
// The Tx may have ended already when ctx outlived its WithTx call; [InTx]
// tells whether it is still running.
func TxFrom(ctx context.Context) *Tx {
	t, _ := ctx.Value(txKey{}).(*Tx)
	return t
}

// InTx reports whether ctx carries a transaction that is running: true
// inside a WithTx callback (and in contexts derived from its context), false
// elsewhere, including after the WithTx call that made ctx has returned.
func InTx(ctx context.Context) bool {
	t := TxFrom(ctx)
	return t != nil && t.isActive()
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

func (t *Tx) isActive() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.active
}

// begin starts a new attempt: hooks and the rollback-only mark of the
// previous attempt are gone.
func (t *Tx) begin(attempt int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.active = true
	t.attempt = attempt
	t.onCommit, t.onRollback, t.rollbackOnly = nil, nil, nil
	t.opFailure, t.lastCollection = nil, ""
}

// end closes the attempt and returns the hooks to run for its outcome.
func (t *Tx) end(committed bool) []func(context.Context) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.active = false
	hooks := t.onRollback
	if committed {
		hooks = t.onCommit
	}
	t.onCommit, t.onRollback = nil, nil
	return hooks
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

// OnCommit registers f to run after the transaction in ctx commits: after
// the commit of the outermost WithTx call (a joined call's hooks wait for
// it), once, in registration order, with a context that keeps the values
// but not the cancellation of the context given to that WithTx (the commit
// has happened; the hook should not be cut short by it). If the attempt that
// registered f is aborted, f never runs.
//
// Outside a running transaction OnCommit runs f at once with ctx: what f
// waits for, the writes before it being durable, has already happened, since
// writes outside a transaction commit as they go. This lets code that
// registers a hook be called both inside and outside a transaction.
func OnCommit(ctx context.Context, f func(context.Context)) {
	t := TxFrom(ctx)
	if t != nil {
		t.mu.Lock()
		if t.active {
			t.onCommit = append(t.onCommit, f)
			t.mu.Unlock()
			return
		}
		t.mu.Unlock()
	}
	f(ctx)
}

// OnRollback registers f to run after the current attempt of the
// transaction in ctx is aborted, whether WithTx then retries or returns. It
// runs once, in registration order, with a context that keeps the values but
// not the cancellation of the context given to WithTx. Outside a running
// transaction there is nothing to roll back and f is never run. Nor is it run
// after a commit whose outcome is unknown ([IsUnknownCommitResult]): the
// server may have committed, so neither OnCommit nor OnRollback hooks run.
func OnRollback(ctx context.Context, f func(context.Context)) {
	t := TxFrom(ctx)
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.active {
		t.onRollback = append(t.onRollback, f)
	}
}

// WithTx runs fn in a MongoDB transaction on a session of client and commits
// it, following the convenient-transaction specification:
//
//   - if fn returns an error, the transaction is aborted; when the error has
//     the TransientTransactionError label (a write conflict, a lost
//     connection) fn runs again in a new transaction, after a jittered
//     exponential backoff; any other error is returned as it is;
//   - if the commit fails with UnknownTransactionCommitResult (and not
//     MaxTimeMSExpired) only the commit is retried; with
//     TransientTransactionError the whole transaction is retried.
//
// fn may therefore run more than once: keep side effects out of it, or
// register them with [OnCommit]. The context fn receives carries the session
// and the transaction; every operation in the transaction must use it (or a
// context derived from it).
//
// Retries stop when the budget is spent: [WithTimeout] (120 s by default),
// the ctx deadline if earlier, or [WithMaxAttempts]. WithTx then returns a
// [*TxError] wrapping the last error. Cancelling ctx stops WithTx at once,
// also during a backoff sleep.
//
// Beyond the specification: if fn returns nil although an operation in it
// failed (the server then no longer runs the transaction as fn meant it),
// WithTx aborts instead of committing and returns [ErrTxAborted] wrapping
// that operation's error, or retries when the failure was transient. It knows
// of such failures always for generated repositories (they report through
// [Failed]) and for plain driver calls when [CommandMonitor] is installed;
// otherwise a commit that finds the transaction gone is retried once, as the
// specification does for a transaction the server ended on its own, and
// ErrTxAborted comes the second time. A panic in fn aborts the transaction,
// ends the session and re-panics with the same value; and if ctx already
// carries a transaction the [Propagation] option decides between joining it
// ([Required], the default), starting a separate one, or failing.
func WithTx(ctx context.Context, client *mongo.Client, fn func(ctx context.Context) error, opts ...TxOption) error {
	return withTx(ctx, client, fn, opts)
}

// WithTxValue is [WithTx] for a callback that also returns a value: the
// value of the attempt that committed is returned; on error the zero value.
func WithTxValue[T any](ctx context.Context, client *mongo.Client, fn func(ctx context.Context) (T, error), opts ...TxOption) (T, error) {
	var v T
	var zero T
	if fn == nil {
		return zero, errors.New("mongotxgen: WithTxValue: nil callback")
	}
	err := withTx(ctx, client, func(ctx context.Context) error {
		var err error
		v, err = fn(ctx)
		return err
	}, opts)
	if err != nil {
		return zero, err
	}
	return v, nil
}

func withTx(ctx context.Context, client *mongo.Client, fn func(ctx context.Context) error, opts []TxOption) error {
	if client == nil {
		return errors.New("mongotxgen: WithTx: nil *mongo.Client")
	}
	if fn == nil {
		return errors.New("mongotxgen: WithTx: nil callback")
	}
	cfg := newTxConfig(opts)
	if cfg.err != nil {
		return cfg.err
	}
	outer := TxFrom(ctx)
	if outer != nil && !outer.isActive() {
		// A context that outlived its transaction: joining is impossible,
		// and silently starting a new transaction would hide the bug.
		if cfg.propagation == Required || cfg.propagation == Mandatory {
			return fmt.Errorf("mongotxgen: WithTx (propagation %v): the context carries a transaction that has already ended", cfg.propagation)
		}
		outer = nil
	}
	switch cfg.propagation {
	case Required, Mandatory:
		if outer != nil {
			return join(ctx, outer, client, fn)
		}
		if cfg.propagation == Mandatory {
			return ErrNoTx
		}
	case Durable:
		if outer != nil {
			return ErrNestedTx
		}
	}
	r := runner{cfg: &cfg, client: client, fn: fn, obs: cfg.observer}
	if r.obs == nil {
		r.obs = NopObserver{}
	}
	return r.run(ctx)
}

// join runs fn in the transaction t: no session, no commit. A failure marks
// t rollback-only, so the outer call cannot commit writes the inner call
// meant to undo.
func join(ctx context.Context, t *Tx, client *mongo.Client, fn func(context.Context) error) error {
	if t.client != client {
		return errors.New("mongotxgen: WithTx: the context carries a transaction of a different *mongo.Client; " +
			"use WithPropagation(RequiresNew) for an independent transaction")
	}
	err := fn(t.Bind(ctx))
	if err != nil {
		t.markRollbackOnly(err)
	}
	return err
}

// runner is one WithTx call that owns its session and transaction.
type runner struct {
	cfg    *txConfig
	client *mongo.Client
	fn     func(context.Context) error
	obs    Observer

	start    time.Time
	deadline time.Time // end of the retry budget
	ctxBound bool      // the deadline is ctx's, not the WithTimeout budget's
	attempts int
	finished bool // Finished was reported; a later panic comes from a hook

	// unexplainedAborts counts commits that found the transaction gone
	// with no failed operation known to explain it.
	unexplainedAborts int
}

// run is the retry loop of the specification, with the additions WithTx
// documents.
func (r *runner) run(ctx context.Context) error {
	r.start = time.Now()
	r.deadline = r.start.Add(r.cfg.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(r.deadline) {
		r.deadline, r.ctxBound = d, true
	}
	sess, err := r.client.StartSession()
	if err != nil {
		return fmt.Errorf("mongotxgen: WithTx: start session: %w", err)
	}
	t := &Tx{client: r.client, sess: sess}
	// EndSession aborts a transaction still in progress (after a Goexit, for
	// instance) and returns the session to the pool; it must run even when
	// ctx is cancelled.
	defer sess.EndSession(context.WithoutCancel(ctx))
	hookCtx := hookContext{ctx}

	defer func() {
		p := recover()
		if p == nil {
			if !r.finished {
				t.end(false) // runtime.Goexit in fn: InTx must turn false
			}
			return
		}
		if r.finished {
			panic(p) // from a hook; the transaction is over
		}
		// The panic came from fn (or a hook): abort, run the attempt's
		// rollback hooks, report, and let the panic continue with its value.
		r.abort(ctx, sess)
		perr := fmt.Errorf("mongotxgen: panic in transaction callback: %v", p)
		rollback := t.end(false)
		r.obs.AttemptEnded(ctx, r.attemptEnd(PhaseCallback, perr, false))
		r.finish(ctx, Outcome{Attempts: r.attempts, Elapsed: time.Since(r.start), Err: perr})
		runHooksDuringPanic(hookCtx.get(), rollback)
		panic(p)
	}()

	txCtx := t.Bind(ctx)
	for {
		r.attempts++
		t.begin(r.attempts)
		r.obs.AttemptStarted(ctx, AttemptStart{Attempt: r.attempts, Elapsed: time.Since(r.start)})

		if err := sess.StartTransaction(r.cfg.txOpts...); err != nil {
			t.end(false)
			err = fmt.Errorf("mongotxgen: WithTx: start transaction: %w", err)
			return r.fail(ctx, PhaseStart, err)
		}

		err := r.fn(txCtx)
		if err == nil {
			if cause := t.rollbackCause(); cause != nil {
				err = fmt.Errorf("%w: %w", ErrRollbackOnly, cause)
			} else if f := t.failure(); f != nil {
				// An operation failed and fn swallowed its error. The server
				// has aborted the transaction, or, after a network error, may
				// still run it without that operation's write: committing
				// could store a part of what fn meant. Abort, and retry when
				// the failure was transient, as if fn had returned it.
				err = fmt.Errorf("%w: %w", ErrTxAborted, f)
			} else if !sess.TransactionRunning() {
				t.end(false)
				return r.fail(ctx, PhaseCallback, ErrEndedByCallback)
			}
		}
		if err != nil {
			r.abort(ctx, sess)
			runHooks(hookCtx, t.end(false))
			if ctx.Err() != nil {
				return r.fail(ctx, PhaseCallback, r.contextEnded(ctx, err))
			}
			if !IsTransient(err) {
				return r.fail(ctx, PhaseCallback, err)
			}
			if err := r.retry(ctx, PhaseCallback, err); err != nil {
				return err
			}
			continue
		}
		if ctx.Err() != nil {
			// The commit cannot be trusted to a dead context: abort.
			r.abort(ctx, sess)
			runHooks(hookCtx, t.end(false))
			return r.fail(ctx, PhaseCommit, fmt.Errorf("mongotxgen: transaction not committed: %w", context.Cause(ctx)))
		}

		retryWhole, err := r.commit(ctx, t)
		if err == nil {
			hooks := t.end(true)
			r.obs.AttemptEnded(ctx, AttemptEnd{Attempt: r.attempts, Elapsed: time.Since(r.start), Committed: true})
			r.finish(ctx, Outcome{Committed: true, Attempts: r.attempts, Elapsed: time.Since(r.start)})
			runHooks(hookCtx, hooks)
			return nil
		}
		// The server aborted the transaction (or will, when it expires);
		// whatever the attempt registered for a rollback runs now, unless
		// the commit's outcome is unknown: the server may have committed.
		if rollback := t.end(false); !IsUnknownCommitResult(err) {
			runHooks(hookCtx, rollback)
		}
		if !retryWhole {
			return r.fail(ctx, PhaseCommit, err)
		}
		if err := r.retry(ctx, PhaseCommit, err); err != nil {
			return err
		}
	}
}

// commit commits, retrying the commit alone while its outcome is unknown and
// the budget allows. retryWhole reports that the error calls for a new
// attempt.
func (r *runner) commit(ctx context.Context, t *Tx) (retryWhole bool, err error) {
	sess := t.sess
	for try := 0; ; try++ {
		cctx, cancel := ctx, context.CancelFunc(func() {})
		if r.cfg.maxCommitTime > 0 {
			// The driver turns the deadline into the command's maxTimeMS.
			cctx, cancel = context.WithTimeout(ctx, r.cfg.maxCommitTime)
		}
		err = sess.CommitTransaction(cctx)
		// The driver's socket deadline can fire a moment before cctx's
		// timer, so a timeout error counts as well.
		commitTimedOut := r.cfg.maxCommitTime > 0 && (cctx.Err() != nil || mongo.IsTimeout(err))
		cancel()
		if err == nil {
			return false, nil
		}
		if ctx.Err() != nil {
			return false, &commitUnknownError{fmt.Errorf("%w (commit: %w)", context.Cause(ctx), err)}
		}
		if commitTimedOut {
			// WithMaxCommitTime ran out on the client before the server
			// answered MaxTimeMSExpired: the same verdict, no retry.
			return false, &commitUnknownError{fmt.Errorf("commit exceeded WithMaxCommitTime(%v): %w", r.cfg.maxCommitTime, err)}
		}
		if try == 0 && hasCode(err, codeNoSuchTransaction) {
			// The callback returned nil and no failed operation is known (the
			// run loop aborts before committing when one is), yet the server
			// no longer knows the transaction. It may have ended it on its own
			// (lifetime limit, failover, killed session), and the
			// specification retries a transient error. A second
			// unexplained abort in one WithTx call points at a swallowed
			// failure WithTx cannot see (a plain driver call without
			// CommandMonitor): stop there rather than loop until the budget
			// is spent.
			r.unexplainedAborts++
			if r.unexplainedAborts > 1 || !IsTransient(err) {
				return false, fmt.Errorf("%w: %w", ErrTxAborted, err)
			}
			return true, err
		}
		if IsUnknownCommitResult(err) && !isMaxTimeMSExpired(err) {
			if !time.Now().Before(r.deadline) {
				return false, r.giveUp(err, r.budgetReason())
			}
			labels, code, name := errorDetails(err)
			r.obs.CommitRetried(ctx, CommitRetry{Attempt: r.attempts, Retry: try + 1, Err: err,
				Labels: labels, Code: code, CodeName: name})
			continue
		}
		return IsTransient(err), &commitError{err}
	}
}

// retry ends an attempt that failed with the transient error last and
// sleeps before the next one. When the budget allows no further attempt, or
// ctx ends during the sleep, it reports the outcome and returns the error
// that ends WithTx.
func (r *runner) retry(ctx context.Context, phase Phase, last error) error {
	var stop error
	var delay time.Duration
	if r.cfg.maxAttempts > 0 && r.attempts >= r.cfg.maxAttempts {
		stop = r.giveUp(last, fmt.Sprintf("attempt limit %d reached", r.cfg.maxAttempts))
	} else if delay = r.delay(r.attempts); !time.Now().Add(delay).Before(r.deadline) {
		if r.ctxBound {
			stop = r.giveUp(fmt.Errorf("%w (the next attempt would pass it); last error: %w", context.DeadlineExceeded, last), r.budgetReason())
		} else {
			stop = r.giveUp(last, r.budgetReason())
		}
	}
	r.obs.AttemptEnded(ctx, r.attemptEnd(phase, last, stop == nil))
	if stop == nil {
		r.obs.BackingOff(ctx, Backoff{NextAttempt: r.attempts + 1, Delay: delay})
		stop = r.sleep(ctx, delay, last)
	}
	if stop != nil {
		r.finish(ctx, Outcome{Attempts: r.attempts, Elapsed: time.Since(r.start), Err: stop})
	}
	return stop
}

// sleep waits d, or returns the error ending WithTx if ctx ends first.
func (r *runner) sleep(ctx context.Context, d time.Duration, last error) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return r.giveUp(fmt.Errorf("%w; last error: %w", context.Cause(ctx), last), "context done")
	case <-timer.C:
		return nil
	}
}

// delay is the jittered sleep before retry k (k ≥ 1): uniform in
// [0, min(backoffMin·1.5^(k-1), backoffMax)).
func (r *runner) delay(k int) time.Duration {
	ceiling := float64(r.cfg.backoffMax)
	if k-1 < 64 { // beyond that the power overflows to +Inf anyway
		ceiling = math.Min(float64(r.cfg.backoffMin)*math.Pow(backoffGrowth, float64(k-1)), ceiling)
	}
	return rand.N(time.Duration(ceiling) + 1)
}

// contextEnded is the error for a callback that failed once ctx was done:
// it always matches ctx's error through errors.Is, and after retries it is a
// *TxError like every other way the retries can end.
func (r *runner) contextEnded(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); !errors.Is(err, cause) {
		err = fmt.Errorf("%w: %w", cause, err)
	}
	if r.attempts > 1 {
		return r.giveUp(err, "context done")
	}
	return err
}

func (r *runner) budgetReason() string {
	if r.ctxBound {
		return "context deadline reached"
	}
	return fmt.Sprintf("retry budget %v spent", r.cfg.timeout)
}

func (r *runner) giveUp(err error, reason string) error {
	return &TxError{Attempts: r.attempts, Elapsed: time.Since(r.start), Reason: reason, Err: err}
}

// fail reports a final failure of the current attempt and returns err.
func (r *runner) fail(ctx context.Context, phase Phase, err error) error {
	r.obs.AttemptEnded(ctx, r.attemptEnd(phase, err, false))
	r.finish(ctx, Outcome{Attempts: r.attempts, Elapsed: time.Since(r.start), Err: err})
	return err
}

func (r *runner) finish(ctx context.Context, o Outcome) {
	r.finished = true
	r.obs.Finished(ctx, o)
}

func (r *runner) attemptEnd(phase Phase, err error, retry bool) AttemptEnd {
	labels, code, name := errorDetails(err)
	return AttemptEnd{Attempt: r.attempts, Elapsed: time.Since(r.start), Phase: phase, Err: err,
		Labels: labels, Code: code, CodeName: name, Retry: retry}
}

// abort aborts the running transaction, if any, even when ctx is done.
func (r *runner) abort(ctx context.Context, sess *mongo.Session) {
	if !sess.TransactionRunning() {
		return
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	defer cancel()
	// An abort error changes nothing: the server aborts the transaction on
	// its own when it times out, and the callback's error is what matters.
	_ = sess.AbortTransaction(actx)
}

// hookContext makes the context hooks run with, only when there are hooks:
// most transactions register none.
type hookContext struct{ ctx context.Context }

func (h hookContext) get() context.Context { return context.WithoutCancel(h.ctx) }

func runHooks(hc hookContext, hooks []func(context.Context)) {
	if len(hooks) == 0 {
		return
	}
	ctx := hc.get()
	for _, h := range hooks {
		h(ctx)
	}
}

// runHooksDuringPanic runs rollback hooks while a panic is propagating; a
// hook's own panic is dropped so that the original panic value survives.
func runHooksDuringPanic(ctx context.Context, hooks []func(context.Context)) {
	for _, h := range hooks {
		func() {
			defer func() { _ = recover() }()
			h(ctx)
		}()
	}
}
