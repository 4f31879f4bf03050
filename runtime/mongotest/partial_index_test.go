package mongotest_test

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
)

// TestPartialUniqueIndex: a unique index with a partialFilterExpression
// holds only the documents the filter matches, as the soft-deleted types of
// the repositories use it ({deleted: null}: null and missing both match).
func TestPartialUniqueIndex(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := ctxT(t)
		coll := b.DB(t).Collection("users")
		filter := bson.D{{Key: "deleted", Value: nil}}
		_, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "email", Value: 1}},
			Options: options.Index().SetUnique(true).SetPartialFilterExpression(filter)})
		must(t, err)
		email := bson.E{Key: "email", Value: "a"}
		gone := bson.E{Key: "deleted", Value: bson.DateTime(1)}
		_, err = coll.InsertMany(ctx, []any{bson.D{email, gone}, bson.D{email, gone}, bson.D{email}})
		must(t, err)
		_, err = coll.InsertOne(ctx, bson.D{email, {Key: "deleted", Value: nil}})
		wantCode(t, err, 11000)
		// Leaving the filter frees the key; coming back into it takes it.
		_, err = coll.UpdateOne(ctx, bson.D{email, {Key: "deleted", Value: nil}}, bson.D{{Key: "$set", Value: bson.D{gone}}})
		must(t, err)
		_, err = coll.UpdateOne(ctx, bson.D{email}, bson.D{{Key: "$set", Value: bson.D{{Key: "deleted", Value: nil}}}})
		must(t, err)
		_, err = coll.UpdateMany(ctx, bson.D{email}, bson.D{{Key: "$set", Value: bson.D{{Key: "deleted", Value: nil}}}})
		wantCode(t, err, 11000)

		specs, err := coll.Indexes().ListSpecifications(ctx)
		must(t, err)
		if len(specs) != 2 || specs[1].Name != "email_1" {
			t.Fatalf("indexes %+v", specs)
		}
		cur, err := coll.Indexes().List(ctx)
		must(t, err)
		var raw []bson.D
		must(t, cur.All(ctx, &raw))
		if got := get(raw[1], "partialFilterExpression"); got == nil {
			t.Errorf("listIndexes left out the partial filter: %v", raw[1])
		}
	})
}

// TestPartialIndexRefused: the filters mongod refuses, with its
// CannotCreateIndex code.
func TestPartialIndexRefused(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := ctxT(t)
		coll := b.DB(t).Collection("users")
		for _, tc := range []struct {
			filter bson.D
			sparse bool
		}{
			{filter: bson.D{{Key: "deleted", Value: bson.D{{Key: "$exists", Value: false}}}}},
			{filter: bson.D{{Key: "deleted", Value: bson.D{{Key: "$exists", Value: int32(0)}}}}},
			{filter: bson.D{{Key: "deleted", Value: bson.D{{Key: "$ne", Value: nil}}}}},
			{filter: bson.D{{Key: "$nor", Value: bson.A{bson.D{{Key: "a", Value: 1}}}}}},
			{filter: bson.D{{Key: "a", Value: 1}}, sparse: true},
		} {
			opts := options.Index().SetPartialFilterExpression(tc.filter)
			if tc.sparse {
				opts.SetSparse(true)
			}
			_, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "email", Value: 1}}, Options: opts})
			if cmdErr(t, err).Code != 67 {
				t.Errorf("filter %v (sparse %v): %v, want CannotCreateIndex", tc.filter, tc.sparse, err)
			}
		}
		_, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "email", Value: 1}},
			Options: options.Index().SetPartialFilterExpression(bson.D{
				{Key: "$and", Value: bson.A{bson.D{{Key: "a", Value: bson.D{{Key: "$gt", Value: 1}}}}}},
				{Key: "b", Value: bson.D{{Key: "$exists", Value: true}, {Key: "$type", Value: "string"}}},
			})})
		must(t, err)
	})
}
