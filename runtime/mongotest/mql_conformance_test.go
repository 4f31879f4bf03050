package mongotest_test

// Driver-level conformance of the query, update, sort, projection and
// aggregation language: every case goes through the real driver to
// mongotest, and to a real replica set when MONGOTXGEN_TEST_URI is set, with
// the same expectations (what mongod 8.0 answers).

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime/mongotest/internal/mql"
)

// mqlDoc parses relaxed extended JSON: 1 is an int32, 1.0 a double,
// 3000000000 an int64.
func mqlDoc(t testing.TB, s string) bson.D {
	t.Helper()
	var d bson.D
	if err := bson.UnmarshalExtJSON([]byte(s), false, &d); err != nil {
		t.Fatalf("bad test document %s: %v", s, err)
	}
	return d
}

// mqlDocs parses a JSON array of documents.
func mqlDocs(t testing.TB, s string) []bson.D {
	t.Helper()
	var out []bson.D
	for _, v := range mqlDoc(t, `{"v": `+s+`}`)[0].Value.(bson.A) {
		out = append(out, v.(bson.D))
	}
	return out
}

// mqlPipeline parses a JSON array of stages.
func mqlPipeline(t testing.TB, s string) mongo.Pipeline {
	t.Helper()
	return mongo.Pipeline(mqlDocs(t, s))
}

func mqlCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func mqlMust(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// mqlWantError checks that err is a server error with code and, when msg
// is not empty, a message containing msg.
func mqlWantError(t testing.TB, err error, code int, msg string) {
	t.Helper()
	var se mongo.ServerError
	if !errors.As(err, &se) || !se.HasErrorCode(code) {
		t.Fatalf("got error %v, want code %d", err, code)
	}
	if msg != "" && !strings.Contains(err.Error(), msg) {
		t.Fatalf("error %q does not mention %q", err, msg)
	}
}

// mqlDiff compares documents strictly: types count, decimals by bits.
func mqlDiff(want, got any) string {
	return cmp.Diff(want, got, cmp.Comparer(func(a, b bson.Decimal128) bool { return mql.Identical(a, b) }))
}

func mqlInsert(t testing.TB, coll *mongo.Collection, docs []bson.D) {
	t.Helper()
	if _, err := coll.InsertMany(mqlCtx(t), docs); err != nil {
		t.Fatal(err)
	}
}

func mqlFind(t testing.TB, coll *mongo.Collection, filter any, opts ...options.Lister[options.FindOptions]) []bson.D {
	t.Helper()
	ctx := mqlCtx(t)
	cur, err := coll.Find(ctx, filter, opts...)
	mqlMust(t, err)
	var out []bson.D
	mqlMust(t, cur.All(ctx, &out))
	return out
}

func mqlIDs(docs []bson.D) []int32 {
	var ids []int32
	for _, d := range docs {
		for _, e := range d {
			if e.Key == "_id" {
				ids = append(ids, e.Value.(int32))
			}
		}
	}
	return ids
}

const mqlQueryDocs = `[
	{"_id": 1, "a": 1, "s": "apple", "t": ["x", "y"]},
	{"_id": 2, "a": 2.0, "s": "Banana", "n": null},
	{"_id": 3, "a": {"$numberLong": "3"}, "s": "cherry\nberry", "arr": [1, 5, 10]},
	{"_id": 4, "a": "4", "arr": [[1, 2], 3], "sub": {"b": 1, "c": [1, 2]}},
	{"_id": 5, "a": [1, 2, 3], "sub": [{"b": 1}, {"b": 2, "d": 7}]},
	{"_id": 6, "a": null, "arr": [], "sub": {"b": [{"e": 1}, {"e": 2}]}},
	{"_id": 7, "a": {"$numberDecimal": "2.0"}, "arr": [{"x": 1, "y": 2}, {"x": 2, "y": 1}], "d": {"$date": 1000}},
	{"_id": 8, "a": {"x": 1, "y": 2}, "arr": [1, 2], "t": "z", "nan": {"$numberDouble": "NaN"}},
	{"_id": 9, "mk": {"$minKey": 1}, "arr": [[]], "sub": [1, 2]},
	{"_id": 10, "a": [], "arr": [null], "sub": [{"c": 1}, 3]}
]`

func TestMQLQueryConformance(t *testing.T) {
	tests := []struct {
		name   string
		filter string
		want   []int32
	}{
		{"empty filter", `{}`, []int32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
		{"$eq across numeric types", `{"a": 2}`, []int32{2, 5, 7}},
		{"$eq int64", `{"a": {"$numberLong": "3"}}`, []int32{3, 5}},
		{"$eq decimal", `{"a": {"$numberDecimal": "2"}}`, []int32{2, 5, 7}},
		{"$eq string is not a number", `{"a": "4"}`, []int32{4}},
		{"$eq operator", `{"a": {"$eq": 2}}`, []int32{2, 5, 7}},
		{"$eq whole array", `{"a": [1, 2, 3]}`, []int32{5}},
		{"$eq empty array", `{"a": []}`, []int32{10}},
		{"$eq array element that is an array", `{"arr": [1, 2]}`, []int32{4, 8}},
		{"$eq document", `{"a": {"x": 1, "y": 2}}`, []int32{8}},
		{"$eq document field order", `{"a": {"y": 2, "x": 1}}`, nil},
		{"null matches null and missing", `{"a": null}`, []int32{6, 9}},
		{"null in array", `{"arr": null}`, []int32{1, 2, 5, 10}},
		{"null on missing field of array element", `{"sub.b": null}`, []int32{1, 2, 3, 7, 8, 10}},
		{"$ne null", `{"a": {"$ne": null}}`, []int32{1, 2, 3, 4, 5, 7, 8, 10}},
		{"$ne", `{"a": {"$ne": 2}}`, []int32{1, 3, 4, 6, 8, 9, 10}},
		{"$ne array element", `{"arr": {"$ne": 1}}`, []int32{1, 2, 4, 5, 6, 7, 9, 10}},
		{"$gt numbers only", `{"a": {"$gt": 1}}`, []int32{2, 3, 5, 7}},
		{"$gte", `{"a": {"$gte": 2}}`, []int32{2, 3, 5, 7}},
		{"$lt", `{"a": {"$lt": 2}}`, []int32{1, 5}},
		{"$lte", `{"a": {"$lte": 1}}`, []int32{1, 5}},
		{"$gt strings bytewise", `{"s": {"$gt": "B"}}`, []int32{1, 2, 3}},
		{"range over array elements", `{"arr": {"$gt": 3, "$lt": 4}}`, []int32{3}},
		{"$gte null", `{"a": {"$gte": null}}`, []int32{6, 9}},
		{"$gt null", `{"a": {"$gt": null}}`, nil},
		{"$gt document", `{"a": {"$gt": {"x": 1}}}`, []int32{8}},
		{"$gt date", `{"d": {"$gt": {"$date": 0}}}`, []int32{7}},
		{"NaN equals NaN", `{"nan": {"$numberDouble": "NaN"}}`, []int32{8}},
		{"NaN is not greater", `{"nan": {"$gt": 0}}`, nil},
		{"$in", `{"a": {"$in": [1, "4"]}}`, []int32{1, 4, 5}},
		{"$in null", `{"a": {"$in": [null]}}`, []int32{6, 9}},
		{"$in regex", `{"s": {"$in": [{"$regularExpression": {"pattern": "^b", "options": "i"}}]}}`, []int32{2}},
		{"$nin", `{"a": {"$nin": [1, 2]}}`, []int32{3, 4, 6, 8, 9, 10}},
		{"$exists true", `{"n": {"$exists": true}}`, []int32{2}},
		{"$exists false", `{"a": {"$exists": false}}`, []int32{9}},
		{"$exists through arrays", `{"sub.b": {"$exists": true}}`, []int32{4, 5, 6}},
		{"dotted path", `{"sub.b": 1}`, []int32{4, 5}},
		{"dotted path through array of documents", `{"sub.b": 2}`, []int32{5}},
		{"dotted path through two arrays", `{"sub.b.e": 2}`, []int32{6}},
		{"positional path", `{"arr.1": 5}`, []int32{3}},
		{"positional path then field", `{"arr.0.x": 1}`, []int32{7}},
		{"positional path on nested array", `{"arr.0": [1, 2]}`, []int32{4}},
		{"positional element is not expanded", `{"arr.0": 1}`, []int32{3, 8}},
		{"$and", `{"$and": [{"a": {"$gte": 1}}, {"a": {"$lt": 3}}]}`, []int32{1, 2, 5, 7}},
		{"$or", `{"$or": [{"a": 1}, {"s": "Banana"}]}`, []int32{1, 2, 5}},
		{"$nor", `{"$nor": [{"a": 1}, {"a": null}]}`, []int32{2, 3, 4, 7, 8, 10}},
		{"$not", `{"a": {"$not": {"$gt": 1}}}`, []int32{1, 4, 6, 8, 9, 10}},
		{"$not regex", `{"s": {"$not": {"$regularExpression": {"pattern": "an", "options": ""}}}}`, []int32{1, 3, 4, 5, 6, 7, 8, 9, 10}},
		{"$size", `{"arr": {"$size": 2}}`, []int32{4, 7, 8}},
		{"$size zero", `{"arr": {"$size": 0}}`, []int32{6}},
		{"$all", `{"a": {"$all": [1, 3]}}`, []int32{5}},
		{"$all with $elemMatch", `{"arr": {"$all": [{"$elemMatch": {"x": 2}}, {"$elemMatch": {"y": 2}}]}}`, []int32{7}},
		{"$elemMatch documents", `{"arr": {"$elemMatch": {"x": 1, "y": 2}}}`, []int32{7}},
		{"$elemMatch needs one element", `{"arr": {"$elemMatch": {"x": 1, "y": 1}}}`, nil},
		{"dotted fields may match different elements", `{"arr.x": 1, "arr.y": 1}`, []int32{7}},
		{"$elemMatch values", `{"arr": {"$elemMatch": {"$gte": 5, "$lt": 10}}}`, []int32{3}},
		{"$type alias", `{"a": {"$type": "string"}}`, []int32{4}},
		{"$type code", `{"a": {"$type": 1}}`, []int32{2}},
		{"$type long", `{"a": {"$type": "long"}}`, []int32{3}},
		{"$type number", `{"a": {"$type": "number"}}`, []int32{1, 2, 3, 5, 7}},
		{"$type array", `{"a": {"$type": "array"}}`, []int32{5, 10}},
		{"$type null", `{"a": {"$type": "null"}}`, []int32{6}},
		{"$type minKey", `{"mk": {"$type": "minKey"}}`, []int32{9}},
		{"$regex", `{"s": {"$regex": "an"}}`, []int32{2}},
		{"$regex option i", `{"s": {"$regex": "^b", "$options": "i"}}`, []int32{2}},
		{"$regex anchors without m", `{"s": {"$regex": "^berry"}}`, nil},
		{"$regex option m", `{"s": {"$regex": "^berry", "$options": "m"}}`, []int32{3}},
		{"$regex option s", `{"s": {"$regex": "y.b", "$options": "s"}}`, []int32{3}},
		{"$regex option x", `{"s": {"$regex": "a p  # comment\n p", "$options": "x"}}`, []int32{1}},
		{"regex value", `{"s": {"$regularExpression": {"pattern": "rr", "options": ""}}}`, []int32{3}},
		{"regex on array elements", `{"t": {"$regularExpression": {"pattern": "^y", "options": ""}}}`, []int32{1}},
	}
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		coll := b.DB(t).Collection("query")
		mqlInsert(t, coll, mqlDocs(t, mqlQueryDocs))
		byID := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}})
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got := mqlIDs(mqlFind(t, coll, mqlDoc(t, tt.filter), byID))
				if d := cmp.Diff(tt.want, got); d != "" {
					t.Errorf("find %s (-want +got):\n%s", tt.filter, d)
				}
			})
		}
		t.Run("errors", func(t *testing.T) {
			errs := []struct {
				filter string
				code   int
				msg    string
			}{
				{`{"a": {"$foo": 1}}`, 2, "unknown operator: $foo"},
				{`{"$foo": [{"a": 1}]}`, 2, "unknown top level operator: $foo"},
				{`{"$and": []}`, 2, "$and"},
				{`{"a": {"$in": 1}}`, 2, "$in needs an array"},
				{`{"a": {"$size": -1}}`, 2, ""},
				{`{"a": {"$type": "nope"}}`, 2, "Unknown type name alias: nope"},
				{`{"a": {"$regex": "x", "$options": "z"}}`, 51108, ""},
				{`{"a": {"$not": {}}}`, 2, "$not"},
			}
			for _, e := range errs {
				_, err := coll.Find(mqlCtx(t), mqlDoc(t, e.filter))
				mqlWantError(t, err, e.code, e.msg)
			}
		})
	})
}

// TestMQLNullConformance pins mongod 8.0's treatment of null, undefined,
// missing fields and arrays in equality to null.
func TestMQLNullConformance(t *testing.T) {
	docs := `[
		{"_id": 1, "a": {}},
		{"_id": 2, "a": null},
		{"_id": 3, "a": 4},
		{"_id": 4, "a": {"b": "hi"}},
		{"_id": 5, "a": {"b": null}},
		{"_id": 6, "a": {"b": {"$undefined": true}}},
		{"_id": 7, "a": {"$undefined": true}},
		{"_id": 8},
		{"_id": 9, "a": [[]]},
		{"_id": 10, "a": []},
		{"_id": 11, "a": [{"b": null}, {"b": {"$undefined": true}}, {}]},
		{"_id": 12, "a": [{"b": 1}, {"b": "s"}]},
		{"_id": 13, "a": [{"b": 3}, {}]},
		{"_id": 14, "a": [null, null]},
		{"_id": 15, "a": [1, "s", 4]},
		{"_id": 16, "a": [1, {"$undefined": true}]}
	]`
	tests := []struct {
		filter string
		want   []int32
	}{
		{`{"a": null}`, []int32{2, 8, 14}},
		{`{"a": {"$ne": null}}`, []int32{1, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 15, 16}},
		{`{"a": {"$in": [null, 75]}}`, []int32{2, 8, 14}},
		{`{"a": {"$nin": [null, []]}}`, []int32{1, 3, 4, 5, 6, 7, 11, 12, 13, 15, 16}},
		{`{"a": {"$not": {"$gte": null}}}`, []int32{1, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 15, 16}},
		{`{"a": {"$exists": false}}`, []int32{8}},
		{`{"a": {"$elemMatch": {"$eq": null}}}`, []int32{14}},
		{`{"a": {"$elemMatch": {"$ne": null}}}`, []int32{9, 11, 12, 13, 15, 16}},
		{`{"a.b": null}`, []int32{1, 2, 3, 5, 7, 8, 11, 13}},
		{`{"a.b": {"$ne": null}}`, []int32{4, 6, 9, 10, 12, 14, 15, 16}},
		{`{"a.b": {"$in": [null, 75]}}`, []int32{1, 2, 3, 5, 7, 8, 11, 13}},
	}
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		coll := b.DB(t).Collection("nulls")
		mqlInsert(t, coll, mqlDocs(t, docs))
		byID := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}})
		for _, tt := range tests {
			got := mqlIDs(mqlFind(t, coll, mqlDoc(t, tt.filter), byID))
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("find %s (-want +got):\n%s", tt.filter, d)
			}
		}
		got := mqlFind(t, coll, mqlDoc(t, `{"_id": {"$in": [3, 10, 15]}}`), byID.SetProjection(mqlDoc(t, `{"_id": 0, "a.b": 1}`)))
		if d := mqlDiff(mqlDocs(t, `[{}, {"a": []}, {"a": []}]`), got); d != "" {
			t.Errorf("projection of a.b (-want +got):\n%s", d)
		}
	})
}

func TestMQLUpdateConformance(t *testing.T) {
	tests := []struct {
		name, doc, update, want string
	}{
		{"$set", `{"a": 1}`, `{"$set": {"a": "x", "b": 2}}`, `{"a": "x", "b": 2}`},
		{"new fields in path order", `{}`, `{"$set": {"z": 1, "b.y": 1, "a": 1, "b.x": 1}}`, `{"a": 1, "b": {"x": 1, "y": 1}, "z": 1}`},
		{"numeric field names in numeric order", `{"a": {}}`, `{"$set": {"a.10": 10, "a.x": 0, "a.9": 9}}`, `{"a": {"9": 9, "10": 10, "x": 0}}`},
		{"$set nested creation", `{"a": {"x": 1}}`, `{"$set": {"a.y.z": 2}}`, `{"a": {"x": 1, "y": {"z": 2}}}`},
		{"$set array position", `{"a": [1, 2, 3]}`, `{"$set": {"a.1": 9, "a.4": 8}}`, `{"a": [1, 9, 3, null, 8]}`},
		{"$set field of array element", `{"a": [{"b": 1}]}`, `{"$set": {"a.0.b": 2}}`, `{"a": [{"b": 2}]}`},
		{"$unset", `{"a": 1, "b": {"c": 1, "d": 2}, "e": [1, 2]}`, `{"$unset": {"a": "", "b.c": 1, "e.0": 1, "zz": 1}}`, `{"b": {"d": 2}, "e": [null, 2]}`},
		{"$inc int32", `{"n": 1}`, `{"$inc": {"n": 2}}`, `{"n": 3}`},
		{"$inc int32 overflow", `{"n": 2147483647}`, `{"$inc": {"n": 1}}`, `{"n": {"$numberLong": "2147483648"}}`},
		{"$inc int32 by int64", `{"n": 1}`, `{"$inc": {"n": {"$numberLong": "1"}}}`, `{"n": {"$numberLong": "2"}}`},
		{"$inc int by double", `{"n": 1}`, `{"$inc": {"n": 0.5}}`, `{"n": 1.5}`},
		{"$inc decimal", `{"n": {"$numberDecimal": "1.1"}}`, `{"$inc": {"n": 1}}`, `{"n": {"$numberDecimal": "2.1"}}`},
		{"$inc missing", `{}`, `{"$inc": {"n": {"$numberLong": "5"}}}`, `{"n": {"$numberLong": "5"}}`},
		{"$mul", `{"n": 3, "m": 100000}`, `{"$mul": {"n": 4, "m": 100000}}`, `{"n": 12, "m": {"$numberLong": "10000000000"}}`},
		{"$mul missing", `{}`, `{"$mul": {"a": 5, "b": 2.5}}`, `{"a": 0, "b": 0.0}`},
		{"$min and $max", `{"lo": 5, "hi": 5, "s": 1}`, `{"$min": {"lo": 3}, "$max": {"hi": 4, "s": "a"}}`, `{"lo": 3, "hi": 5, "s": "a"}`},
		{"$rename", `{"a": 1, "b": {"c": 2}}`, `{"$rename": {"a": "z", "b.c": "y.d"}}`, `{"b": {}, "y": {"d": 2}, "z": 1}`},
		{"$setOnInsert ignored on update", `{}`, `{"$setOnInsert": {"a": 1}, "$set": {"b": 1}}`, `{"b": 1}`},
		{"$push", `{"a": [1]}`, `{"$push": {"a": 2, "b": [1]}}`, `{"a": [1, 2], "b": [[1]]}`},
		{"$push $each", `{"a": [1]}`, `{"$push": {"a": {"$each": [2, 3]}}}`, `{"a": [1, 2, 3]}`},
		{"$push $position $sort $slice", `{"a": [5, 1]}`, `{"$push": {"a": {"$each": [3, 4], "$position": 0, "$sort": -1, "$slice": 3}}}`, `{"a": [5, 4, 3]}`},
		{"$addToSet", `{"a": [1, 2]}`, `{"$addToSet": {"a": 2.0, "b": {"$each": [1, 1, 2]}}}`, `{"a": [1, 2], "b": [1, 2]}`},
		{"$pop", `{"a": [1, 2, 3], "b": [1, 2, 3]}`, `{"$pop": {"a": 1, "b": -1}}`, `{"a": [1, 2], "b": [2, 3]}`},
		{"$pull value", `{"a": [1, 2, 1.0, "1"]}`, `{"$pull": {"a": 1}}`, `{"a": [2, "1"]}`},
		{"$pull condition", `{"a": [1, 5, 6, 9]}`, `{"$pull": {"a": {"$gte": 6}}}`, `{"a": [1, 5]}`},
		{"$pull document query", `{"a": [{"s": 8, "i": "B"}, {"s": 8, "i": "C"}]}`, `{"$pull": {"a": {"s": 8, "i": "B"}}}`, `{"a": [{"s": 8, "i": "C"}]}`},
		{"$pullAll", `{"a": [1, 2, 3, 1]}`, `{"$pullAll": {"a": [1, 3]}}`, `{"a": [2]}`},
		{"replacement keeps _id", `{"a": 1}`, `{"b": 2}`, `{"b": 2}`},
	}
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		coll := b.DB(t).Collection("update")
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx := mqlCtx(t)
				id := int32(i + 1)
				doc := append(bson.D{{Key: "_id", Value: id}}, mqlDoc(t, tt.doc)...)
				_, err := coll.InsertOne(ctx, doc)
				mqlMust(t, err)
				update := mqlDoc(t, tt.update)
				if strings.HasPrefix(update[0].Key, "$") {
					_, err = coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, update)
				} else {
					_, err = coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, update)
				}
				mqlMust(t, err)
				var got bson.D
				mqlMust(t, coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&got))
				want := append(bson.D{{Key: "_id", Value: id}}, mqlDoc(t, tt.want)...)
				if d := mqlDiff(want, got); d != "" {
					t.Errorf("update %s on %s (-want +got):\n%s", tt.update, tt.doc, d)
				}
			})
		}
		t.Run("$currentDate", func(t *testing.T) {
			ctx := mqlCtx(t)
			_, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "cd"}})
			mqlMust(t, err)
			_, err = coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: "cd"}}, mqlDoc(t, `{"$currentDate": {"d": true, "ts": {"$type": "timestamp"}}}`))
			mqlMust(t, err)
			var got struct {
				D  bson.DateTime  `bson:"d"`
				TS bson.Timestamp `bson:"ts"`
			}
			mqlMust(t, coll.FindOne(ctx, bson.D{{Key: "_id", Value: "cd"}}).Decode(&got))
			if age := time.Since(got.D.Time()); age < -time.Minute || age > time.Hour {
				t.Errorf("$currentDate date = %v, not the current time", got.D.Time())
			}
			if got.TS.T == 0 {
				t.Errorf("$currentDate timestamp = %+v", got.TS)
			}
		})
		t.Run("upsert seeds equality fields", func(t *testing.T) {
			ctx := mqlCtx(t)
			res, err := coll.UpdateOne(ctx, mqlDoc(t, `{"k": "up", "n.m": 5, "r": {"$gt": 1}, "$and": [{"q": true}]}`),
				mqlDoc(t, `{"$set": {"x": 1}, "$setOnInsert": {"created": true}}`), options.UpdateOne().SetUpsert(true))
			mqlMust(t, err)
			if res.UpsertedID == nil {
				t.Fatal("no upserted id")
			}
			var got bson.D
			mqlMust(t, coll.FindOne(ctx, bson.D{{Key: "k", Value: "up"}}, options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 0}})).Decode(&got))
			// The order of the fields taken from the query is not specified.
			want := mqlDoc(t, `{"created": true, "k": "up", "n": {"m": 5}, "q": true, "x": 1}`)
			slices.SortFunc(got, func(a, b bson.E) int { return strings.Compare(a.Key, b.Key) })
			if d := mqlDiff(want, got); d != "" {
				t.Errorf("upserted document (-want +got):\n%s", d)
			}
		})
		t.Run("errors", func(t *testing.T) {
			ctx := mqlCtx(t)
			_, err := coll.InsertOne(ctx, mqlDoc(t, `{"_id": "err", "s": "x", "n": 5, "arr": [1], "big": {"$numberLong": "9223372036854775807"}}`))
			mqlMust(t, err)
			errs := []struct {
				update string
				code   int
			}{
				{`{"$inc": {"s": 1}}`, 14},
				{`{"$inc": {"n": "1"}}`, 14},
				{`{"$inc": {"big": 1}}`, 2},
				{`{"$set": {"_id": "other"}}`, 66},
				{`{"$set": {"n.x": 1}}`, 28},
				{`{"$set": {"arr.x": 1}}`, 28},
				{`{"$set": {"a": 1}, "$inc": {"a": 1}}`, 40},
				{`{"$set": {"a.b": 1}, "$unset": {"a": 1}}`, 40},
				{`{"$foo": {"a": 1}}`, 9},
				{`{"$set": {"a": 1}, "b": 2}`, 9},
				{`{"$push": {"n": 1}}`, 2},
				{`{"$pop": {"n": 1}}`, 14},
				{`{"$pop": {"arr": 2}}`, 9},
				{`{"$rename": {"n": "n"}}`, 2},
				{`{"$set": {"a..b": 1}}`, 56},
			}
			for _, e := range errs {
				_, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: "err"}}, mqlDoc(t, e.update))
				mqlWantError(t, err, e.code, "")
			}
			_, err = coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: "err"}}, bson.D{{Key: "_id", Value: "new"}})
			mqlWantError(t, err, 66, "")
		})
	})
}

func TestMQLFindOptionsConformance(t *testing.T) {
	docs := `[
		{"_id": 1, "a": [1, 5], "b": "x", "c": {"d": 1, "e": 2}},
		{"_id": 2, "a": 3, "b": "y", "c": {"d": 2, "e": 3}},
		{"_id": 3, "a": [], "b": "x"},
		{"_id": 4, "a": null, "b": "z"},
		{"_id": 5, "b": "x"},
		{"_id": 6, "a": "s", "b": "w"},
		{"_id": 7, "a": 2.5, "b": "z", "l": [{"m": 1, "n": 2}, 3]}
	]`
	sorts := []struct {
		spec string
		want []int32
	}{
		{`{"a": 1, "_id": 1}`, []int32{3, 4, 5, 1, 7, 2, 6}},
		{`{"a": -1, "_id": 1}`, []int32{6, 1, 2, 7, 4, 5, 3}},
		{`{"b": 1, "a": -1}`, []int32{6, 1, 5, 3, 2, 7, 4}},
		{`{"c.e": -1, "_id": -1}`, []int32{2, 1, 7, 6, 5, 4, 3}},
	}
	projections := []struct {
		spec string
		want string
	}{
		{`{"b": 1}`, `{"_id": 1, "b": "x"}`},
		{`{"b": 1, "_id": 0}`, `{"b": "x"}`},
		{`{"c.d": 1}`, `{"_id": 1, "c": {"d": 1}}`},
		{`{"c": {"e": 1}}`, `{"_id": 1, "c": {"e": 2}}`},
		{`{"a": 0, "c.e": 0}`, `{"_id": 1, "b": "x", "c": {"d": 1}}`},
		{`{"_id": 0}`, `{"a": [1, 5], "b": "x", "c": {"d": 1, "e": 2}}`},
		{`{"x": "$b", "y": {"$literal": 1}}`, `{"_id": 1, "x": "x", "y": 1}`},
	}
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		coll := b.DB(t).Collection("options")
		mqlInsert(t, coll, mqlDocs(t, docs))
		for _, s := range sorts {
			got := mqlIDs(mqlFind(t, coll, bson.D{}, options.Find().SetSort(mqlDoc(t, s.spec))))
			if d := cmp.Diff(s.want, got); d != "" {
				t.Errorf("sort %s (-want +got):\n%s", s.spec, d)
			}
		}
		got := mqlIDs(mqlFind(t, coll, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}).SetSkip(2).SetLimit(3).SetBatchSize(2)))
		if d := cmp.Diff([]int32{5, 4, 3}, got); d != "" {
			t.Errorf("skip and limit (-want +got):\n%s", d)
		}
		for _, p := range projections {
			got := mqlFind(t, coll, bson.D{{Key: "_id", Value: 1}}, options.Find().SetProjection(mqlDoc(t, p.spec)))
			if d := mqlDiff([]bson.D{mqlDoc(t, p.want)}, got); d != "" {
				t.Errorf("projection %s (-want +got):\n%s", p.spec, d)
			}
		}
		got2 := mqlFind(t, coll, bson.D{{Key: "_id", Value: 7}}, options.Find().SetProjection(mqlDoc(t, `{"l.m": 1}`)))
		if d := mqlDiff(mqlDocs(t, `[{"_id": 7, "l": [{"m": 1}]}]`), got2); d != "" {
			t.Errorf("projection through an array (-want +got):\n%s", d)
		}
		errs := []struct {
			opts *options.FindOptionsBuilder
			code int
		}{
			{options.Find().SetSort(bson.D{{Key: "a", Value: 2}}), 15975},
			{options.Find().SetProjection(bson.D{{Key: "a", Value: 1}, {Key: "b", Value: 0}}), 31254},
			{options.Find().SetProjection(bson.D{{Key: "a", Value: 0}, {Key: "b", Value: 1}}), 31253},
			{options.Find().SetProjection(bson.D{{Key: "c", Value: 1}, {Key: "c.d", Value: 1}}), 31249},
		}
		for _, e := range errs {
			_, err := coll.Find(mqlCtx(t), bson.D{}, e.opts)
			mqlWantError(t, err, e.code, "")
		}
	})
}

func TestMQLAggregateConformance(t *testing.T) {
	docs := `[
		{"_id": 1, "k": "a", "n": 1, "v": [1, 2]},
		{"_id": 2, "k": "b", "n": 2.5, "v": []},
		{"_id": 3, "k": "a", "n": {"$numberLong": "3"}, "v": null},
		{"_id": 4, "k": "b", "n": "x"},
		{"_id": 5, "k": "a", "n": 2, "v": 7, "s": {"t": 1}}
	]`
	tests := []struct {
		name, pipeline, want string
	}{
		{"match sort skip limit", `[{"$match": {"n": {"$type": "number"}}}, {"$sort": {"n": -1}}, {"$skip": 1}, {"$limit": 2}, {"$project": {"n": 1}}]`,
			`[{"_id": 2, "n": 2.5}, {"_id": 5, "n": 2}]`},
		{"group accumulators", `[{"$group": {"_id": "$k", "sum": {"$sum": "$n"}, "avg": {"$avg": "$n"}, "min": {"$min": "$n"}, "max": {"$max": "$n"}, "push": {"$push": "$_id"}, "set": {"$addToSet": "$k"}, "count": {"$sum": 1}}}, {"$sort": {"_id": 1}}]`,
			`[{"_id": "a", "sum": {"$numberLong": "6"}, "avg": 2.0, "min": 1, "max": {"$numberLong": "3"}, "push": [1, 3, 5], "set": ["a"], "count": 3},
			  {"_id": "b", "sum": 2.5, "avg": 2.5, "min": 2.5, "max": "x", "push": [2, 4], "set": ["b"], "count": 2}]`},
		{"group first and last", `[{"$sort": {"_id": 1}}, {"$group": {"_id": null, "first": {"$first": "$v"}, "last": {"$last": "$v"}}}]`,
			`[{"_id": null, "first": [1, 2], "last": 7}]`},
		{"group by document", `[{"$group": {"_id": {"key": "$k"}, "c": {"$sum": 1}}}, {"$sort": {"_id.key": -1}}]`,
			`[{"_id": {"key": "b"}, "c": 2}, {"_id": {"key": "a"}, "c": 3}]`},
		{"count", `[{"$match": {"k": "a"}}, {"$count": "total"}]`, `[{"total": 3}]`},
		{"unwind", `[{"$unwind": "$v"}, {"$project": {"v": 1}}, {"$sort": {"_id": 1, "v": 1}}]`, `[{"_id": 1, "v": 1}, {"_id": 1, "v": 2}, {"_id": 5, "v": 7}]`},
		{"unwind preserving", `[{"$unwind": {"path": "$v", "includeArrayIndex": "i", "preserveNullAndEmptyArrays": true}}, {"$project": {"v": 1, "i": 1}}, {"$sort": {"_id": 1, "i": 1}}]`,
			`[{"_id": 1, "v": 1, "i": {"$numberLong": "0"}}, {"_id": 1, "v": 2, "i": {"$numberLong": "1"}}, {"_id": 2, "i": null}, {"_id": 3, "v": null, "i": null}, {"_id": 4, "i": null}, {"_id": 5, "v": 7, "i": null}]`},
		{"project exclusion and computed", `[{"$match": {"_id": 5}}, {"$project": {"_id": 0, "key": "$k", "t": "$s.t"}}]`, `[{"key": "a", "t": 1}]`},
		{"addFields set unset", `[{"$match": {"_id": 5}}, {"$addFields": {"k2": "$k", "s.u": "$n"}}, {"$set": {"w": "$_id"}}, {"$unset": ["v", "n"]}]`,
			`[{"_id": 5, "k": "a", "s": {"t": 1, "u": 2}, "k2": "a", "w": 5}]`},
		{"replaceRoot", `[{"$match": {"_id": 5}}, {"$replaceRoot": {"newRoot": "$s"}}]`, `[{"t": 1}]`},
	}
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		coll := b.DB(t).Collection("aggregate")
		mqlInsert(t, coll, mqlDocs(t, docs))
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx := mqlCtx(t)
				cur, err := coll.Aggregate(ctx, mqlPipeline(t, tt.pipeline))
				mqlMust(t, err)
				var got []bson.D
				mqlMust(t, cur.All(ctx, &got))
				if d := mqlDiff(mqlDocs(t, tt.want), got); d != "" {
					t.Errorf("aggregate %s (-want +got):\n%s", tt.pipeline, d)
				}
			})
		}
		t.Run("CountDocuments", func(t *testing.T) {
			ctx := mqlCtx(t)
			for _, c := range []struct {
				filter string
				opts   *options.CountOptionsBuilder
				want   int64
			}{
				{`{}`, options.Count(), 5},
				{`{"k": "a"}`, options.Count(), 3},
				{`{"k": "a"}`, options.Count().SetSkip(1), 2},
				{`{"k": "a"}`, options.Count().SetLimit(2), 2},
				{`{"k": "zz"}`, options.Count(), 0},
			} {
				n, err := coll.CountDocuments(ctx, mqlDoc(t, c.filter), c.opts)
				mqlMust(t, err)
				if n != c.want {
					t.Errorf("CountDocuments(%s) = %d, want %d", c.filter, n, c.want)
				}
			}
		})
		t.Run("Distinct", func(t *testing.T) {
			ctx := mqlCtx(t)
			for _, c := range []struct {
				key, filter string
				want        bson.A
			}{
				{"k", `{}`, bson.A{"a", "b"}},
				{"v", `{}`, bson.A{nil, int32(1), int32(2), int32(7)}},
				{"s.t", `{}`, bson.A{int32(1)}},
				{"n", `{"k": "b"}`, bson.A{2.5, "x"}},
			} {
				res := coll.Distinct(ctx, c.key, mqlDoc(t, c.filter))
				mqlMust(t, res.Err())
				var got bson.A
				mqlMust(t, res.Decode(&got))
				slices.SortFunc(got, mql.Compare)
				if d := mqlDiff(c.want, got); d != "" {
					t.Errorf("Distinct(%q, %s) (-want +got):\n%s", c.key, c.filter, d)
				}
			}
		})
		t.Run("errors", func(t *testing.T) {
			errs := []struct {
				pipeline string
				code     int
				msg      string
			}{
				{`[{"$foo": {}}]`, 40324, "Unrecognized pipeline stage name: '$foo'"},
				{`[{"$project": {"a": {"$foo": 1}}}]`, 168, "Unrecognized expression '$foo'"},
				{`[{"$group": {"n": {"$sum": 1}}}]`, 15955, ""},
				{`[{"$group": {"_id": 1, "n": {"$foo": 1}}}]`, 15952, ""},
				{`[{"$match": {"a": {"$foo": 1}}}]`, 2, "unknown operator: $foo"},
				{`[{"$limit": 0}]`, 15958, ""},
				{`[{"$sort": {}}]`, 15976, ""},
				{`[{"$count": ""}]`, 40156, ""},
				{`[{"$unwind": "v"}]`, 28818, ""},
				{`[{"$match": {}, "$limit": 1}]`, 40323, ""},
			}
			for _, e := range errs {
				_, err := coll.Aggregate(mqlCtx(t), mqlPipeline(t, e.pipeline))
				mqlWantError(t, err, e.code, e.msg)
			}
		})
	})
}
