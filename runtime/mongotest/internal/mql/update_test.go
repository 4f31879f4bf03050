package mql

import (
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func TestApplyUpdate(t *testing.T) {
	tests := []struct {
		name   string
		doc    string
		update string
		want   string
		insert bool
	}{
		{"$set new field", `{"_id": 1}`, `{"$set": {"a": 1}}`, `{"_id": 1, "a": 1}`, false},
		{"$set replaces in place", `{"_id": 1, "a": 1, "b": 2}`, `{"$set": {"a": "x"}}`, `{"_id": 1, "a": "x", "b": 2}`, false},
		{"new fields are appended in path order", `{"_id": 1}`, `{"$set": {"z": 1, "b.y": 1, "a": 1, "b.x": 1}}`, `{"_id": 1, "a": 1, "b": {"x": 1, "y": 1}, "z": 1}`, false},
		{"$set creates nested documents", `{"_id": 1}`, `{"$set": {"a.b.c": 1}}`, `{"_id": 1, "a": {"b": {"c": 1}}}`, false},
		{"$set into existing document", `{"_id": 1, "a": {"x": 1}}`, `{"$set": {"a.y": 2}}`, `{"_id": 1, "a": {"x": 1, "y": 2}}`, false},
		{"$set array element", `{"_id": 1, "a": [1, 2, 3]}`, `{"$set": {"a.1": 9}}`, `{"_id": 1, "a": [1, 9, 3]}`, false},
		{"array positions apply in numeric order", `{"_id": 1, "a": []}`, `{"$set": {"a.10": 10, "a.2": 2}}`, `{"_id": 1, "a": [null, null, 2, null, null, null, null, null, null, null, 10]}`, false},
		{"new numeric fields in numeric order", `{"_id": 1, "a": {}}`, `{"$set": {"a.10": 10, "a.9": 9, "a.x": 0}}`, `{"_id": 1, "a": {"9": 9, "10": 10, "x": 0}}`, false},
		{"$set pads arrays with null", `{"_id": 1, "a": [1]}`, `{"$set": {"a.3": 9}}`, `{"_id": 1, "a": [1, null, null, 9]}`, false},
		{"$set field of array element", `{"_id": 1, "a": [{"b": 1}]}`, `{"$set": {"a.0.b": 2, "a.1.b": 3}}`, `{"_id": 1, "a": [{"b": 2}, {"b": 3}]}`, false},
		{"$set numeric key in document", `{"_id": 1, "a": {}}`, `{"$set": {"a.0": 1}}`, `{"_id": 1, "a": {"0": 1}}`, false},
		{"$set document value", `{"_id": 1}`, `{"$set": {"a": {"b": [1, {"c": 2}]}}}`, `{"_id": 1, "a": {"b": [1, {"c": 2}]}}`, false},
		{"$set same _id", `{"_id": 1, "a": 1}`, `{"$set": {"_id": 1}}`, `{"_id": 1, "a": 1}`, false},
		{"empty operator is a no-op", `{"_id": 1, "a": 1}`, `{"$set": {}}`, `{"_id": 1, "a": 1}`, false},
		{"$unset", `{"_id": 1, "a": 1, "b": 2}`, `{"$unset": {"a": ""}}`, `{"_id": 1, "b": 2}`, false},
		{"$unset nested", `{"_id": 1, "a": {"b": 1, "c": 2}}`, `{"$unset": {"a.b": 1}}`, `{"_id": 1, "a": {"c": 2}}`, false},
		{"$unset missing", `{"_id": 1}`, `{"$unset": {"a.b": 1, "c": 1}}`, `{"_id": 1}`, false},
		{"$unset array element sets null", `{"_id": 1, "a": [1, 2]}`, `{"$unset": {"a.0": 1}}`, `{"_id": 1, "a": [null, 2]}`, false},
		{"$inc int32", `{"_id": 1, "n": 1}`, `{"$inc": {"n": 2}}`, `{"_id": 1, "n": 3}`, false},
		{"$inc int32 overflow to int64", `{"_id": 1, "n": 2147483647}`, `{"$inc": {"n": 1}}`, `{"_id": 1, "n": {"$numberLong": "2147483648"}}`, false},
		{"$inc int32 by int64", `{"_id": 1, "n": 1}`, `{"$inc": {"n": {"$numberLong": "1"}}}`, `{"_id": 1, "n": {"$numberLong": "2"}}`, false},
		{"$inc int by double", `{"_id": 1, "n": 1}`, `{"$inc": {"n": 0.5}}`, `{"_id": 1, "n": 1.5}`, false},
		{"$inc double by int", `{"_id": 1, "n": 1.5}`, `{"$inc": {"n": 1}}`, `{"_id": 1, "n": 2.5}`, false},
		{"$inc decimal", `{"_id": 1, "n": {"$numberDecimal": "1.1"}}`, `{"$inc": {"n": 1}}`, `{"_id": 1, "n": {"$numberDecimal": "2.1"}}`, false},
		{"$inc int by decimal", `{"_id": 1, "n": 2}`, `{"$inc": {"n": {"$numberDecimal": "0.25"}}}`, `{"_id": 1, "n": {"$numberDecimal": "2.25"}}`, false},
		{"$inc missing sets", `{"_id": 1}`, `{"$inc": {"n": {"$numberLong": "5"}, "m.k": -1}}`, `{"_id": 1, "m": {"k": -1}, "n": {"$numberLong": "5"}}`, false},
		{"$inc negative", `{"_id": 1, "n": 5}`, `{"$inc": {"n": -7}}`, `{"_id": 1, "n": -2}`, false},
		{"$mul", `{"_id": 1, "n": 3}`, `{"$mul": {"n": 4}}`, `{"_id": 1, "n": 12}`, false},
		{"$mul int32 overflow to int64", `{"_id": 1, "n": 100000}`, `{"$mul": {"n": 100000}}`, `{"_id": 1, "n": {"$numberLong": "10000000000"}}`, false},
		{"$mul by double", `{"_id": 1, "n": 3}`, `{"$mul": {"n": 0.5}}`, `{"_id": 1, "n": 1.5}`, false},
		{"$mul missing sets zero of the multiplier's type", `{"_id": 1}`, `{"$mul": {"a": 5, "b": 2.5, "c": {"$numberLong": "2"}}}`, `{"_id": 1, "a": 0, "b": 0.0, "c": {"$numberLong": "0"}}`, false},
		{"$min lower", `{"_id": 1, "n": 5}`, `{"$min": {"n": 3}}`, `{"_id": 1, "n": 3}`, false},
		{"$min higher keeps", `{"_id": 1, "n": 5}`, `{"$min": {"n": 7}}`, `{"_id": 1, "n": 5}`, false},
		{"$min equal keeps type", `{"_id": 1, "n": 5}`, `{"$min": {"n": 5.0}}`, `{"_id": 1, "n": 5}`, false},
		{"$min across types", `{"_id": 1, "n": 5}`, `{"$min": {"n": null}}`, `{"_id": 1, "n": null}`, false},
		{"$min missing", `{"_id": 1}`, `{"$min": {"n": 5}}`, `{"_id": 1, "n": 5}`, false},
		{"$max", `{"_id": 1, "n": 5, "d": {"$date": 10}}`, `{"$max": {"n": 6, "d": {"$date": 5}}}`, `{"_id": 1, "n": 6, "d": {"$date": 10}}`, false},
		{"$max string beats number", `{"_id": 1, "n": 5}`, `{"$max": {"n": "a"}}`, `{"_id": 1, "n": "a"}`, false},
		{"$rename", `{"_id": 1, "a": 1, "b": 2}`, `{"$rename": {"a": "c"}}`, `{"_id": 1, "b": 2, "c": 1}`, false},
		{"$rename overwrites", `{"_id": 1, "a": 1, "c": 2}`, `{"$rename": {"a": "c"}}`, `{"_id": 1, "c": 1}`, false},
		{"$rename into nested", `{"_id": 1, "a": {"b": 1}}`, `{"$rename": {"a.b": "x.y"}}`, `{"_id": 1, "a": {}, "x": {"y": 1}}`, false},
		{"$rename missing source", `{"_id": 1}`, `{"$rename": {"a": "b"}}`, `{"_id": 1}`, false},
		{"$setOnInsert on update", `{"_id": 1}`, `{"$setOnInsert": {"a": 1}, "$set": {"b": 1}}`, `{"_id": 1, "b": 1}`, false},
		{"$setOnInsert on insert", `{"_id": 1}`, `{"$setOnInsert": {"a": 1}, "$set": {"b": 1}}`, `{"_id": 1, "a": 1, "b": 1}`, true},
		{"$currentDate", `{"_id": 1}`, `{"$currentDate": {"a": true, "b": {"$type": "date"}, "c": {"$type": "timestamp"}}}`, `{"_id": 1, "a": {"$date": 1000}, "b": {"$date": 1000}, "c": {"$timestamp": {"t": 1, "i": 1}}}`, false},
		{"$push", `{"_id": 1, "a": [1]}`, `{"$push": {"a": 2}}`, `{"_id": 1, "a": [1, 2]}`, false},
		{"$push array value", `{"_id": 1, "a": [1]}`, `{"$push": {"a": [2, 3]}}`, `{"_id": 1, "a": [1, [2, 3]]}`, false},
		{"$push creates array", `{"_id": 1}`, `{"$push": {"a.b": "x"}}`, `{"_id": 1, "a": {"b": ["x"]}}`, false},
		{"$push $each", `{"_id": 1, "a": [1]}`, `{"$push": {"a": {"$each": [2, 3]}}}`, `{"_id": 1, "a": [1, 2, 3]}`, false},
		{"$push $position", `{"_id": 1, "a": [1, 2]}`, `{"$push": {"a": {"$each": [9, 8], "$position": 1}}}`, `{"_id": 1, "a": [1, 9, 8, 2]}`, false},
		{"$push negative $position", `{"_id": 1, "a": [1, 2, 3]}`, `{"$push": {"a": {"$each": [9], "$position": -1}}}`, `{"_id": 1, "a": [1, 2, 9, 3]}`, false},
		{"$push $slice", `{"_id": 1, "a": [1, 2]}`, `{"$push": {"a": {"$each": [3, 4], "$slice": 3}}}`, `{"_id": 1, "a": [1, 2, 3]}`, false},
		{"$push negative $slice", `{"_id": 1, "a": [1, 2]}`, `{"$push": {"a": {"$each": [3, 4], "$slice": -3}}}`, `{"_id": 1, "a": [2, 3, 4]}`, false},
		{"$push $sort values", `{"_id": 1, "a": [3, 1]}`, `{"$push": {"a": {"$each": [2], "$sort": -1}}}`, `{"_id": 1, "a": [3, 2, 1]}`, false},
		{"$push $sort documents", `{"_id": 1, "a": [{"s": 2}, {"s": 3}]}`, `{"$push": {"a": {"$each": [{"s": 1}], "$sort": {"s": 1}, "$slice": 2}}}`, `{"_id": 1, "a": [{"s": 1}, {"s": 2}]}`, false},
		{"$addToSet", `{"_id": 1, "a": [1, 2]}`, `{"$addToSet": {"a": 3}}`, `{"_id": 1, "a": [1, 2, 3]}`, false},
		{"$addToSet existing by numeric value", `{"_id": 1, "a": [1, 2]}`, `{"$addToSet": {"a": 2.0}}`, `{"_id": 1, "a": [1, 2]}`, false},
		{"$addToSet $each", `{"_id": 1, "a": [1]}`, `{"$addToSet": {"a": {"$each": [1, 2, 2, 3]}}}`, `{"_id": 1, "a": [1, 2, 3]}`, false},
		{"$addToSet creates", `{"_id": 1}`, `{"$addToSet": {"a": {"x": 1}}}`, `{"_id": 1, "a": [{"x": 1}]}`, false},
		{"$pop last", `{"_id": 1, "a": [1, 2, 3]}`, `{"$pop": {"a": 1}}`, `{"_id": 1, "a": [1, 2]}`, false},
		{"$pop first", `{"_id": 1, "a": [1, 2, 3]}`, `{"$pop": {"a": -1}}`, `{"_id": 1, "a": [2, 3]}`, false},
		{"$pop missing", `{"_id": 1}`, `{"$pop": {"a": 1}}`, `{"_id": 1}`, false},
		{"$pop empty", `{"_id": 1, "a": []}`, `{"$pop": {"a": 1}}`, `{"_id": 1, "a": []}`, false},
		{"$pull value", `{"_id": 1, "a": [1, 2, 1.0, "1"]}`, `{"$pull": {"a": 1}}`, `{"_id": 1, "a": [2, "1"]}`, false},
		{"$pull condition", `{"_id": 1, "a": [1, 5, 6, 9]}`, `{"$pull": {"a": {"$gte": 6}}}`, `{"_id": 1, "a": [1, 5]}`, false},
		{"$pull condition matches inside nested arrays", `{"_id": 1, "a": [[1, 7], [2], 9]}`, `{"$pull": {"a": {"$gte": 6}}}`, `{"_id": 1, "a": [[2]]}`, false},
		{"$pull $in", `{"_id": 1, "a": ["x", "y", "z"]}`, `{"$pull": {"a": {"$in": ["x", "z"]}}}`, `{"_id": 1, "a": ["y"]}`, false},
		{"$pull document query", `{"_id": 1, "a": [{"s": 8, "i": "B"}, {"s": 8, "i": "C"}, 8]}`, `{"$pull": {"a": {"s": 8, "i": "B"}}}`, `{"_id": 1, "a": [{"s": 8, "i": "C"}, 8]}`, false},
		{"$pull document query with operators", `{"_id": 1, "a": [{"s": 1}, {"s": 9}]}`, `{"$pull": {"a": {"s": {"$gt": 5}}}}`, `{"_id": 1, "a": [{"s": 1}]}`, false},
		{"$pull array value", `{"_id": 1, "a": [[1, 2], [2, 1], 1]}`, `{"$pull": {"a": [1, 2]}}`, `{"_id": 1, "a": [[2, 1], 1]}`, false},
		{"$pull regex", `{"_id": 1, "a": ["apple", "berry"]}`, `{"$pull": {"a": {"$regularExpression": {"pattern": "^a", "options": ""}}}}`, `{"_id": 1, "a": ["berry"]}`, false},
		{"$pull missing", `{"_id": 1}`, `{"$pull": {"a": 1}}`, `{"_id": 1}`, false},
		{"$pullAll", `{"_id": 1, "a": [1, 2, 3, 1]}`, `{"$pullAll": {"a": [1, 3]}}`, `{"_id": 1, "a": [2]}`, false},
		{"several operators", `{"_id": 1, "a": 1, "b": [1]}`, `{"$inc": {"a": 1}, "$push": {"b": 2}, "$set": {"c": true}}`, `{"_id": 1, "a": 2, "b": [1, 2], "c": true}`, false},
		{"set _id on insert", `{}`, `{"$set": {"_id": 5, "a": 1}}`, `{"_id": 5, "a": 1}`, true},
	}
	defer func(old func() time.Time) { now = old }(now)
	now = func() time.Time { return time.Unix(1, 0) }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := ParseUpdate(D(tt.update))
			if err != nil {
				t.Fatalf("ParseUpdate(%s): %v", tt.update, err)
			}
			if u.IsReplacement() {
				t.Fatal("IsReplacement() = true for an operator update")
			}
			checkApply(t, u, tt.doc, tt.want, tt.insert)
		})
	}
}

func TestApplyUpdateErrors(t *testing.T) {
	tests := []struct {
		name   string
		doc    string
		update string
		code   int32
	}{
		{"$inc on string", `{"_id": 1, "a": "x"}`, `{"$inc": {"a": 1}}`, 14},
		{"$mul on null", `{"_id": 1, "a": null}`, `{"$mul": {"a": 2}}`, 14},
		{"$inc int64 overflow", `{"_id": 1, "a": {"$numberLong": "9223372036854775807"}}`, `{"$inc": {"a": 1}}`, 2},
		{"$mul int64 overflow", `{"_id": 1, "a": {"$numberLong": "9223372036854775807"}}`, `{"$mul": {"a": 2}}`, 2},
		{"$set through a scalar", `{"_id": 1, "a": 5}`, `{"$set": {"a.b": 1}}`, 28},
		{"$set through null", `{"_id": 1, "a": null}`, `{"$set": {"a.b": 1}}`, 28},
		{"$set field of array", `{"_id": 1, "a": [1]}`, `{"$set": {"a.b": 1}}`, 28},
		{"$set changes _id", `{"_id": 1}`, `{"$set": {"_id": 2}}`, 66},
		{"$set changes _id type", `{"_id": 1}`, `{"$set": {"_id": 1.0}}`, 66},
		{"$set inside _id", `{"_id": {"a": 1}}`, `{"$set": {"_id.a": 2}}`, 66},
		{"$unset _id", `{"_id": 1}`, `{"$unset": {"_id": 1}}`, 66},
		{"$rename _id", `{"_id": 1}`, `{"$rename": {"_id": "x"}}`, 66},
		{"$set _id to array on insert", `{}`, `{"$set": {"_id": [1]}}`, 53},
		{"$push on non-array", `{"_id": 1, "a": 1}`, `{"$push": {"a": 2}}`, 2},
		{"$addToSet on non-array", `{"_id": 1, "a": 1}`, `{"$addToSet": {"a": 2}}`, 2},
		{"$pop on non-array", `{"_id": 1, "a": 1}`, `{"$pop": {"a": 1}}`, 14},
		{"$pull on non-array", `{"_id": 1, "a": 1}`, `{"$pull": {"a": 1}}`, 2},
		{"$rename through array", `{"_id": 1, "a": [{"b": 1}]}`, `{"$rename": {"a.b": "c"}}`, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := ParseUpdate(D(tt.update))
			if err != nil {
				t.Fatalf("ParseUpdate(%s): %v", tt.update, err)
			}
			_, err = u.Apply(D(tt.doc), tt.doc == `{}`)
			wantCode(t, err, tt.code)
		})
	}
}

func TestParseUpdateErrors(t *testing.T) {
	tests := []struct {
		name   string
		update any
		code   int32
	}{
		{"pipeline stage not allowed in an update", bson.A{D(`{"$match": {"a": 1}}`)}, 72},
		{"unknown modifier", D(`{"$foo": {"a": 1}}`), 9},
		{"unsupported modifier", D(`{"$bit": {"a": {"and": 1}}}`), 2},
		{"mixed operator first", D(`{"$set": {"a": 1}, "b": 1}`), 9},
		{"mixed replacement first", D(`{"b": 1, "$set": {"a": 1}}`), 52},
		{"modifier argument not a document", D(`{"$set": 1}`), 9},
		{"$inc non-numeric", D(`{"$inc": {"a": "1"}}`), 14},
		{"$mul non-numeric", D(`{"$mul": {"a": null}}`), 14},
		{"same path twice", D(`{"$set": {"a": 1}, "$inc": {"a": 1}}`), 40},
		{"prefix conflict", D(`{"$set": {"a.b": 1}, "$unset": {"a": 1}}`), 40},
		{"rename conflict", D(`{"$rename": {"a": "b"}, "$set": {"a": 1}}`), 40},
		{"rename onto its own path", D(`{"$rename": {"a": "a.b"}}`), 2},
		{"rename to itself", D(`{"$rename": {"a": "a"}}`), 2},
		{"rename to non-string", D(`{"$rename": {"a": 1}}`), 2},
		{"empty path component", D(`{"$set": {"a..b": 1}}`), 56},
		{"empty path", D(`{"$set": {"": 1}}`), 56},
		{"two positional operators", D(`{"$set": {"a.$.b.$": 1}}`), 2},
		{"array filter without a filter", D(`{"$set": {"a.$[x].b": 1}}`), 2},
		{"dynamic $rename source", D(`{"$rename": {"a.$[]": "b"}}`), 2},
		{"$pop argument", D(`{"$pop": {"a": 2}}`), 9},
		{"$currentDate argument", D(`{"$currentDate": {"a": {"$type": "string"}}}`), 2},
		{"$push $each not an array", D(`{"$push": {"a": {"$each": 1}}}`), 2},
		{"$push unknown clause", D(`{"$push": {"a": {"$each": [1], "$bad": 1}}}`), 2},
		{"$push bad $sort", D(`{"$push": {"a": {"$each": [1], "$sort": 2}}}`), 2},
		{"$addToSet extra clause", D(`{"$addToSet": {"a": {"$each": [1], "$slice": 1}}}`), 2},
		{"$pullAll not an array", D(`{"$pullAll": {"a": 1}}`), 2},
		{"$pull bad operator", D(`{"$pull": {"a": {"$bad": 1}}}`), 2},
		{"replacement with array _id", D(`{"_id": [1]}`), 53},
		{"not a document", int32(5), 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseUpdate(tt.update)
			wantCode(t, err, tt.code)
		})
	}
}

func TestReplacement(t *testing.T) {
	tests := []struct {
		doc, repl, want string
		code            int32
	}{
		{`{"_id": 1, "a": 1}`, `{"b": 2}`, `{"_id": 1, "b": 2}`, 0},
		{`{"_id": 1, "a": 1}`, `{"b": 2, "_id": 1}`, `{"_id": 1, "b": 2}`, 0},
		{`{"_id": 1, "a": 1}`, `{}`, `{"_id": 1}`, 0},
		{`{"_id": 1}`, `{"_id": 2}`, ``, 66},
		{`{}`, `{"a": 1}`, `{"a": 1}`, 0},
		{`{"_id": 3}`, `{"a": {"b": 1}}`, `{"_id": 3, "a": {"b": 1}}`, 0},
	}
	for _, tt := range tests {
		u, err := ParseUpdate(D(tt.repl))
		if err != nil {
			t.Fatalf("ParseUpdate(%s): %v", tt.repl, err)
		}
		if !u.IsReplacement() {
			t.Fatalf("IsReplacement() = false for %s", tt.repl)
		}
		got, err := u.Apply(D(tt.doc), false)
		if tt.code != 0 {
			wantCode(t, err, tt.code)
			continue
		}
		if err != nil {
			t.Fatalf("Apply(%s) to %s: %v", tt.repl, tt.doc, err)
		}
		if d := diff(D(tt.want), got); d != "" {
			t.Errorf("replace %s with %s (-want +got):\n%s", tt.doc, tt.repl, d)
		}
	}
}

func TestHugeArrayIndexRefused(t *testing.T) {
	u, err := ParseUpdate(D(`{"$set": {"a.1500001": 1}}`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = u.Apply(D(`{"_id": 1, "a": []}`), false)
	wantCode(t, err, CodeCannotBackfillArray)
}
