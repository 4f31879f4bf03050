package runtime

import (
	"context"
	"log/slog"
)

// SlogObserver is an [Observer] that writes one structured record per event
// to a [slog.Logger]: attempts that start and commits that succeed at Debug,
// failed attempts, commit retries and backoff at Info (retries are normal
// but worth seeing), and a failed outcome at Warn. Record messages are
// "tx attempt start", "tx attempt end", "tx commit retry", "tx backoff" and
// "tx outcome"; attributes are named attempt, elapsed, committed, phase,
// error, labels, code, code_name, retry, delay and attempts.
type SlogObserver struct {
	logger *slog.Logger
}

// NewSlogObserver returns an observer writing to l, or to slog.Default()
// when l is nil.
func NewSlogObserver(l *slog.Logger) *SlogObserver {
	if l == nil {
		l = slog.Default()
	}
	return &SlogObserver{logger: l}
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
			slog.String("phase", string(e.Phase)),
			slog.String("error", e.Err.Error()),
			slog.Any("labels", e.Labels),
			slog.Int("code", int(e.Code)),
			slog.String("code_name", e.CodeName),
			slog.Bool("retry", e.Retry))
	}
	o.logger.LogAttrs(ctx, level, "tx attempt end", attrs...)
}

// CommitRetried logs at Info.
func (o *SlogObserver) CommitRetried(ctx context.Context, e CommitRetry) {
	o.logger.LogAttrs(ctx, slog.LevelInfo, "tx commit retry",
		slog.Int("attempt", e.Attempt),
		slog.Int("retry", e.Retry),
		slog.String("error", e.Err.Error()),
		slog.Any("labels", e.Labels),
		slog.Int("code", int(e.Code)),
		slog.String("code_name", e.CodeName))
}

// BackingOff logs at Info.
func (o *SlogObserver) BackingOff(ctx context.Context, e Backoff) {
	o.logger.LogAttrs(ctx, slog.LevelInfo, "tx backoff",
		slog.Int("attempt", e.NextAttempt), slog.Duration("delay", e.Delay))
}

// Finished logs a commit at Debug and a failure at Warn.
func (o *SlogObserver) Finished(ctx context.Context, e Outcome) {
	attrs := []slog.Attr{
		slog.Bool("committed", e.Committed),
		slog.Int("attempts", e.Attempts),
		slog.Duration("elapsed", e.Elapsed),
	}
	level := slog.LevelDebug
	if e.Err != nil {
		level = slog.LevelWarn
		attrs = append(attrs, slog.String("error", e.Err.Error()))
	}
	o.logger.LogAttrs(ctx, level, "tx outcome", attrs...)
}
