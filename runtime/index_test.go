package runtime_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime"
)

// TestIndexOptions: every option of a runtime.Index reaches the server, and
// an index without options gets the server's defaults.
func TestIndexOptions(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		coll := b.DB(t).Collection("indexed")
		schema := runtime.Schema{Doc: (*ticket)(nil), ID: "ID", Indexes: []runtime.Index{
			{Keys: bson.D{{Key: "title", Value: 1}}},
			{Keys: bson.D{{Key: "title", Value: -1}, {Key: "rev", Value: 1}}, Name: "by_title", Unique: true, Sparse: true},
			{Keys: bson.D{{Key: "updated", Value: 1}}, ExpireAfterSeconds: 3600, PartialFilter: bson.D{{Key: "rev", Value: bson.D{{Key: "$gt", Value: 1}}}}},
		}}
		if err := runtime.NewRepo(coll, nil, &schema).EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
		cur, err := coll.Indexes().List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		type spec struct {
			Name    string `bson:"name"`
			Unique  bool   `bson:"unique"`
			Sparse  bool   `bson:"sparse"`
			TTL     int32  `bson:"expireAfterSeconds"`
			Partial bson.D `bson:"partialFilterExpression"`
		}
		var specs []spec
		if err := cur.All(ctx, &specs); err != nil {
			t.Fatal(err)
		}
		want := []spec{
			{Name: "_id_"},
			{Name: "title_1"},
			{Name: "by_title", Unique: true, Sparse: true},
			{Name: "updated_1", TTL: 3600, Partial: bson.D{{Key: "rev", Value: bson.D{{Key: "$gt", Value: int32(1)}}}}},
		}
		if d := cmp.Diff(want, specs); d != "" {
			t.Errorf("indexes (-want +got):\n%s", d)
		}
	})
}
