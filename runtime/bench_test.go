package runtime_test

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime"
	"github.com/mongotxgen/mongotxgen/runtime/mongotest"
)

// WithTx against the driver's Session.WithTransaction: one insert per
// transaction, a new session per transaction in both, the same mongotest
// server. Compare with
//
//	go test ./runtime -run '^$' -bench 'WithTx|WithTransaction' -benchmem -count 6

func benchCollection(b *testing.B) (*mongo.Client, *mongo.Collection) {
	b.Helper()
	srv := mongotest.NewServer(b)
	client := testenv.NewClient(b, options.Client().ApplyURI(srv.URI()))
	coll := client.Database("bench").Collection("items")
	if _, err := coll.InsertOne(context.Background(), bson.D{{Key: "seed", Value: true}}); err != nil {
		b.Fatal(err)
	}
	return client, coll
}

func BenchmarkWithTx(b *testing.B) {
	client, coll := benchCollection(b)
	ctx := context.Background()
	doc := bson.D{{Key: "n", Value: 1}}
	b.ReportAllocs()
	for b.Loop() {
		err := runtime.WithTx(ctx, client, func(ctx context.Context) error {
			_, err := coll.InsertOne(ctx, doc)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDriverWithTransaction(b *testing.B) {
	client, coll := benchCollection(b)
	ctx := context.Background()
	doc := bson.D{{Key: "n", Value: 1}}
	b.ReportAllocs()
	for b.Loop() {
		sess, err := client.StartSession()
		if err != nil {
			b.Fatal(err)
		}
		_, err = sess.WithTransaction(ctx, func(ctx context.Context) (any, error) {
			return coll.InsertOne(ctx, doc)
		})
		sess.EndSession(ctx)
		if err != nil {
			b.Fatal(err)
		}
	}
}
