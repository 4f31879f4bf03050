package mql

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func TestApplyUpdateWith(t *testing.T) {
	tests := []struct {
		name, doc, query, update, arrayFilters, let, want string
	}{
		{"$ scalar element", `{"_id": 1, "a": [1, 2, 3]}`, `{"a": 2}`, `{"$set": {"a.$": 9}}`, ``, ``, `{"_id": 1, "a": [1, 9, 3]}`},
		{"$ first matching element", `{"_id": 1, "a": [5, 7, 8]}`, `{"a": {"$gt": 6}}`, `{"$set": {"a.$": 0}}`, ``, ``, `{"_id": 1, "a": [5, 0, 8]}`},
		{"$ subfield inside $and", `{"_id": 1, "a": [{"x": 1}, {"x": 2}]}`, `{"$and": [{"_id": 1}, {"a.x": 2}]}`, `{"$set": {"a.$.y": 1}}`, ``, ``, `{"_id": 1, "a": [{"x": 1}, {"x": 2, "y": 1}]}`},
		{"$[] every element", `{"_id": 1, "a": [1, 2]}`, `{}`, `{"$mul": {"a.$[]": 3}}`, ``, ``, `{"_id": 1, "a": [3, 6]}`},
		{"$[] of an empty array", `{"_id": 1, "a": []}`, `{}`, `{"$set": {"a.$[]": 3}}`, ``, ``, `{"_id": 1, "a": []}`},
		{"$[id] with operators", `{"_id": 1, "a": [1, 5, 10]}`, `{}`, `{"$inc": {"a.$[x]": 1}}`, `[{"x": {"$lt": 6}}]`, ``, `{"_id": 1, "a": [2, 6, 10]}`},
		{"$[id] on documents", `{"_id": 1, "a": [{"g": 1}, {"g": 2}]}`, `{}`, `{"$unset": {"a.$[e].g": 1}}`, `[{"e.g": 2}]`, ``, `{"_id": 1, "a": [{"g": 1}, {}]}`},
		{"$[] then $[id]", `{"_id": 1, "m": [[1, 2], [2, 3]]}`, `{}`, `{"$set": {"m.$[].$[two]": "t"}}`, `[{"two": 2}]`, ``, `{"_id": 1, "m": [[1, "t"], ["t", 3]]}`},
		{"$[id] with $push", `{"_id": 1, "a": [{"k": 1, "l": []}, {"k": 2, "l": []}]}`, `{}`, `{"$push": {"a.$[e].l": "x"}}`, `[{"e.k": 2}]`, ``, `{"_id": 1, "a": [{"k": 1, "l": []}, {"k": 2, "l": ["x"]}]}`},
		{"pipeline $set", `{"_id": 1, "a": 2}`, `{}`, `[{"$set": {"b": "$a", "c": {"$lte": ["$a", 2]}}}]`, ``, ``, `{"_id": 1, "a": 2, "b": 2, "c": true}`},
		{"pipeline with let", `{"_id": 1}`, `{}`, `[{"$set": {"v": "$$v", "w": "$$v.x"}}]`, ``, `{"v": {"x": 1}}`, `{"_id": 1, "v": {"x": 1}, "w": 1}`},
		{"pipeline $replaceWith restores _id", `{"_id": 1, "s": {"t": 1}}`, `{}`, `[{"$replaceWith": "$s"}]`, ``, ``, `{"_id": 1, "t": 1}`},
		{"pipeline $setField removes with $$REMOVE", `{"_id": 1, "a.b": 1, "c": 2}`, `{}`, `[{"$replaceWith": {"$setField": {"field": "a.b", "value": "$$REMOVE", "input": "$$ROOT"}}}]`, ``, ``, `{"_id": 1, "c": 2}`},
		{"pipeline $unsetField", `{"_id": 1, "$x": 1, "y": 2}`, `{}`, `[{"$replaceWith": {"$unsetField": {"field": {"$literal": "$x"}, "input": "$$ROOT"}}}]`, ``, ``, `{"_id": 1, "y": 2}`},
		{"pipeline $set of $$REMOVE or a missing field removes", `{"_id": 1, "a": 1, "b": {"c": 1, "d": 2}, "e": 3}`, `{}`, `[{"$set": {"a": "$$REMOVE", "b.c": "$nope", "e": {"$cond": [false, 1, "$$REMOVE"]}}}]`, ``, ``, `{"_id": 1, "b": {"d": 2}}`},
		{"pipeline arithmetic", `{"_id": 1, "i": 2, "l": {"$numberLong": "5"}, "d": 0.5, "t": {"$date": 1000}, "big": 2147483647, "huge": {"$numberLong": "9223372036854775807"}}`, `{}`,
			`[{"$set": {"a": {"$add": ["$i", 3]}, "al": {"$add": ["$i", "$l"]}, "ad": {"$add": ["$i", "$d"]}, "at": {"$add": ["$t", 1500]}, "ao": {"$add": ["$big", 1]}, "ah": {"$add": ["$huge", 1]},
				"m": {"$multiply": ["$i", "$l"]}, "s": {"$subtract": ["$i", 5]}, "sd": {"$subtract": ["$t", {"$date": 400}]}, "st": {"$subtract": ["$t", 1000]}, "n": {"$add": [1, "$none"]}}}]`, ``, ``,
			`{"_id": 1, "i": 2, "l": {"$numberLong": "5"}, "d": 0.5, "t": {"$date": 1000}, "big": 2147483647, "huge": {"$numberLong": "9223372036854775807"},
				"a": 5, "al": {"$numberLong": "7"}, "ad": 2.5, "at": {"$date": 2500}, "ao": {"$numberLong": "2147483648"}, "ah": 9223372036854775808.0,
				"m": {"$numberLong": "10"}, "s": -3, "sd": {"$numberLong": "600"}, "st": {"$date": 0}, "n": null}`},
		{"pipeline $cond and $ifNull", `{"_id": 1, "a": 5, "n": null}`, `{}`, `[{"$set": {"big": {"$cond": [{"$gt": ["$a", 3]}, "yes", "no"]}, "small": {"$cond": {"if": "$missing", "then": 1, "else": 0}}, "d": {"$ifNull": ["$n", "$missing", "dflt"]}}}]`, ``, ``, `{"_id": 1, "a": 5, "n": null, "big": "yes", "small": 0, "d": "dflt"}`},
		{"pipeline $concat, $in and $size", `{"_id": 1, "s": "ab", "l": [1, 2, 3]}`, `{}`, `[{"$set": {"c": {"$concat": ["$s", "-", "x"]}, "cn": {"$concat": ["$s", "$missing"]}, "has": {"$in": [2, "$l"]}, "n": {"$size": "$l"}}}]`, ``, ``, `{"_id": 1, "s": "ab", "l": [1, 2, 3], "c": "ab-x", "cn": null, "has": true, "n": 3}`},
		{"pipeline $getField reads a dotted name", `{"_id": 1, "a.b": 7}`, `{}`, `[{"$set": {"v": {"$getField": "a.b"}}}]`, ``, ``, `{"_id": 1, "a.b": 7, "v": 7}`},
		{"pipeline logic", `{"_id": 1, "a": 1}`, `{}`, `[{"$set": {"and": {"$and": [true, "$a"]}, "or": {"$or": [false, "$none"]}, "not": {"$not": ["$none"]}, "cmp": {"$cmp": ["$a", 0]}}}]`, ``, ``, `{"_id": 1, "a": 1, "and": true, "or": false, "not": true, "cmp": 1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := ParseFilter(D(tt.query))
			if err != nil {
				t.Fatal(err)
			}
			opts := UpdateOptions{Query: q, ArrayFilters: docList(tt.arrayFilters)}
			if tt.let != "" {
				if opts.Vars, err = ParseLet(D(tt.let)); err != nil {
					t.Fatal(err)
				}
			}
			u, err := ParseUpdateWith(V(tt.update), opts)
			if err != nil {
				t.Fatalf("ParseUpdateWith(%s): %v", tt.update, err)
			}
			checkApply(t, u, tt.doc, tt.want, false)
		})
	}
}

func TestApplyUpdateWithErrors(t *testing.T) {
	tests := []struct {
		name, doc, query, update, arrayFilters string
		code                                   int32
	}{
		{"$ without a condition on the array", `{"_id": 1, "a": [1]}`, `{"_id": 1}`, `{"$set": {"a.$": 0}}`, ``, 2},
		{"$ with no matching element", `{"_id": 1, "a": [1], "b": 2}`, `{"b": 2}`, `{"$set": {"a.$": 0}}`, ``, 2},
		{"$[] on a scalar", `{"_id": 1, "a": 1}`, `{}`, `{"$set": {"a.$[]": 0}}`, ``, 2},
		{"$[] on a missing path", `{"_id": 1}`, `{}`, `{"$set": {"a.$[]": 0}}`, ``, 2},
		{"pipeline $setField on a scalar", `{"_id": 1, "a": 1}`, `{}`, `[{"$set": {"a": {"$setField": {"field": "x", "value": 1, "input": "$a"}}}}]`, ``, 4161105},
		{"pipeline changes _id", `{"_id": 1}`, `{}`, `[{"$set": {"_id": 2}}]`, ``, 66},
		{"pipeline $add of a string", `{"_id": 1, "a": "x"}`, `{}`, `[{"$set": {"b": {"$add": [1, "$a"]}}}]`, ``, 16554},
		{"pipeline $add of two dates", `{"_id": 1, "t": {"$date": 1}}`, `{}`, `[{"$set": {"b": {"$add": ["$t", "$t"]}}}]`, ``, 16612},
		{"pipeline $subtract a date from a number", `{"_id": 1, "t": {"$date": 1}}`, `{}`, `[{"$set": {"b": {"$subtract": [1, "$t"]}}}]`, ``, 16556},
		{"pipeline $concat of a number", `{"_id": 1, "a": 1}`, `{}`, `[{"$set": {"c": {"$concat": ["x", "$a"]}}}]`, ``, 16702},
		{"pipeline $size of a missing field", `{"_id": 1}`, `{}`, `[{"$set": {"n": {"$size": "$l"}}}]`, ``, 17124},
		{"pipeline $in without an array", `{"_id": 1, "a": 1}`, `{}`, `[{"$set": {"b": {"$in": [1, "$a"]}}}]`, ``, 40081},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := ParseFilter(D(tt.query))
			if err != nil {
				t.Fatal(err)
			}
			opts := UpdateOptions{Query: q, ArrayFilters: docList(tt.arrayFilters)}
			u, err := ParseUpdateWith(V(tt.update), opts)
			if err != nil {
				t.Fatalf("ParseUpdateWith(%s): %v", tt.update, err)
			}
			_, err = u.Apply(D(tt.doc), false)
			wantCode(t, err, tt.code)
		})
	}
}

func TestParseUpdateWithErrors(t *testing.T) {
	tests := []struct {
		name, update, arrayFilters string
		code                       int32
	}{
		{"unused array filter", `{"$set": {"a": 1}}`, `[{"x": 1}]`, 9},
		{"two filters for one identifier", `{"$set": {"a.$[x]": 1}}`, `[{"x": 1}, {"x": 2}]`, 9},
		{"identifier with a capital", `{"$set": {"a.$[X]": 1}}`, `[{"X": 1}]`, 2},
		{"filter without a field", `{"$set": {"a.$[x]": 1}}`, `[{"$and": [{"x": 1}]}]`, 9},
		{"arrayFilters on a replacement", `{"a": 1}`, `[{"x": 1}]`, 9},
		{"arrayFilters on a pipeline", `[{"$set": {"a": 1}}]`, `[{"x": 1}]`, 9},
		{"$[id] in a $rename target", `{"$rename": {"b": "a.$[x]"}}`, `[{"x": 1}]`, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseUpdateWith(V(tt.update), UpdateOptions{ArrayFilters: docList(tt.arrayFilters)})
			wantCode(t, err, tt.code)
		})
	}
}

// docList parses a JSON array of documents; "" is none.
func docList(s string) []bson.D {
	if s == "" {
		return nil
	}
	return Docs(s)
}

// checkApply applies u to doc and compares the result with want; the
// input must be left as it was.
func checkApply(t *testing.T, u *Update, doc, want string, insert bool) {
	t.Helper()
	in := D(doc)
	before := copyDoc(in)
	got, err := u.Apply(in, insert)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if d := diff(D(want), got); d != "" {
		t.Errorf("update on %s (-want +got):\n%s", doc, d)
	}
	if d := diff(before, in); d != "" {
		t.Errorf("Apply modified its input (-before +after):\n%s", d)
	}
}
