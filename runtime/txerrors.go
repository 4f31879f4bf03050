package runtime

import (
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Error labels the server (or the driver) attaches to errors in transactions.
const (
	labelTransient     = "TransientTransactionError"
	labelUnknownCommit = "UnknownTransactionCommitResult"
)

// Server error codes WithTx decides on.
const (
	codeMaxTimeMSExpired  = 50
	codeNoSuchTransaction = 251
)

var (
	// ErrNoTx is returned by WithTx with [Mandatory] propagation when the
	// context carries no transaction.
	ErrNoTx = errors.New("mongotxgen: no transaction in the context (propagation Mandatory)")

	// ErrNestedTx is returned by WithTx with [Durable] propagation when the
	// context already carries a transaction.
	ErrNestedTx = errors.New("mongotxgen: a transaction is already open in the context (propagation Durable)")

	// ErrRollbackOnly is returned by the outer WithTx when a joined inner
	// call (propagation [Required] or [Mandatory]) failed: the transaction was
	// aborted instead of committed, even though the outer callback returned
	// nil. The inner call's error is wrapped alongside it.
	ErrRollbackOnly = errors.New("mongotxgen: transaction is rollback-only because a joined call failed")

	// ErrTxAborted is returned when the server aborted the transaction
	// before the commit although the callback did not fail: an operation in
	// it failed on the server or the network (for example a duplicate key)
	// and the callback did not return that error, or returned only a later
	// error that failure caused (NoSuchTransaction). WithTx aborts instead of
	// committing; the failed operation's error is wrapped alongside, when
	// WithTx knows it: generated repositories report their failures through
	// [Failed], and [CommandMonitor] sees plain driver calls. A transient
	// failure is retried instead. Without that knowledge, ErrTxAborted wraps
	// the NoSuchTransaction error, in a [*TxError] when the transaction is
	// found gone for the second time in one WithTx call.
	ErrTxAborted = errors.New("mongotxgen: the server aborted the transaction before the commit")
)

// TxError is returned when WithTx gives up on a transaction it would
// otherwise retry: the time budget ([WithTimeout] or the context deadline)
// or the attempt limit ([WithMaxAttempts]) is spent, the context was
// cancelled between attempts, or commits keep finding the transaction gone
// for reasons WithTx cannot see. Err is the last error a real attempt met,
// joined with the context's error when that is what stopped WithTx, so
// errors.Is and errors.As reach both; [IsTransient] reports the last error's
// label. A callback returning a *TxError (of a nested [RequiresNew] call) is
// not retried: the nested call has spent its budget already.
type TxError struct {
	Attempts int           // callback runs made
	Elapsed  time.Duration // time since WithTx was called
	Reason   string        // why WithTx stopped, e.g. "attempt limit 3 reached"
	Err      error         // the last error that made WithTx retry (joined with ctx's error if that stopped it)
}

// Error says how many attempts were made in how long, why WithTx stopped and
// what the last attempt met.
func (e *TxError) Error() string {
	return fmt.Sprintf("mongotxgen: transaction gave up after %d attempt(s) in %v (%s): %v",
		e.Attempts, e.Elapsed.Round(time.Millisecond), e.Reason, e.Err)
}

// Unwrap returns Err.
func (e *TxError) Unwrap() error { return e.Err }

// commitUnknownError marks a commit whose outcome is unknown because the
// caller's context ended while it ran; IsUnknownCommitResult reports it.
type commitUnknownError struct{ err error }

// Error says the outcome is unknown, and why.
func (e *commitUnknownError) Error() string {
	return "mongotxgen: commit outcome unknown: " + e.err.Error()
}

// Unwrap returns the cause.
func (e *commitUnknownError) Unwrap() error { return e.err }

// commitError is a commit's failure. Like [OpError] it lets errors.Is
// recognise [ErrDuplicateKey] in the driver's error.
type commitError struct{ err error }

// Error names the commit and the cause.
func (e *commitError) Error() string { return "mongotxgen: commit: " + e.err.Error() }

// Unwrap returns the cause.
func (e *commitError) Unwrap() error { return e.err }

// Is reports whether the cause is a duplicate key error when target is
// [ErrDuplicateKey].
func (e *commitError) Is(target error) bool {
	return target == ErrDuplicateKey && mongo.IsDuplicateKeyError(e.err)
}

// IsTransient reports whether err carries the TransientTransactionError
// label: the whole transaction may be retried.
func IsTransient(err error) bool {
	return hasLabel(err, labelTransient)
}

// IsUnknownCommitResult reports whether err leaves the outcome of a commit
// unknown: it carries the UnknownTransactionCommitResult label, or the
// context ended while the commit was running. The transaction may or may not
// have committed.
func IsUnknownCommitResult(err error) bool {
	var cu *commitUnknownError
	return hasLabel(err, labelUnknownCommit) || errors.As(err, &cu)
}

// hasLabel reports whether any error in err's tree carries label.
func hasLabel(err error, label string) bool {
	found := false
	walk(err, func(e error) bool {
		if le, ok := e.(mongo.LabeledError); ok && le.HasErrorLabel(label) {
			found = true
		}
		return !found
	})
	return found
}

// walk calls f on err and every error it wraps, depth first, until f returns
// false. Unlike errors.As it visits every labeled error, not just the first,
// which matters for errors joined from several causes.
func walk(err error, f func(error) bool) bool {
	if err == nil {
		return true
	}
	if !f(err) {
		return false
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return walk(u.Unwrap(), f)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if !walk(e, f) {
				return false
			}
		}
	}
	return true
}

// isMaxTimeMSExpired reports whether err is the server's MaxTimeMSExpired,
// as a top-level error or inside a writeConcernError.
func isMaxTimeMSExpired(err error) bool {
	var ce mongo.CommandError
	if errors.As(err, &ce) && ce.IsMaxTimeMSExpiredError() {
		return true
	}
	var we mongo.WriteException
	if errors.As(err, &we) && we.WriteConcernError != nil &&
		(we.WriteConcernError.Code == codeMaxTimeMSExpired || we.WriteConcernError.Name == "MaxTimeMSExpired") {
		return true
	}
	return false
}

// hasCode reports whether err is a server error with the given code.
func hasCode(err error, code int) bool {
	var se mongo.ServerError
	return errors.As(err, &se) && se.HasErrorCode(code)
}

// errorDetails extracts the labels, code and code name of the first server
// error in err, for observers. Write errors carry no code name, so the name
// of a few codes that matter in transactions is filled in.
func errorDetails(err error) (labels []string, code int32, codeName string) {
	if err == nil {
		return nil, 0, ""
	}
	var ce mongo.CommandError
	var we mongo.WriteException
	var bwe mongo.BulkWriteException
	switch {
	case errors.As(err, &ce):
		labels, code, codeName = ce.Labels, ce.Code, ce.Name
	case errors.As(err, &we):
		labels = we.Labels
		if we.WriteConcernError != nil {
			code, codeName = int32(we.WriteConcernError.Code), we.WriteConcernError.Name
		} else if len(we.WriteErrors) > 0 {
			code = int32(we.WriteErrors[0].Code)
		}
	case errors.As(err, &bwe):
		labels = bwe.Labels
		if bwe.WriteConcernError != nil {
			code, codeName = int32(bwe.WriteConcernError.Code), bwe.WriteConcernError.Name
		} else if len(bwe.WriteErrors) > 0 {
			code = int32(bwe.WriteErrors[0].Code)
		}
	}
	if codeName == "" {
		codeName = knownCodeNames[code]
	}
	if len(labels) == 0 {
		// Labels may also sit on an error that is not one of the above.
		for _, l := range []string{labelTransient, labelUnknownCommit} {
			if hasLabel(err, l) {
				labels = append(labels, l)
			}
		}
	}
	return labels, code, codeName
}

// knownCodeNames names the codes that matter in transactions.
var knownCodeNames = map[int32]string{
	11000: "DuplicateKey",
	112:   "WriteConflict",
	251:   "NoSuchTransaction",
	50:    "MaxTimeMSExpired",
	64:    "WriteConcernFailed",
	91:    "ShutdownInProgress",
	10107: "NotWritablePrimary",
	11600: "InterruptedAtShutdown",
	189:   "PrimarySteppedDown",
	24:    "LockTimeout",
}
