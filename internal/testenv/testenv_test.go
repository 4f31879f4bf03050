package testenv_test

import (
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
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
