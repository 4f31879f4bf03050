package mongotest_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
)

type item struct {
	ID int32  `bson:"_id"`
	N  int32  `bson:"n"`
	S  string `bson:"s,omitempty"`
}

func seed(t *testing.T, coll *mongo.Collection, n int) {
	t.Helper()
	docs := make([]any, n)
	for i := range docs {
		docs[i] = item{ID: int32(i), N: int32(i % 3)}
	}
	_, err := coll.InsertMany(ctxT(t), docs)
	must(t, err)
}

func findAll(t *testing.T, coll *mongo.Collection, filter any, opts ...options.Lister[options.FindOptions]) []item {
	t.Helper()
	cur, err := coll.Find(ctxT(t), filter, opts...)
	must(t, err)
	var out []item
	must(t, cur.All(ctxT(t), &out))
	return out
}

func TestInsertAssignsIDFirst(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		coll := b.DB(t).Collection("c")
		ctx := ctxT(t)
		// Raw command so the driver does not add the _id itself.
		must(t, coll.Database().RunCommand(ctx, bson.D{{Key: "insert", Value: "c"}, {Key: "documents", Value: bson.A{
			bson.D{{Key: "a", Value: 1}},
			bson.D{{Key: "b", Value: 2}, {Key: "_id", Value: "given"}},
		}}}).Err())
		cur, err := coll.Find(ctx, bson.D{})
		must(t, err)
		var docs []bson.D
		must(t, cur.All(ctx, &docs))
		if len(docs) != 2 {
			t.Fatalf("got %d documents", len(docs))
		}
		if _, ok := docs[0][0].Value.(bson.ObjectID); docs[0][0].Key != "_id" || !ok {
			t.Fatalf("generated _id: %v", docs[0])
		}
		if docs[1][0].Key != "_id" || docs[1][0].Value != "given" {
			t.Fatalf("_id not moved first: %v", docs[1])
		}
	})
}

func TestFindBatching(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		var batches []int
		var started []string
		mon := &event.CommandMonitor{
			Started: func(_ context.Context, e *event.CommandStartedEvent) {
				if e.CommandName == "find" || e.CommandName == "getMore" || e.CommandName == "killCursors" {
					started = append(started, e.CommandName)
				}
			},
			Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) {
				if e.CommandName != "find" && e.CommandName != "getMore" {
					return
				}
				for _, k := range []string{"firstBatch", "nextBatch"} {
					if v, err := e.Reply.LookupErr("cursor", k); err == nil {
						vals, _ := v.Array().Values()
						batches = append(batches, len(vals))
					}
				}
			},
		}
		client, err := mongo.Connect(options.Client().ApplyURI(b.URI).SetMonitor(mon))
		must(t, err)
		defer client.Disconnect(ctxT(t))
		coll := client.Database(testenv.DBName(t)).Collection("c")
		defer coll.Database().Drop(ctxT(t))
		seed(t, coll, 250)

		got := findAll(t, coll, bson.D{})
		if len(got) != 250 || !cmp.Equal(batches, []int{101, 149}) {
			t.Fatalf("default batches: %d docs in %v, want 250 in [101 149]", len(got), batches)
		}
		batches = nil
		got = findAll(t, coll, bson.D{}, options.Find().SetBatchSize(100).SetSort(bson.D{{Key: "_id", Value: -1}}))
		if len(got) != 250 || got[0].ID != 249 || !cmp.Equal(batches, []int{100, 100, 50}) {
			t.Fatalf("batchSize 100: %d docs, first %d, batches %v", len(got), got[0].ID, batches)
		}
		batches = nil
		got = findAll(t, coll, bson.D{}, options.Find().SetLimit(5).SetSkip(10).SetSort(bson.D{{Key: "_id", Value: 1}}))
		if len(got) != 5 || got[0].ID != 10 || !cmp.Equal(batches, []int{5}) {
			t.Fatalf("skip 10 limit 5: %v in batches %v", got, batches)
		}

		// Closing a cursor early kills it on the server.
		started = nil
		cur, err := coll.Find(ctxT(t), bson.D{}, options.Find().SetBatchSize(2))
		must(t, err)
		if !cur.Next(ctxT(t)) {
			t.Fatal(cur.Err())
		}
		must(t, cur.Close(ctxT(t)))
		if !cmp.Equal(started, []string{"find", "killCursors"}) {
			t.Fatalf("commands = %v, want find, killCursors", started)
		}
		err = coll.Database().RunCommand(ctxT(t), bson.D{{Key: "getMore", Value: int64(123456789)}, {Key: "collection", Value: "c"}}).Err()
		wantCode(t, err, 43)
	})
}

func TestUpdate(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := ctxT(t)
		coll := b.DB(t).Collection("c")
		seed(t, coll, 6)

		res, err := coll.UpdateOne(ctx, bson.D{{Key: "n", Value: 1}}, bson.D{{Key: "$set", Value: bson.D{{Key: "s", Value: "one"}}}})
		must(t, err)
		if res.MatchedCount != 1 || res.ModifiedCount != 1 {
			t.Fatalf("UpdateOne: %+v", res)
		}
		res, err = coll.UpdateMany(ctx, bson.D{{Key: "n", Value: 2}}, bson.D{{Key: "$set", Value: bson.D{{Key: "s", Value: "two"}}}})
		must(t, err)
		if res.MatchedCount != 2 || res.ModifiedCount != 2 {
			t.Fatalf("UpdateMany: %+v", res)
		}
		// A no-op update matches but modifies nothing.
		res, err = coll.UpdateMany(ctx, bson.D{{Key: "n", Value: 2}}, bson.D{{Key: "$set", Value: bson.D{{Key: "s", Value: "two"}}}})
		must(t, err)
		if res.MatchedCount != 2 || res.ModifiedCount != 0 {
			t.Fatalf("no-op UpdateMany: %+v", res)
		}
		res, err = coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: 0}}, bson.D{{Key: "n", Value: 9}})
		must(t, err)
		if res.ModifiedCount != 1 {
			t.Fatalf("ReplaceOne: %+v", res)
		}
		var got bson.D
		must(t, coll.FindOne(ctx, bson.D{{Key: "_id", Value: 0}}).Decode(&got))
		if !cmp.Equal(got, bson.D{{Key: "_id", Value: int32(0)}, {Key: "n", Value: int32(9)}}) {
			t.Fatalf("replaced: %v", got)
		}

		// Upsert seeds the new document with the query's equality fields.
		res, err = coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: 100}, {Key: "n", Value: 7}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "s", Value: "new"}}}}, options.UpdateOne().SetUpsert(true))
		must(t, err)
		if res.UpsertedCount != 1 || res.UpsertedID != int32(100) {
			t.Fatalf("upsert: %+v", res)
		}
		var up item
		must(t, coll.FindOne(ctx, bson.D{{Key: "_id", Value: 100}}).Decode(&up))
		if up != (item{ID: 100, N: 7, S: "new"}) {
			t.Fatalf("upserted: %+v", up)
		}

		res, err = coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: 200}}, bson.D{{Key: "n", Value: 1}}, options.Replace().SetUpsert(true))
		must(t, err)
		var rep bson.D
		must(t, coll.FindOne(ctx, bson.D{{Key: "_id", Value: 200}}).Decode(&rep))
		if res.UpsertedCount != 1 || !cmp.Equal(rep, bson.D{{Key: "_id", Value: int32(200)}, {Key: "n", Value: int32(1)}}) {
			t.Fatalf("replacement upsert: %+v, stored %v", res, rep)
		}

		// An upsert whose query pins one field to two values cannot say what
		// to insert: mongod refuses it (54 NotSingleValueField).
		_, err = coll.UpdateOne(ctx,
			bson.D{{Key: "c", Value: 2}, {Key: "$and", Value: bson.A{bson.D{{Key: "c", Value: 1}}}}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "s", Value: "x"}}}}, options.UpdateOne().SetUpsert(true))
		wantCode(t, err, 54)

		// An update that matches nothing does not create the collection.
		_, err = coll.Database().Collection("ghost").UpdateOne(ctx, bson.D{}, bson.D{{Key: "$set", Value: bson.D{{Key: "a", Value: 1}}}})
		must(t, err)
		names, err := coll.Database().ListCollectionNames(ctx, bson.D{{Key: "name", Value: "ghost"}})
		must(t, err)
		if len(names) != 0 {
			t.Fatalf("update without a match created %v", names)
		}

		// Changing _id is refused.
		_, err = coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: 1}}, bson.D{{Key: "$set", Value: bson.D{{Key: "_id", Value: 5}}}})
		wantCode(t, err, 66)

		// Unsupported options are refused, never ignored.
		_, err = coll.UpdateOne(ctx, bson.D{}, bson.D{{Key: "$set", Value: bson.D{{Key: "a", Value: 1}}}},
			options.UpdateOne().SetCollation(&options.Collation{Locale: "fr", Strength: 2}))
		wantCode(t, err, 2)
		_, err = coll.UpdateOne(ctx, bson.D{}, bson.D{{Key: "n", Value: 1}})
		if err == nil {
			t.Fatal("UpdateOne with a replacement document accepted")
		}
	})
}

func TestDelete(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := ctxT(t)
		coll := b.DB(t).Collection("c")
		seed(t, coll, 9)
		res, err := coll.DeleteOne(ctx, bson.D{{Key: "n", Value: 0}})
		must(t, err)
		if res.DeletedCount != 1 {
			t.Fatalf("DeleteOne: %+v", res)
		}
		res, err = coll.DeleteMany(ctx, bson.D{{Key: "n", Value: 1}})
		must(t, err)
		if res.DeletedCount != 3 {
			t.Fatalf("DeleteMany: %+v", res)
		}
		n, err := coll.CountDocuments(ctx, bson.D{})
		must(t, err)
		if n != 5 {
			t.Fatalf("left %d, want 5", n)
		}
		err = coll.Database().RunCommand(ctx, bson.D{{Key: "delete", Value: "c"}, {Key: "deletes", Value: bson.A{
			bson.D{{Key: "q", Value: bson.D{}}, {Key: "limit", Value: 2}},
		}}}).Err()
		if err == nil {
			t.Fatal("delete with limit 2 accepted")
		}
	})
}

func TestFindAndModify(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := ctxT(t)
		coll := b.DB(t).Collection("c")
		seed(t, coll, 6)
		inc := bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 10}}}}

		var got item
		must(t, coll.FindOneAndUpdate(ctx, bson.D{{Key: "n", Value: 1}}, inc,
			options.FindOneAndUpdate().SetSort(bson.D{{Key: "_id", Value: -1}})).Decode(&got))
		if got != (item{ID: 4, N: 1}) {
			t.Fatalf("returned before: %+v", got)
		}
		must(t, coll.FindOneAndUpdate(ctx, bson.D{{Key: "n", Value: 1}}, inc,
			options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&got))
		if got != (item{ID: 1, N: 11}) {
			t.Fatalf("returned after: %+v", got)
		}
		var proj bson.D
		must(t, coll.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: 2}}, inc,
			options.FindOneAndUpdate().SetProjection(bson.D{{Key: "_id", Value: 0}, {Key: "n", Value: 1}})).Decode(&proj))
		if !cmp.Equal(proj, bson.D{{Key: "n", Value: int32(2)}}) {
			t.Fatalf("projected: %v", proj)
		}
		err := coll.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: 77}}, inc).Err()
		if !errors.Is(err, mongo.ErrNoDocuments) {
			t.Fatalf("no match: %v", err)
		}
		must(t, coll.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: 77}}, inc,
			options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&got))
		if got != (item{ID: 77, N: 10}) {
			t.Fatalf("upserted: %+v", got)
		}
		must(t, coll.FindOneAndReplace(ctx, bson.D{{Key: "_id", Value: 77}}, bson.D{{Key: "n", Value: 3}, {Key: "s", Value: "r"}},
			options.FindOneAndReplace().SetReturnDocument(options.After)).Decode(&got))
		if got != (item{ID: 77, N: 3, S: "r"}) {
			t.Fatalf("replaced: %+v", got)
		}
		must(t, coll.FindOneAndDelete(ctx, bson.D{{Key: "_id", Value: 77}}).Decode(&got))
		if got.ID != 77 {
			t.Fatalf("deleted: %+v", got)
		}
		if n, _ := coll.CountDocuments(ctx, bson.D{{Key: "_id", Value: 77}}); n != 0 {
			t.Fatal("FindOneAndDelete left the document")
		}
	})
}

func TestCountDistinctAggregate(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := ctxT(t)
		coll := b.DB(t).Collection("c")
		seed(t, coll, 10)
		n, err := coll.CountDocuments(ctx, bson.D{{Key: "n", Value: 0}}, options.Count().SetSkip(1).SetLimit(2))
		must(t, err)
		if n != 2 {
			t.Fatalf("CountDocuments = %d, want 2", n)
		}
		n, err = coll.EstimatedDocumentCount(ctx)
		must(t, err)
		if n != 10 {
			t.Fatalf("EstimatedDocumentCount = %d, want 10", n)
		}
		res := coll.Distinct(ctx, "n", bson.D{{Key: "_id", Value: bson.D{{Key: "$gte", Value: 1}}}})
		var vals []int32
		must(t, res.Decode(&vals))
		if !cmp.Equal(vals, []int32{0, 1, 2}) {
			t.Fatalf("Distinct = %v", vals)
		}
		cur, err := coll.Aggregate(ctx, mongo.Pipeline{
			{{Key: "$match", Value: bson.D{{Key: "_id", Value: bson.D{{Key: "$lt", Value: 9}}}}}},
			{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$n"}, {Key: "total", Value: bson.D{{Key: "$sum", Value: "$_id"}}}}}},
			{{Key: "$sort", Value: bson.D{{Key: "_id", Value: 1}}}},
		})
		must(t, err)
		var groups []struct {
			ID    int32 `bson:"_id"`
			Total int32 `bson:"total"`
		}
		must(t, cur.All(ctx, &groups))
		if len(groups) != 3 || groups[0].Total != 0+3+6 || groups[1].Total != 1+4+7 || groups[2].Total != 2+5+8 {
			t.Fatalf("groups = %+v", groups)
		}
		err = coll.Database().RunCommand(ctx, bson.D{{Key: "aggregate", Value: "c"}, {Key: "pipeline", Value: bson.A{}}}).Err()
		wantCode(t, err, 9)
		_, err = coll.Aggregate(ctx, mongo.Pipeline{{{Key: "$nope", Value: 1}}})
		wantCode(t, err, 40324)
		if ce := cmdErr(t, err); ce.Name != "Location40324" {
			t.Fatalf("unknown stage: codeName %q, want Location40324", ce.Name)
		}
	})
}

func TestIndexes(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := ctxT(t)
		db := b.DB(t)
		coll := db.Collection("accounts")
		names, err := coll.Indexes().CreateMany(ctx, []mongo.IndexModel{
			{Keys: bson.D{{Key: "owner", Value: 1}}, Options: options.Index().SetUnique(true)},
			{Keys: bson.D{{Key: "a", Value: 1}, {Key: "b", Value: -1}}},
			{Keys: bson.D{{Key: "nick", Value: 1}}, Options: options.Index().SetUnique(true).SetSparse(true).SetName("nick")},
			{Keys: bson.D{{Key: "at", Value: 1}}, Options: options.Index().SetExpireAfterSeconds(3600)},
		})
		must(t, err)
		if !cmp.Equal(names, []string{"owner_1", "a_1_b_-1", "nick", "at_1"}) {
			t.Fatalf("index names = %v", names)
		}
		specs, err := coll.Indexes().ListSpecifications(ctx)
		must(t, err)
		var listed []string
		for _, s := range specs {
			desc := s.Name
			if s.Unique != nil && *s.Unique {
				desc += " unique"
			}
			if s.Sparse != nil && *s.Sparse {
				desc += " sparse"
			}
			if s.ExpireAfterSeconds != nil {
				desc += " ttl"
			}
			listed = append(listed, desc)
		}
		if want := []string{"_id_", "owner_1 unique", "a_1_b_-1", "nick unique sparse", "at_1 ttl"}; !cmp.Equal(listed, want) {
			t.Fatalf("listIndexes = %v, want %v", listed, want)
		}

		_, err = coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 1}, {Key: "owner", Value: "ann"}})
		must(t, err)
		// Sparse: many documents without nick.
		_, err = coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 2}, {Key: "owner", Value: "bob"}})
		must(t, err)
		_, err = coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 3}, {Key: "owner", Value: "ann"}})
		var we mongo.WriteException
		if !errors.As(err, &we) || len(we.WriteErrors) != 1 {
			t.Fatalf("duplicate owner: %v", err)
		}
		e := we.WriteErrors[0]
		wantMsg := "E11000 duplicate key error collection: " + db.Name() + ".accounts index: owner_1 dup key: { owner: \"ann\" }"
		if e.Code != 11000 || e.Message != wantMsg || !mongo.IsDuplicateKeyError(err) {
			t.Fatalf("duplicate owner: code %d message %q, want 11000 %q", e.Code, e.Message, wantMsg)
		}
		var detail struct {
			KeyPattern bson.D `bson:"keyPattern"`
			KeyValue   bson.D `bson:"keyValue"`
		}
		must(t, bson.Unmarshal(e.Raw, &detail))
		if !cmp.Equal(detail.KeyValue, bson.D{{Key: "owner", Value: "ann"}}) || len(detail.KeyPattern) != 1 {
			t.Fatalf("keyPattern %v keyValue %v", detail.KeyPattern, detail.KeyValue)
		}
		_, err = coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 1}, {Key: "owner", Value: "cy"}})
		if !mongo.IsDuplicateKeyError(err) || !strings.Contains(err.Error(), "index: _id_ dup key: { _id: 1 }") {
			t.Fatalf("duplicate _id: %v", err)
		}
		_, err = coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: 2}}, bson.D{{Key: "$set", Value: bson.D{{Key: "owner", Value: "ann"}}}})
		if !mongo.IsDuplicateKeyError(err) {
			t.Fatalf("update to a duplicate owner: %v", err)
		}
		err = coll.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: 2}}, bson.D{{Key: "$set", Value: bson.D{{Key: "owner", Value: "ann"}}}}).Err()
		if !mongo.IsDuplicateKeyError(err) {
			t.Fatalf("findAndModify to a duplicate owner: %v", err)
		}

		// A hint must name an existing index.
		_, err = coll.Find(ctx, bson.D{}, options.Find().SetHint("owner_1"))
		must(t, err)
		_, err = coll.Find(ctx, bson.D{}, options.Find().SetHint(bson.D{{Key: "a", Value: 1}, {Key: "b", Value: -1}}))
		must(t, err)
		_, err = coll.Find(ctx, bson.D{}, options.Find().SetHint("nope_1"))
		wantCode(t, err, 2)

		// Ordered inserts stop at the first error; unordered go on.
		_, err = coll.InsertMany(ctx, []any{bson.D{{Key: "owner", Value: "ann"}}, bson.D{{Key: "owner", Value: "dee"}}}, options.InsertMany().SetOrdered(false))
		if !mongo.IsDuplicateKeyError(err) {
			t.Fatalf("unordered insert: %v", err)
		}
		if n, _ := coll.CountDocuments(ctx, bson.D{{Key: "owner", Value: "dee"}}); n != 1 {
			t.Fatal("unordered insert stopped at the first error")
		}

		// Compound and multikey unique indexes.
		_, err = coll.Indexes().CreateMany(ctx, []mongo.IndexModel{
			{Keys: bson.D{{Key: "a", Value: 1}, {Key: "b", Value: 1}}, Options: options.Index().SetUnique(true).SetSparse(true)},
			{Keys: bson.D{{Key: "tags", Value: 1}}, Options: options.Index().SetUnique(true).SetSparse(true)},
		})
		must(t, err)
		_, err = coll.InsertMany(ctx, []any{
			bson.D{{Key: "owner", Value: "p1"}, {Key: "a", Value: 1}, {Key: "b", Value: 1}, {Key: "tags", Value: bson.A{"x", "y"}}},
			bson.D{{Key: "owner", Value: "p2"}, {Key: "a", Value: 1}, {Key: "b", Value: 2}, {Key: "tags", Value: bson.A{"z"}}},
		})
		must(t, err)
		_, err = coll.InsertOne(ctx, bson.D{{Key: "owner", Value: "p3"}, {Key: "a", Value: 1}, {Key: "b", Value: 1}})
		if !mongo.IsDuplicateKeyError(err) || !strings.Contains(err.Error(), "index: a_1_b_1 dup key: { a: 1, b: 1 }") {
			t.Fatalf("compound duplicate: %v", err)
		}
		_, err = coll.InsertOne(ctx, bson.D{{Key: "owner", Value: "p4"}, {Key: "tags", Value: bson.A{"q", "y"}}})
		if !mongo.IsDuplicateKeyError(err) || !strings.Contains(err.Error(), "index: tags_1 dup key: { tags: \"y\" }") {
			t.Fatalf("multikey duplicate: %v", err)
		}

		// Two documents of one statement cannot take the same key.
		_, err = coll.UpdateMany(ctx, bson.D{{Key: "owner", Value: bson.D{{Key: "$in", Value: bson.A{"bob", "dee"}}}}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "owner", Value: "zed"}}}})
		if !mongo.IsDuplicateKeyError(err) {
			t.Fatalf("update of two documents to one key: %v", err)
		}

		// A unique index cannot be built over duplicates.
		_, err = coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "x", Value: 1}}, Options: options.Index().SetUnique(true)})
		if !mongo.IsDuplicateKeyError(err) {
			t.Fatalf("unique index over missing fields: %v", err)
		}

		must(t, coll.Indexes().DropOne(ctx, "a_1_b_-1"))
		err = coll.Indexes().DropOne(ctx, "a_1_b_-1")
		wantCode(t, err, 27)
		must(t, coll.Indexes().DropAll(ctx))
		specs, err = coll.Indexes().ListSpecifications(ctx)
		must(t, err)
		if len(specs) != 1 {
			t.Fatalf("after DropAll: %d indexes", len(specs))
		}
		err = db.RunCommand(ctx, bson.D{{Key: "listIndexes", Value: "missing"}}).Err()
		wantCode(t, err, 26)
	})
}

func TestUnsupportedOptionsRefused(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		if b.Real {
			t.Skip("mongod supports these options")
		}
		ctx := ctxT(t)
		coll := b.DB(t).Collection("c")
		seed(t, coll, 1)
		_, err := coll.Find(ctx, bson.D{}, options.Find().SetCollation(&options.Collation{Locale: "fr"}))
		wantCode(t, err, 2)
		err = coll.Database().RunCommand(ctx, bson.D{{Key: "create", Value: "capped"}, {Key: "capped", Value: true}, {Key: "size", Value: 1024}}).Err()
		wantCode(t, err, 2)
		_, err = coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "t", Value: "text"}}})
		wantCode(t, err, 2)
	})
}

func TestWriteConcern(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := ctxT(t)
		db := b.DB(t)
		journal := true
		coll := db.Collection("c", options.Collection().SetWriteConcern(&writeconcern.WriteConcern{W: "majority", Journal: &journal}))
		_, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 1}})
		must(t, err)
		// More members than the set has: applied, but reported unsatisfied.
		coll = db.Collection("c", options.Collection().SetWriteConcern(&writeconcern.WriteConcern{W: 50}))
		_, err = coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 2}})
		var we mongo.WriteException
		if !errors.As(err, &we) || we.WriteConcernError == nil || we.WriteConcernError.Code != 100 {
			t.Fatalf("w: 50: got %v, want write concern error 100", err)
		}
		if n, _ := db.Collection("c").CountDocuments(ctx, bson.D{}); n != 2 {
			t.Fatalf("%d documents, want 2", n)
		}
	})
}

func TestInvalidDatabaseName(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		_, err := b.Client.Database("bad.name").Collection("c").InsertOne(ctxT(t), bson.D{})
		wantCode(t, err, 73)
	})
}
