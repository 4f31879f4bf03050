package runtime

import "context"

// OnCommit registers f to run after the transaction in ctx commits: after
// the commit of the outermost WithTx call (a joined call's hooks wait for
// it), once, in registration order, with a context that keeps the values
// but not the cancellation of the context given to that WithTx (the commit
// has happened; the hook should not be cut short by it). If the attempt that
// registered f is aborted, f never runs.
//
// Outside any transaction OnCommit runs f at once with ctx: what f waits for,
// the writes before it being durable, has already happened, since writes
// outside a transaction commit as they go. This lets code that registers a
// hook be called both inside and outside a transaction. A context whose
// transaction attempt has ended is not outside a transaction: its writes
// were committed or rolled back with that attempt, and f never runs.
//
// If a hook panics, the hooks after it still run; then the first panic
// continues out of WithTx, which has committed (its observer says so).
func OnCommit(ctx context.Context, f func(context.Context)) {
	t := TxFrom(ctx)
	if t == nil {
		f(ctx)
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.ended.Load() {
		t.onCommit = append(t.onCommit, f)
	}
}

// OnRollback registers f to run after the current attempt of the
// transaction in ctx is aborted, whether WithTx then retries or returns. It
// runs once, in registration order, with a context that keeps the values but
// not the cancellation of the context given to WithTx. Outside a running
// transaction attempt there is nothing to roll back and f is never run. Nor
// is it run after a commit whose outcome is unknown ([IsUnknownCommitResult]):
// the server may have committed, so neither OnCommit nor OnRollback hooks
// run. Panics in rollback hooks are handled as in commit hooks.
func OnRollback(ctx context.Context, f func(context.Context)) {
	t := TxFrom(ctx)
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.ended.Load() {
		t.onRollback = append(t.onRollback, f)
	}
}

// RestoreOnAbort registers restore to run when the transaction attempt of ctx
// is aborted, whether WithTx then retries (restore runs before the callback
// runs again) or returns; it never runs after a commit, nor after a commit
// whose outcome is unknown. Restore functions run last registered first, on
// the goroutine that called WithTx, before the OnRollback hooks. Outside a
// transaction RestoreOnAbort does nothing; on a context whose attempt has
// already been aborted, restore runs at once.
//
// It is called by generated code: a repository write that changes the
// caller's struct (the ID, version and timestamps Insert assigns, the version
// and timestamp Replace bumps) registers the struct's old values, so that a
// retried callback finds the struct as the first attempt did, and a Replace
// in it does not fail with [ErrVersionConflict] against its own rolled-back
// write.
func RestoreOnAbort(ctx context.Context, restore func()) {
	t := TxFrom(ctx)
	if t == nil {
		return
	}
	t.mu.Lock()
	if !t.ended.Load() {
		t.restores = append(t.restores, restore)
		t.mu.Unlock()
		return
	}
	aborted := t.aborted
	t.mu.Unlock()
	if aborted {
		restore()
	}
}

// hookContext makes the context hooks run with, only when there are hooks:
// most transactions register none.
type hookContext struct{ ctx context.Context }

func (h hookContext) get() context.Context { return context.WithoutCancel(h.ctx) }

// afterAttempt runs what an ended attempt left to do: the restore functions,
// last first, then the hooks in order. Every one runs even if an earlier one
// panics; the first panic then continues.
func afterAttempt(hc hookContext, hooks []func(context.Context), restores []func()) {
	if len(hooks) == 0 && len(restores) == 0 {
		return
	}
	var first any
	panicked := false
	try := func(f func()) {
		defer func() {
			if p := recover(); p != nil && !panicked {
				first, panicked = p, true
			}
		}()
		f()
	}
	for i := len(restores) - 1; i >= 0; i-- {
		try(restores[i])
	}
	if len(hooks) > 0 {
		ctx := hc.get()
		for _, h := range hooks {
			try(func() { h(ctx) })
		}
	}
	if panicked {
		panic(first)
	}
}

// afterAttemptDuringPanic is afterAttempt while a panic is propagating: a
// hook's own panic is dropped so that the original panic value survives.
func afterAttemptDuringPanic(hc hookContext, hooks []func(context.Context), restores []func()) {
	defer func() { _ = recover() }()
	afterAttempt(hc, hooks, restores)
}
