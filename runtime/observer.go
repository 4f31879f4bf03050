package runtime

import (
	"context"
	"time"
)

// Observer is told what [WithTx] does, for logs, metrics and traces. Install
// one with [WithObserver]; [NewSlogObserver] writes structured log records.
// WithTx calls the methods synchronously from the goroutine that called it,
// so they should be quick; embed [NopObserver] to implement only some.
type Observer interface {
	// AttemptStarted is called before the callback runs.
	AttemptStarted(ctx context.Context, e AttemptStart)
	// AttemptEnded is called when an attempt is over: committed, aborted or
	// about to be retried.
	AttemptEnded(ctx context.Context, e AttemptEnd)
	// CommitRetried is called before a commit is retried after an
	// UnknownTransactionCommitResult error.
	CommitRetried(ctx context.Context, e CommitRetry)
	// BackingOff is called before WithTx sleeps between attempts.
	BackingOff(ctx context.Context, e Backoff)
	// Finished is called once, when WithTx returns.
	Finished(ctx context.Context, e Outcome)
}

// AttemptStart describes an attempt that is starting.
type AttemptStart struct {
	Attempt int           // 1 for the first run of the callback
	Elapsed time.Duration // since WithTx was called
}

// Phase names the step of an attempt in which an error happened.
type Phase string

// The phases of an attempt.
const (
	PhaseStart    Phase = "start"    // starting the transaction
	PhaseCallback Phase = "callback" // the callback returned an error (or panicked)
	PhaseCommit   Phase = "commit"   // commitTransaction failed
)

// AttemptEnd describes an attempt that is over.
type AttemptEnd struct {
	Attempt   int           // 1 for the first run of the callback
	Elapsed   time.Duration // since WithTx was called
	Committed bool          // the commit succeeded
	Phase     Phase         // where Err happened; empty when committed
	Err       error         // nil when committed
	Labels    []string      // error labels of Err, e.g. TransientTransactionError
	Code      int32         // server error code of Err, 0 when none
	CodeName  string        // e.g. "WriteConflict"; empty when unknown
	Retry     bool          // WithTx will run another attempt
}

// CommitRetry describes a commit about to be retried.
type CommitRetry struct {
	Attempt  int      // the attempt whose commit is retried
	Retry    int      // 1 for the first retry of this attempt's commit
	Err      error    // the error of the previous commit try
	Labels   []string // error labels of Err
	Code     int32    // server error code of Err, 0 when none
	CodeName string   // e.g. "WriteConcernFailed"; empty when unknown
}

// Backoff describes a sleep before the next attempt.
type Backoff struct {
	NextAttempt int           // the attempt that follows the sleep
	Delay       time.Duration // the (jittered) sleep
}

// Outcome describes how WithTx ended.
type Outcome struct {
	Committed bool          // the transaction committed
	Attempts  int           // callback runs made
	Elapsed   time.Duration // since WithTx was called
	Err       error         // what WithTx returns; nil when committed
}

// NopObserver implements [Observer] by doing nothing; embed it in an
// observer that cares about some events only.
type NopObserver struct{}

// AttemptStarted does nothing.
func (NopObserver) AttemptStarted(context.Context, AttemptStart) {}

// AttemptEnded does nothing.
func (NopObserver) AttemptEnded(context.Context, AttemptEnd) {}

// CommitRetried does nothing.
func (NopObserver) CommitRetried(context.Context, CommitRetry) {}

// BackingOff does nothing.
func (NopObserver) BackingOff(context.Context, Backoff) {}

// Finished does nothing.
func (NopObserver) Finished(context.Context, Outcome) {}
