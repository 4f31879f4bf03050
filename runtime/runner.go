package runtime

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// abortTimeout bounds the abortTransaction WithTx sends after a failed
// attempt. The abort runs even when the caller's context is cancelled (the
// server would otherwise keep the transaction's locks until it times out),
// so it needs a bound of its own.
const abortTimeout = 5 * time.Second

// noSuchTransactionTwice is why WithTx stops when commits keep finding the
// transaction gone and it cannot know why.
const noSuchTransactionTwice = "the transaction was found gone (NoSuchTransaction) twice and no failed operation is known: " +
	"the server may have ended it (a failover, the transaction lifetime limit), or a plain driver call failed " +
	"and the callback did not return its error, which WithTx sees only with CommandMonitor installed"

// runner is one WithTx call that runs its own transaction.
type runner struct {
	cfg    *txConfig
	client *mongo.Client
	fn     func(context.Context) error
	obs    Observer

	sess        *mongo.Session // the current attempt's
	ownsSession bool           // started by WithTx (not WithSession): one per attempt
	tx          *Tx            // the current attempt
	hooks       hookContext

	start    time.Time
	deadline time.Time // end of the retry budget
	ctxBound bool      // the deadline is ctx's, not the WithTimeout budget's
	attempts int
	reported int  // the last attempt whose end the observer was told
	finished bool // Finished was reported; a later panic comes from a hook

	// unexplainedAborts counts NoSuchTransaction errors, of the commit or
	// returned by the callback, that nothing WithTx knows explains.
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
	r.hooks = hookContext{ctx}
	if r.sess = r.cfg.session; r.sess == nil {
		sess, err := r.client.StartSession()
		if err != nil {
			return fmt.Errorf("mongotxgen: WithTx: start session: %w", err)
		}
		r.sess, r.ownsSession = sess, true
	}
	defer r.endSession(ctx)
	defer r.recoverPanic(ctx)
	for {
		if done, err := r.attempt(ctx); done {
			return err
		}
	}
}

// attempt runs the callback once and commits; done reports that WithTx
// returns err, else the next attempt follows.
func (r *runner) attempt(ctx context.Context) (done bool, err error) {
	r.attempts++
	t := newTx(r.client, r.sess, r.attempts)
	r.tx = t
	r.obs.AttemptStarted(ctx, AttemptStart{Attempt: r.attempts, Elapsed: time.Since(r.start)})
	if err := r.sess.StartTransaction(r.cfg.txOpts...); err != nil {
		t.end(false, false)
		return true, r.fail(ctx, PhaseStart, fmt.Errorf("mongotxgen: WithTx: start transaction: %w", err))
	}

	err = r.verdict(t, r.fn(t.Bind(ctx)))
	if err == nil && !r.sess.TransactionRunning() {
		t.end(false, false)
		return true, r.fail(ctx, PhaseCallback, ErrEndedByCallback)
	}
	if err != nil {
		next := keepSession
		if r.abort(ctx) && ctx.Err() == nil && retryable(err) {
			next = newSession
		}
		r.endAttempt(false, next)
		switch {
		case ctx.Err() != nil:
			return true, r.fail(ctx, PhaseCallback, r.contextEnded(ctx, err))
		case !retryable(err):
			return true, r.fail(ctx, PhaseCallback, err)
		}
		if stop := r.unexplainedGone(t, err); stop != nil {
			return true, r.fail(ctx, PhaseCallback, stop)
		}
		return r.retry(ctx, PhaseCallback, err)
	}
	if ctx.Err() != nil {
		// The commit cannot be trusted to a dead context: abort.
		r.abort(ctx)
		r.endAttempt(false, keepSession)
		return true, r.fail(ctx, PhaseCommit, fmt.Errorf("mongotxgen: transaction not committed: %w", context.Cause(ctx)))
	}

	retryWhole, err := r.commit(ctx, t)
	if err == nil {
		hooks, _ := t.end(true, false)
		r.reported = r.attempts
		r.obs.AttemptEnded(ctx, AttemptEnd{Attempt: r.attempts, Elapsed: time.Since(r.start), Committed: true})
		r.finish(ctx, Outcome{Committed: true, Attempts: r.attempts, Elapsed: time.Since(r.start)})
		afterAttempt(r.hooks, hooks, nil)
		return true, nil
	}
	// The server aborted the transaction (or will, when it expires), unless
	// the commit's outcome is unknown: the server may have committed.
	next := keepSession
	if retryWhole {
		next = killThenNewSession
	}
	r.endAttempt(IsUnknownCommitResult(err), next)
	if !retryWhole {
		return true, r.fail(ctx, PhaseCommit, err)
	}
	return r.retry(ctx, PhaseCommit, err)
}

// verdict is the error that decides an attempt whose callback returned err:
// err itself, or what WithTx knows and the callback did not say.
func (r *runner) verdict(t *Tx, err error) error {
	failed, _ := t.failure()
	if err != nil {
		if failed != nil && !IsTransient(failed) && IsTransient(err) && !errors.Is(err, failed) {
			// The callback went on after a failure that aborted the
			// transaction; what it returned (NoSuchTransaction, transient)
			// is a consequence. Retrying would fail alike every time.
			return fmt.Errorf("%w: an operation failed and the callback did not return its error: %w "+
				"(it returned a later error that failure caused: %v)", ErrTxAborted, failed, err)
		}
		return err
	}
	if cause := t.rollbackCause(); cause != nil {
		return fmt.Errorf("%w: %w", ErrRollbackOnly, cause)
	}
	if failed != nil {
		// The server has aborted the transaction, or, after a network error,
		// may still run it without that operation's write: committing could
		// store a part of what fn meant. Abort, and retry when the failure
		// was transient, as if fn had returned it.
		return fmt.Errorf("%w: an operation failed and the callback did not return its error: %w", ErrTxAborted, failed)
	}
	return nil
}

// retryable reports whether a callback's error calls for another attempt:
// it is transient, and not the error of a nested WithTx that already gave
// up, whose retries would otherwise multiply with the outer ones.
func retryable(err error) bool {
	if !IsTransient(err) {
		return false
	}
	_, gaveUp := errors.AsType[*TxError](err)
	return !gaveUp
}

// sessionAfter says what becomes of the session of an attempt that failed.
type sessionAfter int

const (
	// keepSession: a final attempt keeps its session until WithTx returns,
	// so that after a commit cut short by ctx the next transaction on that
	// pooled session aborts the one left open on the server.
	keepSession sessionAfter = iota
	// newSession: another attempt may follow and the server no longer runs
	// this one's transaction.
	newSession
	// killThenNewSession: another attempt follows a failed commit; the
	// server may still run the transaction (see killSession).
	killThenNewSession
)

// endAttempt closes the current attempt after its transaction was aborted or
// its commit failed, and runs the attempt's restore functions and rollback
// hooks. When WithTx owns the session and next allows, the next attempt gets
// a session of its own, started before this one ends so that the driver's
// pool cannot hand back the same server session: driver calls still holding
// the ended attempt's context then fail on its ended session instead of
// joining the next attempt.
func (r *runner) endAttempt(unknown bool, next sessionAfter) {
	hooks, restores := r.tx.end(false, unknown)
	if next == killThenNewSession && !r.killSession() {
		next = keepSession
	}
	if r.ownsSession && next != keepSession {
		// If no session can be started the client is disconnected; the next
		// attempt then fails on the old session as it would on a new one.
		if sess, err := r.client.StartSession(); err == nil {
			r.sess.EndSession(r.hooks.get())
			r.sess = sess
		}
	}
	afterAttempt(r.hooks, hooks, restores)
}

// endSession ends the session WithTx started; EndSession aborts a
// transaction still in progress (after a Goexit, for instance) and returns
// the session to the pool, even when ctx is cancelled.
func (r *runner) endSession(ctx context.Context) {
	if r.ownsSession {
		r.sess.EndSession(context.WithoutCancel(ctx))
	}
}

// recoverPanic aborts the attempt when the callback panicked or called
// runtime.Goexit, reports it, and lets the panic continue with its value.
func (r *runner) recoverPanic(ctx context.Context) {
	p := recover()
	if r.finished {
		if p != nil {
			panic(p) // from a hook; the transaction is over
		}
		return
	}
	r.abort(ctx) // on a WithSession session nobody else would
	hooks, restores := r.tx.end(false, false)
	if p == nil {
		return // runtime.Goexit in fn: the attempt is dead, InTx false
	}
	perr := fmt.Errorf("mongotxgen: panic in transaction callback: %v", p)
	if r.reported != r.attempts {
		r.obs.AttemptEnded(ctx, r.attemptEnd(PhaseCallback, perr, false))
	}
	r.finish(ctx, Outcome{Attempts: r.attempts, Elapsed: time.Since(r.start), Err: perr})
	afterAttemptDuringPanic(r.hooks, hooks, restores)
	panic(p)
}

// commit commits, retrying the commit alone while its outcome is unknown and
// the budget allows. retryWhole reports that the error calls for a new
// attempt.
func (r *runner) commit(ctx context.Context, t *Tx) (retryWhole bool, err error) {
	for try := 0; ; try++ {
		cctx, cancel := ctx, context.CancelFunc(func() {})
		if r.cfg.maxCommitTime > 0 {
			// The driver turns the deadline into the command's maxTimeMS.
			cctx, cancel = context.WithTimeout(ctx, r.cfg.maxCommitTime)
		}
		err = r.sess.CommitTransaction(cctx)
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
			return r.transactionGone(t, err)
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

// transactionGone decides on a commit that found the transaction gone
// (NoSuchTransaction) although the callback returned nil and no failed
// operation is known (the attempt aborts before committing when one is).
func (r *runner) transactionGone(t *Tx, err error) (retryWhole bool, _ error) {
	if !IsTransient(err) {
		return false, fmt.Errorf("%w: %w", ErrTxAborted, err)
	}
	if stop := r.unexplainedGone(t, err); stop != nil {
		return false, stop
	}
	return true, err
}

// unexplainedGone returns the error that ends WithTx when err, a transient
// error of the attempt t, is the second NoSuchTransaction in this call that
// nothing WithTx knows explains; nil lets the specification's retry go on.
//
// With CommandMonitor installed WithTx would have seen a failed operation,
// so the server ended the transaction on its own (a failover, the lifetime
// limit, a killed session) and the specification's retries apply. Without
// it a swallowed failure of a plain driver call is invisible, and would make
// every attempt end alike: retry once, as the specification does, and stop
// the second time rather than loop until the budget is spent.
func (r *runner) unexplainedGone(t *Tx, err error) error {
	if !hasCode(err, codeNoSuchTransaction) {
		return nil
	}
	if failed, monitored := t.failure(); monitored || (failed != nil && !errors.Is(err, failed)) {
		return nil
	}
	r.unexplainedAborts++
	if r.unexplainedAborts > 1 {
		return r.giveUp(fmt.Errorf("%w: %w", ErrTxAborted, err), noSuchTransactionTwice)
	}
	return nil
}

// retry ends an attempt that failed with the transient error last and
// sleeps before the next one. When the budget allows no further attempt, or
// ctx ends during the sleep, it reports the outcome and returns done with the
// error that ends WithTx.
func (r *runner) retry(ctx context.Context, phase Phase, last error) (done bool, _ error) {
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
	r.reported = r.attempts
	r.obs.AttemptEnded(ctx, r.attemptEnd(phase, last, stop == nil))
	if stop == nil {
		r.obs.BackingOff(ctx, Backoff{NextAttempt: r.attempts + 1, Delay: delay})
		stop = r.sleep(ctx, delay, last)
	}
	if stop != nil {
		r.finish(ctx, Outcome{Attempts: r.attempts, Elapsed: time.Since(r.start), Err: stop})
		return true, stop
	}
	return false, nil
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
	r.reported = r.attempts
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

// killSession ends, on the server, the transaction of an attempt whose
// commit failed and that WithTx retries, and reports whether it did. The
// server may still run that transaction (the commit error came from a fail
// point, say), and the driver cannot abort it once it tried to commit: on a
// new session the next attempt would conflict with it until it expires.
// killSessions on the attempt's own session aborts it (and kills any
// operation a goroutine of the attempt still runs); a killed session may be
// used again. Where the command is refused (some hosted tiers), the next
// attempt keeps the session, whose next transaction ends the old one.
func (r *runner) killSession() bool {
	if !r.ownsSession {
		return false
	}
	// Not the caller's context: it may carry an outer transaction, which
	// must not see this command.
	ctx, cancel := context.WithTimeout(context.Background(), abortTimeout)
	defer cancel()
	return r.client.Database("admin").RunCommand(ctx, bson.D{{Key: "killSessions", Value: bson.A{r.sess.ID()}}}).Err() == nil
}

// abort aborts the running transaction, if any, even when ctx is done. It
// reports whether the server no longer runs it: the abort succeeded, or
// there was none to abort.
func (r *runner) abort(ctx context.Context) bool {
	if !r.sess.TransactionRunning() {
		return true
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	defer cancel()
	// An abort error does not change what WithTx returns: the server aborts
	// the transaction on its own when it times out, or when the session
	// starts its next one, and the callback's error is what matters.
	return r.sess.AbortTransaction(actx) == nil
}
