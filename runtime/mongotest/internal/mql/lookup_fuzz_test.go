package mql

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// FuzzLookupFacet checks that no specification, however malformed, makes
// $lookup, $facet, $sortByCount or a $match with $expr panic or fail with
// anything but an *Error.
func FuzzLookupFacet(f *testing.F) {
	for _, s := range []string{
		`{"from": "accounts", "localField": "acct", "foreignField": "_id", "as": "a"}`,
		`{"from": "accounts", "let": {"id": "$acct"}, "pipeline": [{"$match": {"$expr": {"$eq": ["$_id", "$$id.x"]}}}], "as": "a.b"}`,
		`{"from": "accounts", "localField": "acct", "foreignField": "tier", "pipeline": [{"$sortByCount": "$$ROOT"}], "as": "a"}`,
		`{"x": [{"$facet": {"y": [{"$limit": 1}]}}], "z": [{"$lookup": {"from": "accounts", "pipeline": [], "as": "q"}}]}`,
		`{"$and": [{"$cmp": ["$total", {"$literal": 3}]}, {"$not": ["$acct"]}]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var spec bson.D
		if err := bson.UnmarshalExtJSON([]byte(s), false, &spec); err != nil {
			return
		}
		for _, st := range []bson.D{
			{{Key: "$lookup", Value: spec}},
			{{Key: "$facet", Value: spec}},
			{{Key: "$sortByCount", Value: spec}},
			{{Key: "$match", Value: bson.D{{Key: "$expr", Value: spec}}}},
		} {
			if _, err := RunPipelineIn(lookupDB, lookupOrders, []bson.D{st}, nil); err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("%v: error %T is not an *Error: %v", st, err, err)
				}
			}
		}
	})
}
