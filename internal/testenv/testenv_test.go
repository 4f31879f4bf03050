package testenv_test

import (
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime/mongotest"
)

func TestDBName(t *testing.T) {
	t.Run("a very long subtest name with spaces/slashes.dots and $ signs that goes on", func(t *testing.T) {
		a, b := testenv.DBName(t), testenv.DBName(t)
		if a == b {
			t.Fatalf("two calls gave the same name %q", a)
		}
		if len(a) > 63 || strings.ContainsAny(a, "/\\. \"$*<>:|?") {
			t.Fatalf("invalid database name %q", a)
		}
	})
}

func TestRun(t *testing.T) {
	var ran []string
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ran = append(ran, b.Name)
		if b.Real != (b.Name == "replicaset") {
			t.Fatalf("backend %s has Real = %v", b.Name, b.Real)
		}
		coll := b.DB(t).Collection("c")
		if _, err := coll.InsertOne(t.Context(), bson.D{{Key: "x", Value: 1}}); err != nil {
			t.Fatal(err)
		}
	})
	if len(ran) == 0 || ran[0] != "mongotest" {
		t.Fatalf("ran against %v, want mongotest first", ran)
	}
}

func TestBeginAndFailPoint(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, db := b.Begin(t)
		if d, ok := ctx.Deadline(); !ok || time.Until(d) > testenv.Timeout {
			t.Errorf("the context's deadline is %v (set: %v), want within %v", d, ok, testenv.Timeout)
		}
		coll := db.Collection("c")
		t.Run("with a fail point", func(t *testing.T) {
			b.FailPoint(t, mongotest.FailPoint{Mode: mongotest.AlwaysOn, Commands: []string{"insert"}, ErrorCode: 2})
			if _, err := coll.InsertOne(ctx, bson.D{{Key: "x", Value: 1}}); err == nil {
				t.Error("insert succeeded under an always-on fail point")
			}
		})
		// The subtest's cleanup cleared the fail point.
		if _, err := coll.InsertOne(ctx, bson.D{{Key: "x", Value: 1}}); err != nil {
			t.Errorf("insert after the fail point's test ended: %v", err)
		}
	})
}
