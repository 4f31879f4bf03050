package runtime

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

var (
	// ErrNotFound reports that no document matched: Get, GetBy, FindOne,
	// UpdateByID, Delete and FindOneAndUpdate return it (wrapped).
	ErrNotFound = errors.New("mongotxgen: document not found")

	// ErrVersionConflict reports that Replace found the document changed since
	// it was read: its version field no longer holds the value the caller had.
	ErrVersionConflict = errors.New("mongotxgen: version conflict")

	// ErrDuplicateKey matches, through errors.Is, every error in which the
	// server reported a unique index violation (code 11000 and its kin).
	ErrDuplicateKey = errors.New("mongotxgen: duplicate key")
)

// OpError is the error of a repository operation. It names the collection
// and operation and wraps the cause, so the driver's error stays reachable
// through errors.As while errors.Is also recognises [ErrNotFound] and
// [ErrDuplicateKey].
type OpError struct {
	Collection string // e.g. "accounts"
	Op         string // e.g. "insert", "get"
	Err        error  // the cause: a driver error, or one of this package's
}

// Error returns "mongotxgen: accounts: insert: <cause>".
func (e *OpError) Error() string {
	return "mongotxgen: " + e.Collection + ": " + e.Op + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *OpError) Unwrap() error { return e.Err }

// Is reports whether the cause is a duplicate key error when target is
// [ErrDuplicateKey], or the driver's mongo.ErrNoDocuments when target is
// [ErrNotFound]. Other targets are matched through Unwrap.
func (e *OpError) Is(target error) bool {
	switch target {
	case ErrDuplicateKey:
		return mongo.IsDuplicateKeyError(e.Err)
	case ErrNotFound:
		return errors.Is(e.Err, mongo.ErrNoDocuments)
	}
	return false
}

// OpErr wraps err as an [*OpError], or returns nil when err is nil. Where
// the operation's context is at hand, call [Failed] instead, as generated
// repositories do, so that a transaction learns of the failure.
func OpErr(collection, op string, err error) error {
	if err == nil {
		return nil
	}
	return &OpError{Collection: collection, Op: op, Err: err}
}

// Failed is [OpErr] for an operation that ran with ctx. When ctx runs in a
// transaction and the server (or the network) failed the operation, the
// server has aborted that transaction, so Failed also records the failure on
// it: should the callback return nil all the same, [WithTx] reports this
// failure at once instead of retrying the commit's NoSuchTransaction error.
// Generated repositories call it on every error they return.
func Failed(ctx context.Context, collection, op string, err error) error {
	if err == nil {
		return nil
	}
	oe := &OpError{Collection: collection, Op: op, Err: err}
	if t := TxFrom(ctx); t != nil && abortsTransaction(err) {
		t.keepFailure(oe)
	}
	return oe
}

// abortsTransaction reports whether err came from the server or the network,
// the failures after which the server no longer runs the transaction, or is
// an operation [Enter] refused for running alongside another: the
// transaction then lacks its write. A client-side outcome such as
// mongo.ErrNoDocuments leaves it running.
func abortsTransaction(err error) bool {
	var se mongo.ServerError
	return errors.As(err, &se) || mongo.IsNetworkError(err) || errors.Is(err, ErrConcurrentTx)
}
