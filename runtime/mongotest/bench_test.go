package mongotest_test

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime/mongotest"
)

func benchColl(b *testing.B) *mongo.Collection {
	srv := mongotest.NewServer(b)
	client := testenv.NewClient(b, options.Client().ApplyURI(srv.URI()))
	return client.Database("bench").Collection("c")
}

// BenchmarkInsertRoundTrip is one InsertOne through the driver: encode,
// loopback TCP, decode, store, reply.
func BenchmarkInsertRoundTrip(b *testing.B) {
	coll := benchColl(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := coll.InsertOne(ctx, bson.D{{Key: "owner", Value: "ann"}, {Key: "balance", Value: 10}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFindRoundTrip is one FindOne by _id in a collection of 1000
// documents (an _id lookup).
func BenchmarkFindRoundTrip(b *testing.B) {
	coll := benchColl(b)
	ctx := context.Background()
	docs := make([]any, 1000)
	for i := range docs {
		docs[i] = bson.D{{Key: "_id", Value: i}, {Key: "owner", Value: "ann"}, {Key: "balance", Value: i}}
	}
	if _, err := coll.InsertMany(ctx, docs); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		var got bson.D
		if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: i % 1000}}).Decode(&got); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
