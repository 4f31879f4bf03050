package runtime

import (
	"context"
	"errors"
	"fmt"
)

var (
	// ErrTxEnded is returned (wrapped) by an operation started with the
	// context or the bound Store of a transaction attempt that has ended:
	// committed, aborted, or abandoned for a retry. Its writes would otherwise
	// run outside any transaction or in a later attempt. A goroutine started
	// by the callback must finish before the callback returns.
	ErrTxEnded = errors.New("mongotxgen: the transaction attempt of this context has ended")

	// ErrConcurrentTx is returned (wrapped) by an operation started while
	// another operation of the same transaction was running on another
	// goroutine. A MongoDB session, and so a transaction, runs one operation
	// at a time; the transaction cannot commit afterwards (WithTx returns
	// [ErrTxAborted] wrapping this error even when the callback swallows it).
	ErrConcurrentTx = errors.New("mongotxgen: two operations of one transaction ran at the same time; " +
		"run the operations of a transaction one after another, or give each goroutine its own transaction")
)

// Span is one driver call of a repository operation, begun by [Enter]. Its
// zero value, outside a transaction, does nothing.
type Span struct{ t *Tx }

// End ends the span: the next operation of the transaction may start.
func (s Span) End() {
	if s.t != nil {
		s.t.busy.Store(false)
	}
}

// Enter begins one driver call of a repository operation. It is called by
// generated code, around every call that reaches the server (each cursor
// batch of a loop included, not the whole loop, so that the body of a loop
// over a cursor may run other operations of the same transaction):
//
//	ctx, span, err := runtime.Enter(ctx, r.tx)
//	if err != nil {
//		return runtime.Failed(ctx, r.coll.Name(), "insert", err)
//	}
//	_, err = r.coll.InsertOne(ctx, doc)
//	span.End()
//
// The operation runs in bound (the attempt of the Store the repository came
// from) when it is not nil, else in the attempt ctx carries, else outside any
// transaction; the context returned is bound to it. Enter fails with
// [ErrTxEnded] when that attempt has ended, and with [ErrConcurrentTx] when
// another operation of it is running at the same moment; [Failed] records the
// latter on the transaction, so that it cannot commit without the refused
// operation. Call [Span.End] when the driver call returns.
func Enter(ctx context.Context, bound *Tx) (context.Context, Span, error) {
	ctx = bound.Bind(ctx)
	t := TxFrom(ctx)
	if t == nil {
		return ctx, Span{}, nil
	}
	if t.ended.Load() {
		return ctx, Span{}, fmt.Errorf("%w (attempt %d)", ErrTxEnded, t.attempt)
	}
	if !t.busy.CompareAndSwap(false, true) {
		return ctx, Span{}, ErrConcurrentTx
	}
	return ctx, Span{t}, nil
}
