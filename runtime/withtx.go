package runtime

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// ErrEndedByCallback is returned when the callback ended the transaction
// itself (by calling AbortTransaction or CommitTransaction on the session in
// its context): WithTx owns the transaction, so it cannot tell what the
// callback meant. Return an error from the callback to roll back instead.
var ErrEndedByCallback = errors.New("mongotxgen: the callback ended the transaction itself; " +
	"return an error to roll back and let WithTx commit")

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
// Attempts are isolated: each run of fn gets a context of its own attempt,
// which is dead once the attempt has ended: [InTx] is false for it, hooks
// registered on it never run, generated repositories refuse to run with it
// ([ErrTxEnded]), and, because a retried attempt runs on a new session,
// plain driver calls with it fail as calls on an ended session do (not so
// with [WithSession], where the attempts share the caller's session). After
// a failed commit WithTx kills the old session on the server first (the
// server may still run its transaction); where killSessions is refused, the
// next attempt keeps the session. Changes generated repositories made to
// the caller's structs are undone when an attempt aborts ([RestoreOnAbort]).
//
// Retries stop when the budget is spent: [WithTimeout] (120 s by default),
// the ctx deadline if earlier, or [WithMaxAttempts]. WithTx then returns a
// [*TxError] wrapping the last error; an outer WithTx does not retry because
// of it. Cancelling ctx stops WithTx at once, also during a backoff sleep.
//
// Beyond the specification: if an operation in fn failed on the server and
// fn returned nil, or returned a later error the first failure caused (the
// server aborts the transaction at the first failure, so later operations get
// NoSuchTransaction), WithTx aborts and returns [ErrTxAborted] wrapping the
// first failure, or retries when that failure was transient. It knows of such
// failures always for generated repositories (they report through [Failed])
// and for plain driver calls when [CommandMonitor] is installed. With the
// monitor, a transaction found gone (NoSuchTransaction, at the commit or from
// an operation) although no operation failed before is retried as the
// specification says (the server ended it: a failover, the lifetime limit);
// without it that happens once, and the second time WithTx gives up with a
// [*TxError] saying what it knows. A panic in fn
// aborts the transaction, ends the session and re-panics with the same value;
// and if ctx already carries a transaction the [Propagation] option decides
// between joining it ([Required], the default), starting a separate one, or
// failing.
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
	if outer != nil && outer.ended.Load() {
		// A context that outlived its attempt: joining is impossible, and
		// silently starting a new transaction would hide the bug.
		if cfg.propagation == Required || cfg.propagation == Mandatory {
			return fmt.Errorf("mongotxgen: WithTx (propagation %v) cannot join: %w", cfg.propagation, ErrTxEnded)
		}
		outer = nil
	}
	switch cfg.propagation {
	case Required, Mandatory:
		if outer != nil {
			return join(ctx, outer, client, fn, &cfg)
		}
		if cfg.propagation == Mandatory {
			return ErrNoTx
		}
	case Durable:
		if outer != nil {
			return ErrNestedTx
		}
	}
	if err := cfg.checkSession(client); err != nil {
		return err
	}
	r := runner{cfg: &cfg, client: client, fn: fn, obs: cfg.observer}
	if r.obs == nil {
		r.obs = NopObserver{}
	}
	return r.run(ctx)
}

// join runs fn in the transaction attempt t: no session, no commit. A failure
// or a panic marks t rollback-only, so the outer call cannot commit writes
// the inner call meant to undo.
func join(ctx context.Context, t *Tx, client *mongo.Client, fn func(context.Context) error, cfg *txConfig) (err error) {
	if t.client != client {
		return errors.New("mongotxgen: WithTx: the context carries a transaction of a different *mongo.Client; " +
			"use WithPropagation(RequiresNew) for an independent transaction")
	}
	if cfg.session != nil && cfg.session != t.sess {
		return errors.New("mongotxgen: WithTx: WithSession names another session than the transaction the context carries; " +
			"use WithPropagation(RequiresNew) for an independent transaction")
	}
	returned := false
	defer func() {
		if !returned {
			// fn panicked (or called runtime.Goexit); the outer callback may
			// recover, but the transaction must not commit fn's half.
			t.markRollbackOnly(errors.New("mongotxgen: a joined transaction callback panicked"))
		}
	}()
	err = fn(t.Bind(ctx))
	returned = true
	if err != nil {
		t.markRollbackOnly(err)
	}
	return err
}
