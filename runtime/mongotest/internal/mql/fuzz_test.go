package mql

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// fuzzDocs are the documents fuzzed filters are matched against.
var fuzzDocs = Docs(`[
	{"_id": 1, "a": 1, "b": "x", "c": [1, "y", null, [2]], "d": {"e": [{"f": 1}, 2]}},
	{"_id": 2, "a": [], "c": {"$numberDecimal": "NaN"}, "d": null, "t": {"$timestamp": {"t": 1, "i": 2}}},
	{"_id": 3, "a": {"$numberDouble": "NaN"}, "b": {"$regularExpression": {"pattern": "x", "options": "i"}}, "m": {"$maxKey": 1}}
]`)

// FuzzParseFilter checks that no filter, however malformed, makes
// ParseFilter or Match panic, and that the same filter used as a sort,
// projection, update or $match stage does not either.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{
		`{"a": 1}`,
		`{"a": {"$gt": 1, "$lt": [1]}}`,
		`{"$or": [{"c.3.0": 2}, {"d.e.f": {"$exists": false}}]}`,
		`{"c": {"$elemMatch": {"$elemMatch": {"$size": 0}}}}`,
		`{"b": {"$not": {"$regex": "^X", "$options": "imsx"}}}`,
		`{"a": {"$type": ["number", 4, -1]}, "c": {"$all": [{"$elemMatch": {"$in": [null]}}]}}`,
		`{"$set": {"c.5.x": 1}, "$inc": {"a": {"$numberLong": "9223372036854775807"}}}`,
		`{"$push": {"c": {"$each": [1, 2], "$position": -9, "$slice": -1, "$sort": {"x": -1}}}}`,
		`{"$set": {"c.$": 1, "d.e.$[].f": 2, "c.$[x]": 3}}`,
		`{"$expr": {"$and": [{"$eq": ["$a", "$$ROOT.a"]}, {"$not": [{"$lt": ["$b", null]}]}]}}`,
		`{"$replaceWith": {"$setField": {"field": "a.b", "value": "$$REMOVE", "input": "$d"}}}`,
		`{"x": {"$gt": 0}, "v": {"$literal": "$x"}, "r": {"$rand": {}}}`,
		`{"$set": {"a": {"$add": ["$a", {"$date": 1}, -0.5]}, "b": {"$subtract": ["$d", "$a"]}, "c": {"$cond": [{"$in": [1, "$c"]}, {"$size": "$c"}, {"$concat": ["$b"]}]}}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(runFuzzOne)
}

func runFuzzOne(t *testing.T, s string) {
	var spec bson.D
	if err := bson.UnmarshalExtJSON([]byte(s), false, &spec); err != nil {
		return
	}
	if flt, err := ParseFilter(spec); err == nil {
		for _, d := range fuzzDocs {
			flt.Match(d)
		}
		flt.UpsertSeed()
	} else if _, ok := err.(*Error); !ok {
		t.Fatalf("ParseFilter error %T is not an *Error: %v", err, err)
	}
	if srt, err := ParseSort(spec); err == nil {
		srt.Compare(fuzzDocs[0], fuzzDocs[1])
	}
	if p, err := ParseProjection(spec); err == nil {
		for _, d := range fuzzDocs {
			_, _ = p.Apply(d)
		}
	}
	vars, _ := ParseLet(spec)
	flt, _ := ParseFilterWith(spec, vars)
	opts := UpdateOptions{Query: flt, ArrayFilters: []bson.D{spec}, Vars: vars}
	for _, update := range []any{spec, bson.A{spec}} {
		for _, o := range []UpdateOptions{{}, opts} {
			if u, err := ParseUpdateWith(update, o); err == nil {
				for _, d := range fuzzDocs {
					_, _ = u.Apply(d, false)
					_, _ = u.Apply(d, true)
				}
			}
		}
	}
	_, _ = RunPipeline(fuzzDocs, []bson.D{{{Key: "$match", Value: spec}}, {{Key: "$group", Value: spec}}})
	for _, d := range fuzzDocs {
		Values(d, s)
	}
}
