package mql

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// memDB is a Database of fixed collections.
type memDB map[string][]bson.D

func (m memDB) Documents(name string) []bson.D { return m[name] }

func pipelineOf(s string) []bson.D {
	var stages []bson.D
	for _, st := range V(s).(bson.A) {
		stages = append(stages, st.(bson.D))
	}
	return stages
}

var lookupDB = memDB{
	"accounts": Docs(`[
		{"_id": 10, "owner": "ann", "tier": "gold"},
		{"_id": 11, "owner": "bob", "tier": "basic"},
		{"_id": 12, "owner": "cy"},
		{"_id": 13, "owner": "dee", "tier": null}
	]`),
}

var lookupOrders = Docs(`[
	{"_id": 1, "acct": 10, "total": 5},
	{"_id": 2, "acct": 11, "total": 7},
	{"_id": 3, "acct": 10, "total": 2},
	{"_id": 4, "acct": [11, 12], "total": 1},
	{"_id": 5, "total": 9}
]`)

func TestLookupAndFacet(t *testing.T) {
	tests := []struct{ name, pipeline, want string }{
		{"equality form", `[{"$match": {"_id": {"$lte": 2}}}, {"$lookup": {"from": "accounts", "localField": "acct", "foreignField": "_id", "as": "a"}}]`,
			`[{"_id": 1, "acct": 10, "total": 5, "a": [{"_id": 10, "owner": "ann", "tier": "gold"}]},
			  {"_id": 2, "acct": 11, "total": 7, "a": [{"_id": 11, "owner": "bob", "tier": "basic"}]}]`},
		{"array localField matches each element", `[{"$match": {"_id": 4}}, {"$lookup": {"from": "accounts", "localField": "acct", "foreignField": "_id", "as": "a"}}, {"$project": {"a.owner": 1}}]`,
			`[{"_id": 4, "a": [{"owner": "bob"}, {"owner": "cy"}]}]`},
		{"missing localField matches null and missing", `[{"$match": {"_id": 5}}, {"$lookup": {"from": "accounts", "localField": "acct", "foreignField": "tier", "as": "a"}}, {"$project": {"a._id": 1}}]`,
			`[{"_id": 5, "a": [{"_id": 12}, {"_id": 13}]}]`},
		{"unknown collection gives empty arrays", `[{"$match": {"_id": 1}}, {"$lookup": {"from": "nope", "localField": "acct", "foreignField": "_id", "as": "x.y"}}]`,
			`[{"_id": 1, "acct": 10, "total": 5, "x": {"y": []}}]`},
		{"let and pipeline", `[{"$match": {"_id": {"$in": [1, 2]}}}, {"$lookup": {"from": "accounts", "let": {"id": "$acct", "t": "$total"},
			"pipeline": [{"$match": {"$expr": {"$and": [{"$eq": ["$_id", "$$id"]}, {"$gt": ["$$t", 6]}]}}}, {"$project": {"_id": 0, "owner": 1, "seen": "$$t"}}], "as": "a"}}, {"$project": {"a": 1}}]`,
			`[{"_id": 1, "a": []}, {"_id": 2, "a": [{"owner": "bob", "seen": 7}]}]`},
		{"uncorrelated pipeline", `[{"$match": {"_id": 1}}, {"$lookup": {"from": "accounts", "pipeline": [{"$match": {"tier": "gold"}}, {"$project": {"owner": 1}}], "as": "gold"}}, {"$project": {"gold": 1}}]`,
			`[{"_id": 1, "gold": [{"_id": 10, "owner": "ann"}]}]`},
		{"equality and pipeline together", `[{"$match": {"_id": 4}}, {"$lookup": {"from": "accounts", "localField": "acct", "foreignField": "_id", "pipeline": [{"$match": {"tier": {"$exists": true}}}], "as": "a"}}, {"$project": {"a._id": 1}}]`,
			`[{"_id": 4, "a": [{"_id": 11}]}]`},
		{"nested lookup sees outer variables", `[{"$match": {"_id": 3}}, {"$lookup": {"from": "accounts", "let": {"o": "$total"}, "pipeline": [{"$match": {"_id": 10}},
			{"$lookup": {"from": "accounts", "let": {"me": "$owner"}, "pipeline": [{"$match": {"$expr": {"$ne": ["$owner", "$$me"]}}}, {"$match": {"$expr": {"$lt": ["$_id", 12]}}}, {"$project": {"_id": 1, "o": "$$o"}}], "as": "others"}},
			{"$project": {"others": 1}}], "as": "a"}}, {"$project": {"a": 1}}]`,
			`[{"_id": 3, "a": [{"_id": 10, "others": [{"_id": 11, "o": 2}]}]}]`},
		{"variable paths and cmp", `[{"$match": {"_id": 1}}, {"$lookup": {"from": "accounts", "let": {"ord": "$$ROOT"}, "pipeline": [{"$match": {"$expr": {"$eq": ["$_id", "$$ord.acct"]}}}, {"$replaceWith": {"c": {"$cmp": ["$$ord.total", 3]}, "missing": {"$lt": ["$$ord.nope", null]}}}], "as": "a"}}, {"$replaceRoot": {"newRoot": {"r": "$a"}}}]`,
			`[{"r": [{"c": 1, "missing": true}]}]`},
		{"facet", `[{"$facet": {"big": [{"$match": {"total": {"$gte": 5}}}, {"$count": "n"}], "ids": [{"$sort": {"_id": -1}}, {"$limit": 2}, {"$project": {"_id": 1}}], "none": [{"$match": {"x": 1}}]}}]`,
			`[{"big": [{"n": 3}], "ids": [{"_id": 5}, {"_id": 4}], "none": []}]`},
		{"facet of lookups", `[{"$facet": {"owners": [{"$match": {"_id": 1}}, {"$lookup": {"from": "accounts", "localField": "acct", "foreignField": "_id", "as": "a"}}, {"$unwind": "$a"}, {"$replaceWith": "$a"}, {"$project": {"owner": 1, "_id": 0}}]}}]`,
			`[{"owners": [{"owner": "ann"}]}]`},
		{"sortByCount", `[{"$sortByCount": "$acct"}]`,
			`[{"_id": 10, "count": 2}, {"_id": 11, "count": 1}, {"_id": [11, 12], "count": 1}, {"_id": null, "count": 1}]`},
		{"sortByCount expression", `[{"$sortByCount": {"$gt": ["$total", 4]}}]`, `[{"_id": true, "count": 3}, {"_id": false, "count": 2}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RunPipelineIn(lookupDB, lookupOrders, pipelineOf(tt.pipeline), nil)
			if err != nil {
				t.Fatalf("RunPipelineIn(%s): %v", tt.pipeline, err)
			}
			if d := diff(Docs(tt.want), got); d != "" {
				t.Errorf("pipeline %s (-want +got):\n%s", tt.pipeline, d)
			}
		})
	}
	t.Run("stored documents untouched", func(t *testing.T) {
		before := diff(lookupDB["accounts"], Docs(`[{"_id": 10, "owner": "ann", "tier": "gold"}, {"_id": 11, "owner": "bob", "tier": "basic"}, {"_id": 12, "owner": "cy"}, {"_id": 13, "owner": "dee", "tier": null}]`))
		if before != "" {
			t.Errorf("accounts changed by the lookups:\n%s", before)
		}
	})
}

func TestLookupAndFacetErrors(t *testing.T) {
	tests := []struct {
		stage string
		code  int32
	}{
		{`{"$lookup": 1}`, 9},
		{`{"$lookup": {"from": "accounts", "localField": "a", "foreignField": "b"}}`, 9},
		{`{"$lookup": {"localField": "a", "foreignField": "b", "as": "x"}}`, 9},
		{`{"$lookup": {"from": "accounts", "localField": "a", "as": "x"}}`, 9},
		{`{"$lookup": {"from": "accounts", "as": "x"}}`, 9},
		{`{"$lookup": {"from": "accounts", "as": "x", "let": {"a": 1}, "localField": "a", "foreignField": "b"}}`, 9},
		{`{"$lookup": {"from": "accounts", "as": "x", "localField": 1, "foreignField": "b"}}`, 9},
		{`{"$lookup": {"from": "accounts", "as": "x", "localField": "a", "foreignField": "b", "bogus": 1}}`, 9},
		{`{"$lookup": {"from": "accounts", "as": "x", "pipeline": {}}}`, 9},
		{`{"$lookup": {"from": "accounts", "as": "x", "let": 1, "pipeline": []}}`, 9},
		{`{"$lookup": {"from": "accounts", "as": "$x", "pipeline": []}}`, 16410},
		{`{"$lookup": {"from": "accounts", "as": "x", "pipeline": [{"$match": {"$expr": {"$eq": ["$a", "$$nope"]}}}]}}`, 17276},
		{`{"$lookup": {"from": "accounts", "as": "x", "let": {"Bad": 1}, "pipeline": []}}`, 16867},
		{`{"$lookup": {"from": "accounts", "as": "x", "let": {"": 1}, "pipeline": []}}`, 16866},
		{`{"$lookup": {"from": "accounts", "as": "x", "let": {"CURRENT": 1}, "pipeline": []}}`, 2},
		{`{"$lookup": {"from": "accounts", "as": "x", "let": {"b-d": 1}, "pipeline": []}}`, 16868},
		{`{"$lookup": {"from": "accounts", "as": "x", "pipeline": [{"$foo": 1}]}}`, 40324},
		{`{"$lookup": {"as": "x", "pipeline": [{"$documents": []}]}}`, 2},
		{`{"$match": {"$expr": {"$eq": [1]}}}`, 16020},
		{`{"$match": {"$expr": {"$not": [1, 2]}}}`, 16020},
		{`{"$facet": 1}`, 40169},
		{`{"$facet": {"a": 1}}`, 40170},
		{`{"$facet": {"a": []}}`, 2},
		{`{"$facet": {"a": [1]}}`, 40171},
		{`{"$facet": {"a.b": [{"$limit": 1}]}}`, 16412},
		{`{"$sortByCount": {}}`, 40147},
		{`{"$facet": {"a": [{"$facet": {"b": [{"$limit": 1}]}}]}}`, 40600},
		{`{"$facet": {"a": [{"$out": "x"}]}}`, 40600},
		{`{"$facet": {"$a": [{"$limit": 1}]}}`, 16410},
		{`{"$sortByCount": "acct"}`, 40148},
		{`{"$sortByCount": {"a": 1}}`, 40147},
		{`{"$sortByCount": 1}`, 40149},
		{`{"$addFields": {"a": "$$undefinedVar"}}`, 17276},
	}
	for _, tt := range tests {
		t.Run(tt.stage, func(t *testing.T) {
			_, err := RunPipelineIn(lookupDB, lookupOrders, []bson.D{D(tt.stage)}, nil)
			wantCode(t, err, tt.code)
		})
	}
	t.Run("nesting limit", func(t *testing.T) {
		nested := func(depth int) []bson.D {
			st := D(`{"$lookup": {"from": "nope", "pipeline": [], "as": "x"}}`)
			for range depth - 1 {
				st = bson.D{{Key: "$lookup", Value: bson.D{{Key: "from", Value: "accounts"}, {Key: "pipeline", Value: bson.A{D(`{"$limit": 1}`), st}}, {Key: "as", Value: "x"}}}}
			}
			return []bson.D{st}
		}
		if _, err := RunPipelineIn(lookupDB, lookupOrders[:1], nested(20), nil); err != nil {
			t.Fatalf("20 nested lookups: %v", err)
		}
		_, err := RunPipelineIn(lookupDB, lookupOrders[:1], nested(21), nil)
		wantCode(t, err, 232)
	})
	t.Run("size limit", func(t *testing.T) {
		defer func(n int) { lookupMaxBytes = n }(lookupMaxBytes)
		lookupMaxBytes = 100
		pipeline := pipelineOf(`[{"$lookup": {"from": "accounts", "pipeline": [], "as": "a"}}]`)
		_, err := RunPipelineIn(lookupDB, lookupOrders, pipeline, nil)
		wantCode(t, err, 4568)
		pipeline = pipelineOf(`[{"$lookup": {"from": "accounts", "pipeline": [{"$limit": 1}], "as": "a"}}]`)
		if _, err := RunPipelineIn(lookupDB, lookupOrders, pipeline, nil); err != nil {
			t.Fatalf("one small account per order: %v", err)
		}
	})
	t.Run("no database", func(t *testing.T) {
		_, err := RunPipeline(lookupOrders, pipelineOf(`[{"$lookup": {"from": "accounts", "localField": "acct", "foreignField": "_id", "as": "a"}}]`))
		wantCode(t, err, 2)
	})
}
