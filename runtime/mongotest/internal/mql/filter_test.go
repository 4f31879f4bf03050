package mql

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestMatch checks each filter against a fixed set of documents and compares
// the set of matching _ids.
func TestMatch(t *testing.T) {
	docs := Docs(`[
		{"_id": 1, "a": 1, "s": "apple", "t": ["x", "y"]},
		{"_id": 2, "a": 2.0, "s": "Banana", "n": null},
		{"_id": 3, "a": {"$numberLong": "3"}, "s": "cherry\nberry", "arr": [1, 5, 10]},
		{"_id": 4, "a": "4", "arr": [[1, 2], 3], "sub": {"b": 1, "c": [1, 2]}},
		{"_id": 5, "a": [1, 2, 3], "sub": [{"b": 1}, {"b": 2, "d": 7}], "u": {"$undefined": true}},
		{"_id": 6, "a": null, "arr": [], "sub": {"b": [{"e": 1}, {"e": 2}]}},
		{"_id": 7, "a": {"$numberDecimal": "2.0"}, "arr": [{"x": 1, "y": 2}, {"x": 2, "y": 1}], "d": {"$date": 1000}},
		{"_id": 8, "a": {"x": 1, "y": 2}, "arr": [1, 2], "t": "z", "nan": {"$numberDouble": "NaN"}},
		{"_id": 9, "mk": {"$minKey": 1}, "arr": [[]], "sub": [1, 2]},
		{"_id": 10, "a": [], "arr": [null], "sub": [{"c": 1}, 3]}
	]`)
	tests := []struct {
		name   string
		filter string
		want   []int32
	}{
		{"empty", `{}`, []int32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
		{"eq across numeric types", `{"a": 2}`, []int32{2, 5, 7}},
		{"eq int64", `{"a": {"$numberLong": "3"}}`, []int32{3, 5}},
		{"eq double", `{"a": 1.0}`, []int32{1, 5}},
		{"eq decimal", `{"a": {"$numberDecimal": "2"}}`, []int32{2, 5, 7}},
		{"eq string is not a number", `{"a": "4"}`, []int32{4}},
		{"$eq operator", `{"a": {"$eq": 2}}`, []int32{2, 5, 7}},
		{"eq whole array", `{"a": [1, 2, 3]}`, []int32{5}},
		{"eq array order matters", `{"a": [3, 2, 1]}`, nil},
		{"eq empty array", `{"a": []}`, []int32{10}},
		{"eq nested array element", `{"arr": [1, 2]}`, []int32{4, 8}},
		{"eq document", `{"a": {"x": 1, "y": 2}}`, []int32{8}},
		{"eq document field order matters", `{"a": {"y": 2, "x": 1}}`, nil},
		{"eq document is literal with $eq", `{"a": {"$eq": {"x": 1, "y": 2}}}`, []int32{8}},
		{"null matches null and missing", `{"a": null}`, []int32{6, 9}},
		{"null does not match undefined", `{"u": null}`, []int32{1, 2, 3, 4, 6, 7, 8, 9, 10}},
		{"null in array", `{"arr": null}`, []int32{1, 2, 5, 10}},
		{"null on missing subfield in array of docs", `{"sub.b": null}`, []int32{1, 2, 3, 7, 8, 10}},
		{"$ne null", `{"a": {"$ne": null}}`, []int32{1, 2, 3, 4, 5, 7, 8, 10}},
		{"$ne value", `{"a": {"$ne": 2}}`, []int32{1, 3, 4, 6, 8, 9, 10}},
		{"$ne array element", `{"arr": {"$ne": 1}}`, []int32{1, 2, 4, 5, 6, 7, 9, 10}},
		{"$gt numbers only", `{"a": {"$gt": 1}}`, []int32{2, 3, 5, 7}},
		{"$gte", `{"a": {"$gte": 2}}`, []int32{2, 3, 5, 7}},
		{"$lt", `{"a": {"$lt": 2}}`, []int32{1, 5}},
		{"$lte", `{"a": {"$lte": 1}}`, []int32{1, 5}},
		{"$gt string bracket", `{"s": {"$gt": "B"}}`, []int32{1, 2, 3}},
		{"$lt string bracket is bytewise", `{"s": {"$lt": "a"}}`, []int32{2}},
		{"range on array: elements may satisfy different bounds", `{"arr": {"$gt": 3, "$lt": 4}}`, []int32{3}},
		{"$elemMatch range needs one element", `{"arr": {"$elemMatch": {"$gt": 3, "$lt": 4}}}`, nil},
		{"$gte null", `{"a": {"$gte": null}}`, []int32{6, 9}},
		{"$gt null", `{"a": {"$gt": null}}`, nil},
		{"$lt MaxKey matches missing too", `{"s": {"$lt": {"$maxKey": 1}}}`, []int32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
		{"$gt MinKey", `{"a": {"$gt": {"$minKey": 1}}}`, []int32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
		{"$gt MinKey on MinKey", `{"mk": {"$gt": {"$minKey": 1}}}`, []int32{1, 2, 3, 4, 5, 6, 7, 8, 10}},
		{"$lte MaxKey matches missing", `{"zz": {"$lte": {"$maxKey": 1}}}`, []int32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
		{"$gt MaxKey", `{"a": {"$gt": {"$maxKey": 1}}}`, nil},
		{"$gte MinKey matches everything", `{"mk": {"$gte": {"$minKey": 1}}}`, []int32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
		{"$lte MinKey", `{"mk": {"$lte": {"$minKey": 1}}}`, []int32{9}},
		{"$gt array compares whole arrays", `{"arr": {"$gt": [1, 2]}}`, []int32{3, 4, 7, 9}},
		{"$gte array", `{"arr": {"$gte": [1, 2]}}`, []int32{3, 4, 7, 8, 9}},
		{"$lt array", `{"arr": {"$lt": [1, 2]}}`, []int32{6, 9, 10}},
		{"$gt document", `{"a": {"$gt": {"x": 1}}}`, []int32{8}},
		{"$gt date", `{"d": {"$gt": {"$date": 0}}}`, []int32{7}},
		{"NaN equals NaN", `{"nan": {"$numberDouble": "NaN"}}`, []int32{8}},
		{"NaN not greater", `{"nan": {"$gt": 0}}`, nil},
		{"NaN $lt", `{"nan": {"$lt": 0}}`, nil},
		{"NaN $gte NaN", `{"nan": {"$gte": {"$numberDouble": "NaN"}}}`, []int32{8}},
		{"$in", `{"a": {"$in": [1, "4"]}}`, []int32{1, 4, 5}},
		{"$in null", `{"a": {"$in": [null]}}`, []int32{6, 9}},
		{"$in regex", `{"s": {"$in": [{"$regularExpression": {"pattern": "^b", "options": "i"}}]}}`, []int32{2}},
		{"$in empty", `{"a": {"$in": []}}`, nil},
		{"$nin", `{"a": {"$nin": [1, 2]}}`, []int32{3, 4, 6, 8, 9, 10}},
		{"$nin null", `{"a": {"$nin": [null]}}`, []int32{1, 2, 3, 4, 5, 7, 8, 10}},
		{"$exists true", `{"n": {"$exists": true}}`, []int32{2}},
		{"$exists false", `{"a": {"$exists": false}}`, []int32{9}},
		{"$exists numeric flag", `{"n": {"$exists": 1}}`, []int32{2}},
		{"$exists on array subfield", `{"sub.b": {"$exists": true}}`, []int32{4, 5, 6}},
		{"$exists false on array of scalars", `{"sub.b": {"$exists": false}}`, []int32{1, 2, 3, 7, 8, 9, 10}},
		{"dotted path", `{"sub.b": 1}`, []int32{4, 5}},
		{"dotted path through array of docs", `{"sub.b": 2}`, []int32{5}},
		{"dotted path through two arrays", `{"sub.b.e": 2}`, []int32{6}},
		{"dotted path into array value", `{"sub.c": 2}`, []int32{4}},
		{"positional path", `{"arr.1": 5}`, []int32{3}},
		{"positional path on nested array", `{"arr.0": [1, 2]}`, []int32{4}},
		{"positional then field", `{"arr.0.x": 1}`, []int32{7}},
		{"positional path out of range", `{"arr.5": {"$exists": true}}`, nil},
		{"positional path null", `{"arr.0": null}`, []int32{1, 2, 5, 7, 10}}, // 7: its documents lack a field "0"
		{"positional element is not expanded", `{"arr.0": 1}`, []int32{3, 8}},
		{"positional path on document", `{"sub.1.b": 2}`, []int32{5}},
		{"$and", `{"$and": [{"a": {"$gte": 1}}, {"a": {"$lt": 3}}]}`, []int32{1, 2, 5, 7}},
		{"$or", `{"$or": [{"a": 1}, {"s": "Banana"}]}`, []int32{1, 2, 5}},
		{"$nor", `{"$nor": [{"a": 1}, {"a": null}]}`, []int32{2, 3, 4, 7, 8, 10}},
		{"implicit and", `{"a": 1, "t": "y"}`, []int32{1}},
		{"$not", `{"a": {"$not": {"$gt": 1}}}`, []int32{1, 4, 6, 8, 9, 10}},
		{"$not regex", `{"s": {"$not": {"$regularExpression": {"pattern": "an", "options": ""}}}}`, []int32{1, 3, 4, 5, 6, 7, 8, 9, 10}},
		{"$not of conjunction", `{"a": {"$not": {"$gte": 1, "$lte": 2}}}`, []int32{3, 4, 6, 8, 9, 10}},
		{"$size", `{"arr": {"$size": 2}}`, []int32{4, 7, 8}},
		{"$size zero", `{"arr": {"$size": 0}}`, []int32{6}},
		{"$size does not look at elements", `{"arr": {"$size": 1}}`, []int32{9, 10}},
		{"$all", `{"a": {"$all": [1, 3]}}`, []int32{5}},
		{"$all scalar field", `{"a": {"$all": [1]}}`, []int32{1, 5}},
		{"$all empty matches nothing", `{"a": {"$all": []}}`, nil},
		{"$all with $elemMatch", `{"arr": {"$all": [{"$elemMatch": {"x": 2}}, {"$elemMatch": {"y": 2}}]}}`, []int32{7}},
		{"$all nested array", `{"arr": {"$all": [[1, 2]]}}`, []int32{4, 8}},
		{"$elemMatch object form", `{"arr": {"$elemMatch": {"x": 1, "y": 2}}}`, []int32{7}},
		{"$elemMatch object form on array elements", `{"arr": {"$elemMatch": {"0": 1}}}`, []int32{4}},
		{"$elemMatch empty object form", `{"arr": {"$elemMatch": {}}}`, []int32{4, 7, 9}},
		{"$elemMatch object form needs one element", `{"arr": {"$elemMatch": {"x": 1, "y": 1}}}`, nil},
		{"dotted fields may match different elements", `{"arr.x": 1, "arr.y": 1}`, []int32{7}},
		{"$elemMatch value form", `{"arr": {"$elemMatch": {"$gte": 5, "$lt": 10}}}`, []int32{3}},
		{"$elemMatch value form with $ne", `{"arr": {"$elemMatch": {"$ne": 1}}}`, []int32{3, 4, 7, 8, 9, 10}},
		{"$elemMatch with $or", `{"arr": {"$elemMatch": {"$or": [{"x": 2}, {"y": 9}]}}}`, []int32{7}},
		{"$elemMatch on non-array", `{"a": {"$elemMatch": {"$eq": 1}}}`, []int32{5}},
		{"$elemMatch nested array element", `{"arr": {"$elemMatch": {"$size": 2}}}`, []int32{4}},
		{"$type alias", `{"a": {"$type": "string"}}`, []int32{4}},
		{"$type code", `{"a": {"$type": 1}}`, []int32{2}},
		{"$type int", `{"a": {"$type": "int"}}`, []int32{1, 5}},
		{"$type long", `{"a": {"$type": "long"}}`, []int32{3}},
		{"$type decimal", `{"a": {"$type": "decimal"}}`, []int32{7}},
		{"$type number", `{"a": {"$type": "number"}}`, []int32{1, 2, 3, 5, 7}},
		{"$type array", `{"a": {"$type": "array"}}`, []int32{5, 10}},
		{"$type object", `{"a": {"$type": "object"}}`, []int32{8}},
		{"$type null", `{"a": {"$type": "null"}}`, []int32{6}},
		{"$type several", `{"a": {"$type": ["null", 2]}}`, []int32{4, 6}},
		{"$type undefined", `{"u": {"$type": "undefined"}}`, []int32{5}},
		{"$type minKey", `{"mk": {"$type": -1}}`, []int32{9}},
		{"$type date", `{"d": {"$type": "date"}}`, []int32{7}},
		{"$regex", `{"s": {"$regex": "an"}}`, []int32{2}},
		{"$regex options i", `{"s": {"$regex": "^b", "$options": "i"}}`, []int32{2}},
		{"$regex anchors without m", `{"s": {"$regex": "^berry"}}`, nil},
		{"$regex option m", `{"s": {"$regex": "^berry", "$options": "m"}}`, []int32{3}},
		{"$regex dot without s", `{"s": {"$regex": "y.b"}}`, nil},
		{"$regex option s", `{"s": {"$regex": "y.b", "$options": "s"}}`, []int32{3}},
		{"$regex option x", `{"s": {"$regex": "a p  # comment\n p", "$options": "x"}}`, []int32{1}},
		{"$regex with regex value", `{"s": {"$regex": {"$regularExpression": {"pattern": "APP", "options": "i"}}}}`, []int32{1}},
		{"regex value", `{"s": {"$regularExpression": {"pattern": "rr", "options": ""}}}`, []int32{3}},
		{"regex on array elements", `{"t": {"$regularExpression": {"pattern": "^y", "options": ""}}}`, []int32{1}},
		{"regex does not match numbers", `{"a": {"$regex": "4"}}`, []int32{4}},
		{"$mod", `{"a": {"$mod": [2, 0]}}`, []int32{2, 5, 7}},
		{"$comment ignored", `{"a": 1, "$comment": "hi"}`, []int32{1, 5}},
		{"$alwaysFalse", `{"$alwaysFalse": 1}`, nil},
		{"$alwaysTrue", `{"$alwaysTrue": 1}`, []int32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ParseFilter(D(tt.filter))
			if err != nil {
				t.Fatalf("ParseFilter(%s): %v", tt.filter, err)
			}
			var got []int32
			for _, d := range docs {
				if f.Match(d) {
					id, _ := lookup(d, "_id")
					got = append(got, id.(int32))
				}
			}
			if d := diff(tt.want, got); d != "" {
				t.Errorf("filter %s matched (-want +got):\n%s", tt.filter, d)
			}
		})
	}
}

func TestNilFilterMatchesAll(t *testing.T) {
	var f *Filter
	if !f.Match(D(`{"a": 1}`)) {
		t.Error("nil filter did not match")
	}
	f, err := ParseFilter(nil)
	if err != nil || !f.Match(bson.D{}) {
		t.Errorf("ParseFilter(nil) = %v, %v", f, err)
	}
}

func TestParseFilterErrors(t *testing.T) {
	tests := []struct {
		filter string
		code   int32
	}{
		{`{"a": {"$foo": 1}}`, 2},
		{`{"$foo": 1}`, 2},
		{`{"a": {"$gt": 1, "b": 1}}`, 2},
		{`{"$and": []}`, 2},
		{`{"$or": {}}`, 2},
		{`{"$nor": [1]}`, 2},
		{`{"a": {"$in": 1}}`, 2},
		{`{"a": {"$nin": [{"$gt": 1}]}}`, 2},
		{`{"a": {"$size": -1}}`, 2},
		{`{"a": {"$size": 1.5}}`, 2},
		{`{"a": {"$size": "1"}}`, 2},
		{`{"a": {"$type": "nope"}}`, 2},
		{`{"a": {"$type": 99}}`, 2},
		{`{"a": {"$type": true}}`, 14},
		{`{"a": {"$all": 1}}`, 2},
		{`{"a": {"$elemMatch": 1}}`, 2},
		{`{"a": {"$not": 1}}`, 2},
		{`{"a": {"$not": {}}}`, 2},
		{`{"a": {"$options": "i"}}`, 2},
		{`{"a": {"$regex": 1}}`, 2},
		{`{"a": {"$regex": "x", "$options": "z"}}`, 51108},
		{`{"a": {"$regex": {"$regularExpression": {"pattern": "x", "options": "i"}}, "$options": "m"}}`, 51075},
		{`{"a": {"$regex": "(?=x)"}}`, 2},
		{`{"a": {"$regex": "(a)\\1"}}`, 2},
		{`{"a": {"$ne": {"$regularExpression": {"pattern": "x", "options": ""}}}}`, 2},
		{`{"a": {"$mod": [0, 1]}}`, 2},
		{`{"a": {"$mod": [1]}}`, 2},
		{`{"a": {"$near": [0, 0]}}`, 2},
		{`{"$where": "true"}`, 2},
		{`{"$expr": {"$eq": ["$a", "$$undefinedVar"]}}`, 17276},
		{`{"$expr": {"$getField": "a"}}`, 2},
		{`{"$expr": {"$in": ["$a", "$b"]}}`, 2},
		{`{"$expr": {"$toUpper": "x"}}`, 168},
		{`{"$and": [{"a": {"$bad": 1}}]}`, 2},
		{`{"a": {"$elemMatch": {"$gt": 1, "$bad": 1}}}`, 2},
		{`{"a": {"$undefined": true}}`, 2},
		{`{"a": {"$gt": {"$undefined": true}}}`, 2},
		{`{"a": {"$in": [{"$undefined": true}]}}`, 2},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			_, err := ParseFilter(D(tt.filter))
			wantCode(t, err, tt.code)
		})
	}
	_, err := ParseFilter(D(`{"a": {"$foo": 1}}`))
	if got, want := err.(*Error).Message, "unknown operator: $foo"; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
}

func TestUpsertSeed(t *testing.T) {
	tests := []struct {
		filter string
		want   string
	}{
		{`{}`, `{}`},
		{`{"a": 1, "b": {"$gt": 1}}`, `{"a": 1}`},
		{`{"b": 2, "_id": 7}`, `{"_id": 7, "b": 2}`},
		{`{"a.b": 1, "a.c": {"$eq": "x"}}`, `{"a": {"b": 1, "c": "x"}}`},
		{`{"$and": [{"a": 1}, {"c": {"d": 1}}], "$or": [{"e": 1}, {"f": 1}]}`, `{"a": 1, "c": {"d": 1}}`},
		{`{"a": {"$regularExpression": {"pattern": "x", "options": ""}}, "b": {"$in": [1, 2]}}`, `{}`},
		{`{"b": {"$in": [1, 1.0]}, "c": {"$in": [{"$regularExpression": {"pattern": "x", "options": ""}}]}}`, `{"b": 1}`},
		{`{"a": {"$gt": 0, "$eq": 5}}`, `{"a": 5}`},
		{`{"a": 1, "a.b": 2}`, `{"a": 1}`},
		{`{"a": null}`, `{"a": null}`},
	}
	for _, tt := range tests {
		f, err := ParseFilter(D(tt.filter))
		if err != nil {
			t.Fatal(err)
		}
		if d := diff(D(tt.want), f.UpsertSeed()); d != "" {
			t.Errorf("UpsertSeed(%s) (-want +got):\n%s", tt.filter, d)
		}
	}
}

func TestUpsertDocConflicts(t *testing.T) {
	tests := []struct {
		filter string
		want   string
		code   int32
	}{
		{`{"a": 1, "b.c": {"$eq": 2}}`, `{"a": 1, "b": {"c": 2}}`, 0},
		{`{"a": 1, "$and": [{"a": 2}]}`, ``, 54},
		{`{"a": 1, "a.b": 2}`, ``, 54},
		{`{"a.b": 2, "a": {"b": 2}}`, ``, 54},
		{`{"a.b": 1, "a.c": 2}`, `{"a": {"b": 1, "c": 2}}`, 0},
		{`{"a": {"$eq": 1, "$in": [2]}}`, ``, 54},
	}
	for _, tt := range tests {
		f, err := ParseFilter(D(tt.filter))
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.UpsertDoc()
		if tt.code != 0 {
			wantCode(t, err, tt.code)
			continue
		}
		if err != nil {
			t.Fatalf("UpsertDoc(%s): %v", tt.filter, err)
		}
		if d := diff(D(tt.want), got); d != "" {
			t.Errorf("UpsertDoc(%s) (-want +got):\n%s", tt.filter, d)
		}
	}
}

// TestNullSemantics pins mongod 8.0's treatment of null, undefined, missing
// fields and arrays in equality to null, on plain and dotted paths.
func TestNullSemantics(t *testing.T) {
	docs := Docs(`[
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
	]`)
	tests := []struct {
		filter string
		want   []int32
	}{
		{`{"a": null}`, []int32{2, 8, 14}},
		{`{"a": {"$ne": null}}`, []int32{1, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 15, 16}},
		{`{"a": {"$in": [null, 75]}}`, []int32{2, 8, 14}},
		{`{"a": {"$not": {"$gte": null}}}`, []int32{1, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 15, 16}},
		{`{"a": {"$exists": false}}`, []int32{8}},
		{`{"a": {"$elemMatch": {"$eq": null}}}`, []int32{14}},
		{`{"a": {"$elemMatch": {"$ne": null}}}`, []int32{9, 11, 12, 13, 15, 16}},
		{`{"a.b": null}`, []int32{1, 2, 3, 5, 7, 8, 11, 13}},
		{`{"a.b": {"$ne": null}}`, []int32{4, 6, 9, 10, 12, 14, 15, 16}},
		{`{"a.b": {"$exists": false}}`, []int32{1, 2, 3, 7, 8, 9, 10, 14, 15, 16}},
		{`{"a.b": {"$in": [null, 75]}}`, []int32{1, 2, 3, 5, 7, 8, 11, 13}},
	}
	for _, tt := range tests {
		f, err := ParseFilter(D(tt.filter))
		if err != nil {
			t.Fatal(err)
		}
		var got []int32
		for _, d := range docs {
			if f.Match(d) {
				id, _ := lookup(d, "_id")
				got = append(got, id.(int32))
			}
		}
		if d := diff(tt.want, got); d != "" {
			t.Errorf("filter %s (-want +got):\n%s", tt.filter, d)
		}
	}
}

// TestPositionalPaths covers numeric path components, which name both an
// array position and a field of the array's documents.
func TestPositionalPaths(t *testing.T) {
	tests := []struct {
		doc, filter string
		want        bool
	}{
		{`{"a": [{"1": 4}, 5]}`, `{"a.1": 4}`, true},
		{`{"a": [{"1": 4}, 5]}`, `{"a.1": 5}`, true},
		{`{"a": [{"1": {"foo": 4}}, {"foo": 5}]}`, `{"a.1.foo": 4}`, true},
		{`{"a": [{"1": {"foo": 4}}, {"foo": 5}]}`, `{"a.1.foo": 5}`, true},
		{`{"a": [{"1": {"foo": 4}}, {}]}`, `{"a.1": {"$exists": true}}`, true},
		{`{"a": [{"1": {"foo": 4}}, {}]}`, `{"a.1.foo": {"$exists": true}}`, true},
		{`{"a": [[{"b": 1}]]}`, `{"a.0.b": 1}`, true},
		{`{"a": [[1, 2]]}`, `{"a.0": 1}`, false},
		{`{"a": [[1, 2]]}`, `{"a.0": [1, 2]}`, true},
		{`{"a": [[1, 2]]}`, `{"a.0.1": 2}`, true},
		{`{"a": [1, 2]}`, `{"a.01": 1}`, false},
		{`{"a": [1, 2]}`, `{"a.5": {"$exists": false}}`, true},
		{`{"a": {"0": 7}}`, `{"a.0": 7}`, true},
	}
	for _, tt := range tests {
		f, err := ParseFilter(D(tt.filter))
		if err != nil {
			t.Fatal(err)
		}
		if got := f.Match(D(tt.doc)); got != tt.want {
			t.Errorf("%s matches %s = %v, want %v", tt.filter, tt.doc, got, tt.want)
		}
	}
}
