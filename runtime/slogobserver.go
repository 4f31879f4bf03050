package runtime

import (
	"context"
	"errors"
	"log/slog"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// SlogObserver is an [Observer] that writes one structured record per event
// to a [slog.Logger]: attempts that start and commits that succeed at Debug,
// failed attempts, commit retries and backoff at Info (retries are normal
// but worth seeing), and a failed outcome at Warn when the database failed
// it (a server or network error, retries given up, an unknown commit result)
// or at Info when the callback returned an error of its own (ErrNotFound, a
// business rule): that is the application's decision, not a failure. Record
// messages are "tx attempt start", "tx attempt end", "tx commit retry",
// "tx backoff" and "tx outcome"; attributes are named attempt, elapsed,
// committed, phase, error, labels, code, code_name, retry, delay and attempts.
type SlogObserver struct {
	logger      *slog.Logger
	noErrorText bool
}

// SlogOption configures [NewSlogObserver].
type SlogOption struct {
	apply func(*SlogObserver)
}

// SlogWithoutErrorText leaves the error text out of every record: failed
// attempts and commit retries keep the error's labels, code and code name,
// and a failed outcome gets its code and code name instead of its text.
func SlogWithoutErrorText() SlogOption {
	return SlogOption{func(o *SlogObserver) { o.noErrorText = true }}
}

// NewSlogObserver returns an observer writing to l, or to slog.Default()
// when l is nil.
//
// By default the error attribute holds the whole error text, and the text of
// a server error may quote the data it is about: a duplicate key error
// (E11000) names the duplicate value, which may be an e-mail address or an
// API key. Pass [SlogWithoutErrorText] where logs must not hold such values.
func NewSlogObserver(l *slog.Logger, opts ...SlogOption) *SlogObserver {
	if l == nil {
		l = slog.Default()
	}
	o := &SlogObserver{logger: l}
	for _, opt := range opts {
		if opt.apply != nil {
			opt.apply(o)
		}
	}
	return o
}

// errorText appends err's text to attrs, unless the observer leaves it out.
func (o *SlogObserver) errorText(attrs []slog.Attr, err error) []slog.Attr {
	if o.noErrorText {
		return attrs
	}
	return append(attrs, slog.String("error", err.Error()))
}

// AttemptStarted logs at Debug.
func (o *SlogObserver) AttemptStarted(ctx context.Context, e AttemptStart) {
	o.logger.LogAttrs(ctx, slog.LevelDebug, "tx attempt start",
		slog.Int("attempt", e.Attempt), slog.Duration("elapsed", e.Elapsed))
}

// AttemptEnded logs a committed attempt at Debug and a failed one at Info,
// with the error, its labels, code and code name.
func (o *SlogObserver) AttemptEnded(ctx context.Context, e AttemptEnd) {
	attrs := []slog.Attr{
		slog.Int("attempt", e.Attempt),
		slog.Duration("elapsed", e.Elapsed),
		slog.Bool("committed", e.Committed),
	}
	level := slog.LevelDebug
	if e.Err != nil {
		level = slog.LevelInfo
		attrs = append(attrs,
			slog.String("phase", string(e.Phase)))
		attrs = o.errorText(attrs, e.Err)
		attrs = append(attrs,
			slog.Any("labels", e.Labels),
			slog.Int("code", int(e.Code)),
			slog.String("code_name", e.CodeName),
			slog.Bool("retry", e.Retry))
	}
	o.logger.LogAttrs(ctx, level, "tx attempt end", attrs...)
}

// CommitRetried logs at Info.
func (o *SlogObserver) CommitRetried(ctx context.Context, e CommitRetry) {
	attrs := o.errorText([]slog.Attr{slog.Int("attempt", e.Attempt), slog.Int("retry", e.Retry)}, e.Err)
	attrs = append(attrs,
		slog.Any("labels", e.Labels),
		slog.Int("code", int(e.Code)),
		slog.String("code_name", e.CodeName))
	o.logger.LogAttrs(ctx, slog.LevelInfo, "tx commit retry", attrs...)
}

// BackingOff logs at Info.
func (o *SlogObserver) BackingOff(ctx context.Context, e Backoff) {
	o.logger.LogAttrs(ctx, slog.LevelInfo, "tx backoff",
		slog.Int("attempt", e.NextAttempt), slog.Duration("delay", e.Delay))
}

// Finished logs a commit at Debug, a failure of the database at Warn and an
// error of the callback's own at Info.
func (o *SlogObserver) Finished(ctx context.Context, e Outcome) {
	attrs := []slog.Attr{
		slog.Bool("committed", e.Committed),
		slog.Int("attempts", e.Attempts),
		slog.Duration("elapsed", e.Elapsed),
	}
	level := slog.LevelDebug
	if e.Err != nil {
		level = slog.LevelInfo
		if databaseFailure(e.Err) {
			level = slog.LevelWarn
		}
		if o.noErrorText {
			_, code, name := errorDetails(e.Err)
			attrs = append(attrs, slog.Int("code", int(code)), slog.String("code_name", name))
		} else {
			attrs = append(attrs, slog.String("error", e.Err.Error()))
		}
	}
	o.logger.LogAttrs(ctx, level, "tx outcome", attrs...)
}

// databaseFailure reports whether the database, not the callback, failed
// the transaction: a server or network error, retries given up, a commit
// whose outcome is unknown, an operation failure the callback swallowed.
func databaseFailure(err error) bool {
	var se mongo.ServerError
	if errors.As(err, &se) || mongo.IsNetworkError(err) {
		return true
	}
	_, gaveUp := errors.AsType[*TxError](err)
	return gaveUp || IsUnknownCommitResult(err) || errors.Is(err, ErrTxAborted)
}
