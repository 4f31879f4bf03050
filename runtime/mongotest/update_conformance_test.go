package mongotest_test

// Driver-level conformance of positional updates ($, $[], $[<id>] with
// arrayFilters), pipeline-style updates, update sort and let, with the
// answers of mongod 8.0.

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
)

// mqlValue parses one relaxed extended JSON value (a document or an array).
func mqlValue(t testing.TB, s string) any {
	t.Helper()
	return mqlDoc(t, `{"v": `+s+`}`)[0].Value
}

// mqlList parses a JSON array.
func mqlList(t testing.TB, s string) []any {
	t.Helper()
	return []any(mqlValue(t, s).(bson.A))
}

func TestPositionalUpdateConformance(t *testing.T) {
	tests := []struct {
		name, doc, filter, update, arrayFilters, want string
	}{
		{"$ updates the matched element", `{"a": [1, 2, 3]}`, `{"a": 2}`, `{"$set": {"a.$": 20}}`, ``, `{"a": [1, 20, 3]}`},
		{"$ with a condition on a subfield", `{"a": [{"x": 1, "y": 0}, {"x": 2, "y": 0}]}`, `{"a.x": 2}`, `{"$inc": {"a.$.y": 5}}`, ``, `{"a": [{"x": 1, "y": 0}, {"x": 2, "y": 5}]}`},
		{"$ with $elemMatch", `{"a": [{"x": 1, "y": 1}, {"x": 1, "y": 2}]}`, `{"a": {"$elemMatch": {"x": 1, "y": 2}}}`, `{"$set": {"a.$.z": true}}`, ``, `{"a": [{"x": 1, "y": 1}, {"x": 1, "y": 2, "z": true}]}`},
		{"$[] updates every element", `{"a": [1, 2, 3]}`, `{}`, `{"$inc": {"a.$[]": 10}}`, ``, `{"a": [11, 12, 13]}`},
		{"$[] in documents", `{"a": [{"b": 1}, {"b": 2}]}`, `{}`, `{"$set": {"a.$[].c": 0}}`, ``, `{"a": [{"b": 1, "c": 0}, {"b": 2, "c": 0}]}`},
		{"$[id] updates the filtered elements", `{"a": [1, 5, 9]}`, `{}`, `{"$set": {"a.$[big]": 0}}`, `[{"big": {"$gte": 5}}]`, `{"a": [1, 0, 0]}`},
		{"$[id] on subfields", `{"a": [{"k": "x", "v": 1}, {"k": "y", "v": 2}]}`, `{}`, `{"$inc": {"a.$[e].v": 100}}`, `[{"e.k": "y"}]`, `{"a": [{"k": "x", "v": 1}, {"k": "y", "v": 102}]}`},
		{"nested $[] and $[id]", `{"m": [[1, 2], [3, 4]]}`, `{}`, `{"$set": {"m.$[].$[odd]": 0}}`, `[{"odd": {"$in": [1, 3]}}]`, `{"m": [[0, 2], [0, 4]]}`},
		{"two array filters", `{"a": [1, 2, 3], "b": [4, 5]}`, `{}`, `{"$set": {"a.$[i]": "i", "b.$[j]": "j"}}`, `[{"i": 1}, {"j": 5}]`, `{"a": ["i", 2, 3], "b": [4, "j"]}`},
		{"$[id] matching nothing", `{"a": [1, 2]}`, `{}`, `{"$set": {"a.$[n]": 0}}`, `[{"n": 9}]`, `{"a": [1, 2]}`},
		{"pipeline $set with an expression", `{"a": 1, "b": 2}`, `{}`, `[{"$set": {"c": "$a", "d": {"$literal": "$x"}}}]`, ``, `{"a": 1, "b": 2, "c": 1, "d": "$x"}`},
		{"pipeline $unset and $addFields", `{"a": 1, "b": 2}`, `{}`, `[{"$unset": "a"}, {"$addFields": {"e": "$b"}}]`, ``, `{"b": 2, "e": 2}`},
		{"pipeline $project keeps _id", `{"a": 1, "b": 2}`, `{}`, `[{"$project": {"b": 1}}]`, ``, `{"b": 2}`},
		{"pipeline $replaceWith keeps _id", `{"a": {"x": 1}}`, `{}`, `[{"$replaceWith": "$a"}]`, ``, `{"x": 1}`},
		{"pipeline $setField writes a dotted name", `{"a": 1}`, `{}`, `[{"$replaceWith": {"$setField": {"field": "x.y", "value": 5, "input": "$$ROOT"}}}]`, ``, `{"a": 1, "x.y": 5}`},
		{"pipeline $setField writes a $ name", `{"a": {}}`, `{}`, `[{"$set": {"a": {"$setField": {"field": {"$literal": "$p"}, "value": 1, "input": "$a"}}}}]`, ``, `{"a": {"$p": 1}}`},
		{"pipeline $cond, $ifNull, $concat, $in, $size", `{"a": 5, "s": "ab", "l": [1, 2]}`, `{}`, `[{"$set": {"c": {"$cond": [{"$in": [2, "$l"]}, {"$concat": ["$s", "!"]}, "no"]}, "d": {"$ifNull": ["$none", {"$size": "$l"}]}}}]`, ``, `{"a": 5, "s": "ab", "l": [1, 2], "c": "ab!", "d": 2}`},
		{"pipeline arithmetic", `{"a": 7, "b": 2, "big": 2147483647}`, `{}`, `[{"$set": {"total": {"$add": ["$a", {"$multiply": ["$b", 2]}]}, "diff": {"$subtract": ["$a", "$b"]}, "wide": {"$add": ["$big", 1]}}}]`, ``, `{"a": 7, "b": 2, "big": 2147483647, "total": 11, "diff": 5, "wide": {"$numberLong": "2147483648"}}`},
		{"pipeline comparison", `{"a": 5}`, `{}`, `[{"$set": {"big": {"$gt": ["$a", 3]}, "none": {"$eq": ["$missing", null]}}}]`, ``, `{"a": 5, "big": true, "none": false}`},
	}
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		coll := b.DB(t).Collection("positional")
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx := mqlCtx(t)
				id := int32(i + 1)
				_, err := coll.InsertOne(ctx, append(bson.D{{Key: "_id", Value: id}}, mqlDoc(t, tt.doc)...))
				mqlMust(t, err)
				filter := append(bson.D{{Key: "_id", Value: id}}, mqlDoc(t, tt.filter)...)
				opts := options.UpdateOne()
				if tt.arrayFilters != "" {
					opts.SetArrayFilters(mqlList(t, tt.arrayFilters))
				}
				res, err := coll.UpdateOne(ctx, filter, mqlValue(t, tt.update), opts)
				mqlMust(t, err)
				if res.MatchedCount != 1 {
					t.Fatalf("matched %d, want 1", res.MatchedCount)
				}
				var got bson.D
				mqlMust(t, coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&got))
				want := append(bson.D{{Key: "_id", Value: id}}, mqlDoc(t, tt.want)...)
				if d := mqlDiff(want, got); d != "" {
					t.Errorf("update %s (-want +got):\n%s", tt.update, d)
				}
			})
		}
	})
}

func TestPositionalUpdateErrors(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := mqlCtx(t)
		coll := b.DB(t).Collection("positional_errors")
		_, err := coll.InsertOne(ctx, mqlDoc(t, `{"_id": 1, "a": [1, 2], "s": 5}`))
		mqlMust(t, err)
		id := bson.D{{Key: "_id", Value: 1}}
		errs := []struct {
			name, update, arrayFilters string
			code                       int
		}{
			{"$ without a query on the array", `{"$set": {"a.$": 0}}`, ``, 2},
			{"$[] on a non-array", `{"$set": {"s.$[]": 0}}`, ``, 2},
			{"$[] on a missing field", `{"$set": {"m.$[]": 0}}`, ``, 2},
			{"identifier without a filter", `{"$set": {"a.$[x]": 0}}`, ``, 2},
			{"unused array filter", `{"$set": {"a.0": 0}}`, `[{"x": 1}]`, 9},
			{"array filter with two identifiers", `{"$set": {"a.$[x]": 0}}`, `[{"x": 1, "y": 1}]`, 9},
			{"pipeline stage not allowed", `[{"$match": {"a": 1}}]`, ``, 72},
			{"pipeline changing _id", `[{"$set": {"_id": 2}}]`, ``, 66},
		}
		for _, e := range errs {
			t.Run(e.name, func(t *testing.T) {
				opts := options.UpdateOne()
				if e.arrayFilters != "" {
					opts.SetArrayFilters(mqlList(t, e.arrayFilters))
				}
				_, err := coll.UpdateOne(ctx, id, mqlValue(t, e.update), opts)
				mqlWantError(t, err, e.code, "")
			})
		}
	})
}

func TestUpdateSortAndLet(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := mqlCtx(t)
		coll := b.DB(t).Collection("sortlet")
		mqlInsert(t, coll, mqlDocs(t, `[{"_id": 1, "k": "a", "n": 3}, {"_id": 2, "k": "a", "n": 1}, {"_id": 3, "k": "b", "n": 2}]`))

		// sort chooses which matching document updateOne changes.
		_, err := coll.UpdateOne(ctx, bson.D{{Key: "k", Value: "a"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "low", Value: true}}}},
			options.UpdateOne().SetSort(bson.D{{Key: "n", Value: 1}}))
		mqlMust(t, err)
		if got := mqlIDs(mqlFind(t, coll, bson.D{{Key: "low", Value: true}})); len(got) != 1 || got[0] != 2 {
			t.Errorf("updateOne with sort changed %v, want [2]", got)
		}

		// A sort with multi is refused (the driver has no such option, so
		// the command is sent by hand); a bad sort fails as mongod's does.
		err = coll.Database().RunCommand(ctx, bson.D{{Key: "update", Value: "sortlet"}, {Key: "updates", Value: bson.A{bson.D{
			{Key: "q", Value: bson.D{}}, {Key: "u", Value: bson.D{{Key: "$set", Value: bson.D{{Key: "z", Value: 1}}}}},
			{Key: "multi", Value: true}, {Key: "sort", Value: bson.D{{Key: "n", Value: 1}}}}}}}).Err()
		mqlWantError(t, err, 9, "sort")
		_, err = coll.UpdateOne(ctx, bson.D{}, bson.D{{Key: "$set", Value: bson.D{{Key: "z", Value: 1}}}}, options.UpdateOne().SetSort(bson.D{{Key: "n", Value: 50}}))
		mqlWantError(t, err, 15975, "")

		// let variables reach $expr in filters and expressions in pipelines.
		let := bson.D{{Key: "want", Value: "b"}, {Key: "tag", Value: "via let"}}
		expr := mqlDoc(t, `{"$expr": {"$eq": ["$k", "$$want"]}}`)
		res, err := coll.UpdateMany(ctx, expr, mqlValue(t, `[{"$set": {"tag": "$$tag"}}]`), options.UpdateMany().SetLet(let))
		mqlMust(t, err)
		if res.ModifiedCount != 1 {
			t.Errorf("updateMany with let modified %d, want 1", res.ModifiedCount)
		}
		got := mqlFind(t, coll, expr, options.Find().SetLet(let))
		want := mqlDocs(t, `[{"_id": 3, "k": "b", "n": 2, "tag": "via let"}]`)
		if d := mqlDiff(want, got); d != "" {
			t.Errorf("find with let (-want +got):\n%s", d)
		}
		del, err := coll.DeleteMany(ctx, expr, options.DeleteMany().SetLet(let))
		mqlMust(t, err)
		if del.DeletedCount != 1 {
			t.Errorf("deleteMany with let deleted %d, want 1", del.DeletedCount)
		}

		// An undefined variable and a let that reads a document fail as on mongod.
		_, err = coll.Find(ctx, mqlDoc(t, `{"$expr": {"$eq": ["$k", "$$nope"]}}`))
		mqlWantError(t, err, 17276, "nope")
		_, err = coll.Find(ctx, expr, options.Find().SetLet(bson.D{{Key: "want", Value: "$k"}}))
		mqlWantError(t, err, 4890500, "")
	})
}
