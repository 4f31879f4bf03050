package runtime

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// These tests cover what a server cannot show: the backoff distribution and
// the error classification helpers. Everything else is tested through the
// real driver in tx_test.go.

func TestDelayStaysUnderTheSpecCeiling(t *testing.T) {
	r := runner{cfg: &txConfig{backoffMin: 5 * time.Millisecond, backoffMax: 500 * time.Millisecond}}
	for k := 1; k <= 100; k++ {
		ceiling := 500 * time.Millisecond
		if k <= 12 { // 5ms·1.5^11 ≈ 432ms, 1.5^12 ≈ 649ms
			c := 5 * time.Millisecond
			for range k - 1 {
				c = c * 3 / 2
			}
			ceiling = min(c, ceiling)
		}
		var maxSeen time.Duration
		for range 200 {
			d := r.delay(k)
			if d < 0 || d > ceiling {
				t.Fatalf("delay(%d) = %v, want within [0, %v]", k, d, ceiling)
			}
			maxSeen = max(maxSeen, d)
		}
		// Jitter is uniform: 200 draws all in the lower half would mean
		// the ceiling is not used (probability 2^-200).
		if maxSeen <= ceiling/2 {
			t.Errorf("delay(%d): largest of 200 draws %v, ceiling %v: no jitter up to the ceiling", k, maxSeen, ceiling)
		}
	}
}

func TestErrorClassification(t *testing.T) {
	transient := mongo.CommandError{Code: 112, Name: "WriteConflict", Labels: []string{labelTransient}}
	unknown := mongo.CommandError{Code: 64, Name: "WriteConcernFailed", Labels: []string{labelUnknownCommit}}
	maxTime := mongo.CommandError{Code: 50, Labels: []string{labelUnknownCommit}}
	maxTimeByName := mongo.CommandError{Name: "MaxTimeMSExpired"}
	wceMaxTime := mongo.WriteException{
		WriteConcernError: &mongo.WriteConcernError{Code: 50, Name: "MaxTimeMSExpired"},
		Labels:            []string{labelUnknownCommit},
	}
	dup := mongo.WriteException{WriteErrors: []mongo.WriteError{{Code: 11000}}}
	plain := errors.New("plain")

	for _, tc := range []struct {
		name                       string
		err                        error
		transient, unknown, maxTMS bool
	}{
		{"nil", nil, false, false, false},
		{"plain", plain, false, false, false},
		{"write conflict", transient, true, false, false},
		{"wrapped write conflict", OpErr("accounts", "update", transient), true, false, false},
		{"joined", errors.Join(plain, fmt.Errorf("x: %w", transient)), true, false, false},
		{"rollback-only of a transient cause", fmt.Errorf("%w: %w", ErrRollbackOnly, transient), true, false, false},
		{"unknown commit", unknown, false, true, false},
		{"max time", maxTime, false, true, true},
		{"max time by name", maxTimeByName, false, false, true},
		{"max time in write concern error", wceMaxTime, false, true, true},
		{"commit cut by ctx", &commitUnknownError{context.Canceled}, false, true, false},
		{"duplicate key", dup, false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsTransient(tc.err); got != tc.transient {
				t.Errorf("IsTransient = %v, want %v", got, tc.transient)
			}
			if got := IsUnknownCommitResult(tc.err); got != tc.unknown {
				t.Errorf("IsUnknownCommitResult = %v, want %v", got, tc.unknown)
			}
			if got := isMaxTimeMSExpired(tc.err); got != tc.maxTMS {
				t.Errorf("isMaxTimeMSExpired = %v, want %v", got, tc.maxTMS)
			}
		})
	}
}

func TestErrorDetails(t *testing.T) {
	for _, tc := range []struct {
		name     string
		err      error
		labels   string
		code     int32
		codeName string
	}{
		{"nil", nil, "", 0, ""},
		{"command error", OpErr("a", "insert", mongo.CommandError{Code: 112, Name: "WriteConflict", Labels: []string{labelTransient}}),
			labelTransient, 112, "WriteConflict"},
		{"write error gets a known name", mongo.WriteException{WriteErrors: []mongo.WriteError{{Code: 11000}}}, "", 11000, "DuplicateKey"},
		{"write concern error", mongo.WriteException{
			WriteConcernError: &mongo.WriteConcernError{Code: 64, Name: "WriteConcernFailed"},
			Labels:            []string{labelUnknownCommit}}, labelUnknownCommit, 64, "WriteConcernFailed"},
		{"not a server error", errors.New("x"), "", 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			labels, code, name := errorDetails(tc.err)
			if strings.Join(labels, ",") != tc.labels || code != tc.code || name != tc.codeName {
				t.Errorf("errorDetails = %v %d %q, want [%s] %d %q", labels, code, name, tc.labels, tc.code, tc.codeName)
			}
		})
	}
}

func TestTxErrorWrapsTheLastError(t *testing.T) {
	cause := mongo.CommandError{Code: 112, Name: "WriteConflict", Labels: []string{labelTransient}, Message: "conflict"}
	err := error(&TxError{Attempts: 3, Elapsed: 1500 * time.Microsecond, Reason: "attempt limit 3 reached", Err: cause})
	if got, want := err.Error(), "mongotxgen: transaction gave up after 3 attempt(s) in 2ms (attempt limit 3 reached): (WriteConflict) conflict"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	var ce mongo.CommandError
	if !errors.As(err, &ce) || ce.Code != 112 {
		t.Errorf("errors.As(CommandError) = %v", ce)
	}
	if !IsTransient(err) {
		t.Error("IsTransient(TxError of a transient cause) = false")
	}
}
