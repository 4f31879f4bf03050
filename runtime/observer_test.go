package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime"
	"github.com/mongotxgen/mongotxgen/runtime/mongotest"
)

// recorder is an Observer that keeps every event as a line of text, so
// tests compare the whole sequence. Elapsed times and delays are left out:
// they vary.
type recorder struct {
	mu     sync.Mutex
	events []string
}

func (r *recorder) add(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, fmt.Sprintf(format, args...))
}

func (r *recorder) AttemptStarted(_ context.Context, e runtime.AttemptStart) {
	r.add("start %d", e.Attempt)
}

func (r *recorder) AttemptEnded(_ context.Context, e runtime.AttemptEnd) {
	if e.Committed {
		r.add("end %d committed", e.Attempt)
		return
	}
	r.add("end %d %s %s %d [%s] retry=%v", e.Attempt, e.Phase, e.CodeName, e.Code, strings.Join(e.Labels, ","), e.Retry)
}

func (r *recorder) CommitRetried(_ context.Context, e runtime.CommitRetry) {
	r.add("commit retry %d.%d %s %d [%s]", e.Attempt, e.Retry, e.CodeName, e.Code, strings.Join(e.Labels, ","))
}

func (r *recorder) BackingOff(_ context.Context, e runtime.Backoff) {
	r.add("backoff %d", e.NextAttempt)
}

func (r *recorder) Finished(_ context.Context, e runtime.Outcome) {
	r.add("outcome committed=%v attempts=%d err=%v", e.Committed, e.Attempts, e.Err != nil)
}

func (r *recorder) lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

func (r *recorder) count(prefix string) int {
	n := 0
	for _, e := range r.lines() {
		if strings.HasPrefix(e, prefix) {
			n++
		}
	}
	return n
}

func wantEvents(t *testing.T, r *recorder, want ...string) {
	t.Helper()
	if got := r.lines(); !slices.Equal(got, want) {
		t.Errorf("observed events:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

// 11. The slog observer writes every event as a structured record.
func TestSlogObserver(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, coll := begin(t, b)
		var buf strings.Builder
		logger := slogText(&buf)
		b.FailPoint(t, conflictOnce("insert"))
		if err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
			return insert(ctx, coll, "a")
		}, runtime.WithObserver(runtime.NewSlogObserver(logger)), fastBackoff); err != nil {
			t.Fatalf("WithTx: %v", err)
		}
		b.FailPoint(t, mongotest.FailPoint{Mode: mongotest.Times(1), Commands: []string{"commitTransaction"},
			WriteConcernError: &mongotest.WriteConcernError{Code: 64, CodeName: "WriteConcernFailed", Errmsg: "timed out"}})
		if err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
			return insert(ctx, coll, "b")
		}, runtime.WithObserver(runtime.NewSlogObserver(logger))); err != nil {
			t.Fatalf("WithTx: %v", err)
		}
		errNo := errors.New("no")
		if err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
			return errNo
		}, runtime.WithObserver(runtime.NewSlogObserver(logger))); err != errNo {
			t.Fatalf("WithTx = %v, want %v", err, errNo)
		}
		want := []string{
			`level=DEBUG msg="tx attempt start" attempt=1`,
			`level=INFO msg="tx attempt end" attempt=1 committed=false phase=callback error=* labels=[TransientTransactionError] code=112 code_name=WriteConflict retry=true`,
			`level=INFO msg="tx backoff" attempt=2 delay=*`,
			`level=DEBUG msg="tx attempt start" attempt=2`,
			`level=DEBUG msg="tx attempt end" attempt=2 committed=true`,
			`level=DEBUG msg="tx outcome" committed=true attempts=2`,
			`level=DEBUG msg="tx attempt start" attempt=1`,
			`level=INFO msg="tx commit retry" attempt=1 retry=1 error=* labels=[UnknownTransactionCommitResult] code=64 code_name=WriteConcernFailed`,
			`level=DEBUG msg="tx attempt end" attempt=1 committed=true`,
			`level=DEBUG msg="tx outcome" committed=true attempts=1`,
			`level=DEBUG msg="tx attempt start" attempt=1`,
			`level=INFO msg="tx attempt end" attempt=1 committed=false phase=callback error=* labels=[] code=0 code_name="" retry=false`,
			// The callback's own error is the application's decision: Info.
			`level=INFO msg="tx outcome" committed=false attempts=1 error=*`,
		}
		got := normalizeLog(buf.String())
		if !slices.Equal(got, want) {
			t.Errorf("slog records:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
		}
	})
}

// slogText returns a logger writing text records without the varying parts:
// no time, no elapsed, and "*" for error messages and delays.
func slogText(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			switch a.Key {
			case slog.TimeKey, "elapsed":
				return slog.Attr{}
			case "error", "delay":
				return slog.String(a.Key, "*")
			}
			return a
		},
	}))
}

func normalizeLog(s string) []string {
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// SlogWithoutErrorText keeps the values a server error quotes (here the
// duplicate key, a secret) out of the log, and keeps what classifies the
// error; a server's failure is logged at Warn.
func TestSlogObserverWithoutErrorText(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, coll := begin(t, b)
		const secret = "sk_live_4242"
		if err := insert(ctx, coll, secret); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			opts      []runtime.SlogOption
			wantValue bool
		}{{nil, true}, {[]runtime.SlogOption{runtime.SlogWithoutErrorText()}, false}} {
			var buf strings.Builder
			logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
			err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
				return insert(ctx, coll, secret)
			}, runtime.WithObserver(runtime.NewSlogObserver(logger, tc.opts...)))
			if !mongo.IsDuplicateKeyError(err) {
				t.Fatalf("WithTx = %v, want the duplicate key error", err)
			}
			out := buf.String()
			if got := strings.Contains(out, secret); got != tc.wantValue {
				t.Errorf("log holds the duplicate key's value: %v, want %v:\n%s", got, tc.wantValue, out)
			}
			for _, want := range []string{"code=11000 code_name=DuplicateKey", `level=WARN msg="tx outcome"`} {
				if !strings.Contains(out, want) {
					t.Errorf("log lacks %q:\n%s", want, out)
				}
			}
		}
	})
}
