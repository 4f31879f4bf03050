// Package testenv runs integration tests against the servers they must
// pass on: always an in-process runtime/mongotest server, and also a real
// MongoDB replica set when MONGOTXGEN_TEST_URI names one.
//
//	func TestX(t *testing.T) {
//		testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
//			ctx, db := b.Begin(t)
//			coll := db.Collection("things")
//			...
//		})
//	}
//
// Both subtests expect the same answers: where mongotest and mongod
// differ, mongotest is wrong.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/mongotxgen/mongotxgen/runtime/mongotest"
)

// Timeout bounds each test's context (see Context): a hang fails the test
// instead of the whole run.
const Timeout = 30 * time.Second

// URIEnv is the environment variable naming a real replica set, e.g.
// mongodb://localhost:27017/?replicaSet=rs0. Its server must run with
// enableTestCommands=1 for the fail point tests.
const URIEnv = "MONGOTXGEN_TEST_URI"

// Backend is one server the integration tests run against.
type Backend struct {
	Name   string        // "mongotest" or "replicaset"
	URI    string        // its connection string
	Client *mongo.Client // connected; disconnected at test cleanup
	Real   bool          // true for a real MongoDB replica set
}

// Run runs fn as subtest "mongotest" against a fresh in-process mongotest
// server, and as subtest "replicaset" against MONGOTXGEN_TEST_URI when set
// (otherwise that subtest is skipped with a message saying how to enable it).
func Run(t *testing.T, fn func(t *testing.T, b *Backend)) {
	t.Helper()
	t.Run("mongotest", func(t *testing.T) {
		srv := mongotest.NewServer(t)
		fn(t, Connect(t, "mongotest", srv.URI(), false))
	})
	t.Run("replicaset", func(t *testing.T) {
		uri := os.Getenv(URIEnv)
		if uri == "" {
			t.Skipf("set %s to a MongoDB replica set URI (e.g. mongodb://localhost:27017/?replicaSet=rs0) to run against a real server", URIEnv)
		}
		fn(t, Connect(t, "replicaset", uri, true))
	})
}

// Connect returns a Backend with a client connected to uri, disconnected
// when the test ends. Tests that need client options of their own use
// NewClient.
func Connect(t testing.TB, name, uri string, real bool) *Backend {
	t.Helper()
	return &Backend{Name: name, URI: uri, Client: NewClient(t, options.Client().ApplyURI(uri)), Real: real}
}

// NewClient returns a client connected with opts (which name the URI),
// disconnected when tb ends.
func NewClient(tb testing.TB, opts *options.ClientOptions) *mongo.Client {
	tb.Helper()
	client, err := mongo.Connect(opts)
	if err != nil {
		tb.Fatalf("connect: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := client.Disconnect(ctx); err != nil {
			tb.Errorf("disconnect: %v", err)
		}
	})
	return client
}

// DB returns a database with a unique name for this test, dropped at cleanup.
func (b *Backend) DB(t testing.TB) *mongo.Database {
	t.Helper()
	db := b.Client.Database(DBName(t))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := db.Drop(ctx); err != nil {
			t.Errorf("drop database %s: %v", db.Name(), err)
		}
	})
	return db
}

// DBName is a database name unique to this run of t: the test name, cut
// to fit MongoDB's 63-byte limit, with a random suffix.
func DBName(t testing.TB) string {
	var b strings.Builder
	for _, r := range t.Name() {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	name := b.String()
	if len(name) > 40 {
		name = name[:40]
	}
	var suffix [6]byte
	_, _ = rand.Read(suffix[:])
	return name + "_" + hex.EncodeToString(suffix[:])
}

// Begin is the prologue of an integration test: a context bounded by Timeout
// and cancelled when tb ends, and a database of its own, dropped then.
func (b *Backend) Begin(tb testing.TB) (context.Context, *mongo.Database) {
	tb.Helper()
	return Context(tb), b.DB(tb)
}

// Context returns a context cancelled when tb ends and bounded by Timeout.
func Context(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	tb.Cleanup(cancel)
	return ctx
}

// FailPoint sets mongod's failCommand fail point fp on the backend's server
// and clears it when tb ends.
func (b *Backend) FailPoint(tb testing.TB, fp mongotest.FailPoint) {
	tb.Helper()
	if err := mongotest.SetFailPoint(Context(tb), b.Client, fp); err != nil {
		tb.Fatalf("set fail point %v: %v", fp.Command(), err)
	}
	tb.Cleanup(func() {
		if err := mongotest.ClearFailPoint(context.Background(), b.Client); err != nil {
			tb.Errorf("clear fail point: %v", err)
		}
	})
}
