package mql

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func TestRunPipeline(t *testing.T) {
	docs := Docs(`[
		{"_id": 1, "k": "a", "n": 1, "v": [1, 2]},
		{"_id": 2, "k": "b", "n": 2.5, "v": []},
		{"_id": 3, "k": "a", "n": {"$numberLong": "3"}, "v": null},
		{"_id": 4, "k": "b", "n": "x"},
		{"_id": 5, "k": "a", "n": 2, "v": 7, "s": {"t": 1}}
	]`)
	tests := []struct {
		name     string
		pipeline string
		want     string
	}{
		{"empty", `[]`, `[{"_id": 1, "k": "a", "n": 1, "v": [1, 2]}, {"_id": 2, "k": "b", "n": 2.5, "v": []}, {"_id": 3, "k": "a", "n": {"$numberLong": "3"}, "v": null}, {"_id": 4, "k": "b", "n": "x"}, {"_id": 5, "k": "a", "n": 2, "v": 7, "s": {"t": 1}}]`},
		{"CountDocuments", `[{"$match": {"k": "a"}}, {"$skip": 1}, {"$limit": 5}, {"$group": {"_id": 1, "n": {"$sum": 1}}}]`, `[{"_id": 1, "n": 2}]`},
		{"count of nothing", `[{"$match": {"k": "zz"}}, {"$group": {"_id": 1, "n": {"$sum": 1}}}]`, `[]`},
		{"match sort skip limit", `[{"$match": {"n": {"$type": "number"}}}, {"$sort": {"n": -1}}, {"$skip": 1}, {"$limit": 2}]`, `[{"_id": 2, "k": "b", "n": 2.5, "v": []}, {"_id": 5, "k": "a", "n": 2, "v": 7, "s": {"t": 1}}]`},
		{"group accumulators", `[{"$group": {"_id": "$k", "sum": {"$sum": "$n"}, "avg": {"$avg": "$n"}, "min": {"$min": "$n"}, "max": {"$max": "$n"}, "first": {"$first": "$v"}, "last": {"$last": "$v"}, "push": {"$push": "$v"}, "set": {"$addToSet": "$k"}, "cnt": {"$count": {}}}}]`,
			`[{"_id": "a", "sum": {"$numberLong": "6"}, "avg": 2.0, "min": 1, "max": {"$numberLong": "3"}, "first": [1, 2], "last": 7, "push": [[1, 2], null, 7], "set": ["a"], "cnt": 3},
			  {"_id": "b", "sum": 2.5, "avg": 2.5, "min": 2.5, "max": "x", "first": [], "last": null, "push": [[]], "set": ["b"], "cnt": 2}]`},
		{"group by document key", `[{"$group": {"_id": {"k": "$k", "big": "$s.t"}, "c": {"$sum": 1}}}]`, `[{"_id": {"k": "a"}, "c": 2}, {"_id": {"k": "b"}, "c": 2}, {"_id": {"k": "a", "big": 1}, "c": 1}]`},
		{"group by null", `[{"$group": {"_id": null, "ids": {"$push": "$_id"}}}]`, `[{"_id": null, "ids": [1, 2, 3, 4, 5]}]`},
		{"group merges equal numbers", `[{"$group": {"_id": "$n", "c": {"$sum": 1}}}, {"$match": {"_id": 2}}]`, `[{"_id": 2, "c": 1}]`},
		{"sum stays int32", `[{"$match": {"_id": {"$in": [1, 5]}}}, {"$group": {"_id": 0, "s": {"$sum": "$n"}}}]`, `[{"_id": 0, "s": 3}]`},
		{"avg of nothing", `[{"$group": {"_id": 0, "a": {"$avg": "$nope"}, "m": {"$max": "$nope"}, "p": {"$push": "$nope"}}}]`, `[{"_id": 0, "a": null, "m": null, "p": []}]`},
		{"count", `[{"$match": {"k": "b"}}, {"$count": "total"}]`, `[{"total": 2}]`},
		{"count of nothing", `[{"$match": {"k": "z"}}, {"$count": "total"}]`, `[]`},
		{"unwind", `[{"$unwind": "$v"}, {"$project": {"v": 1}}]`, `[{"_id": 1, "v": 1}, {"_id": 1, "v": 2}, {"_id": 5, "v": 7}]`},
		{"unwind preserving", `[{"$unwind": {"path": "$v", "includeArrayIndex": "i", "preserveNullAndEmptyArrays": true}}, {"$project": {"v": 1, "i": 1}}]`,
			`[{"_id": 1, "v": 1, "i": {"$numberLong": "0"}}, {"_id": 1, "v": 2, "i": {"$numberLong": "1"}}, {"_id": 2, "i": null}, {"_id": 3, "v": null, "i": null}, {"_id": 4, "i": null}, {"_id": 5, "v": 7, "i": null}]`},
		{"project exclusion", `[{"$match": {"_id": 5}}, {"$project": {"v": 0, "s": 0, "_id": 0}}]`, `[{"k": "a", "n": 2}]`},
		{"project computed", `[{"$match": {"_id": 5}}, {"$project": {"_id": 0, "key": "$k", "t": "$s.t", "c": {"$literal": "$k"}}}]`, `[{"key": "a", "t": 1, "c": "$k"}]`},
		{"addFields", `[{"$match": {"_id": 5}}, {"$addFields": {"k": "$n", "s.u": "$k", "w": {"x": "$_id"}}}]`, `[{"_id": 5, "k": 2, "n": 2, "v": 7, "s": {"t": 1, "u": "a"}, "w": {"x": 5}}]`},
		{"set and unset", `[{"$match": {"_id": 1}}, {"$set": {"z": "$$ROOT.k"}}, {"$unset": ["v", "n"]}]`, `[{"_id": 1, "k": "a", "z": "a"}]`},
		{"replaceRoot", `[{"$match": {"_id": 5}}, {"$replaceRoot": {"newRoot": "$s"}}]`, `[{"t": 1}]`},
		{"replaceWith", `[{"$match": {"_id": 5}}, {"$replaceWith": {"id": "$_id"}}]`, `[{"id": 5}]`},
		{"sort on group output", `[{"$group": {"_id": "$k", "c": {"$sum": 1}}}, {"$sort": {"_id": -1}}]`, `[{"_id": "b", "c": 2}, {"_id": "a", "c": 3}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stages []bson.D
			for _, s := range V(tt.pipeline).(bson.A) {
				stages = append(stages, s.(bson.D))
			}
			got, err := RunPipeline(docs, stages)
			if err != nil {
				t.Fatalf("RunPipeline(%s): %v", tt.pipeline, err)
			}
			want := Docs(tt.want)
			if len(want) == 0 && len(got) == 0 {
				return
			}
			if d := diff(want, got); d != "" {
				t.Errorf("pipeline %s (-want +got):\n%s", tt.pipeline, d)
			}
		})
	}
}

func TestRunPipelineErrors(t *testing.T) {
	tests := []struct {
		stage string
		code  int32
	}{
		{`{"$foo": {}}`, 40324},
		{`{"$match": {}, "$sort": {"a": 1}}`, 40323},
		{`{"$lookup": {}}`, 9},
		{`{"$facet": {}}`, 40169},
		{`{"$graphLookup": {}}`, 2},
		{`{"$unionWith": "c"}`, 2},
		{`{"$match": 1}`, 15959},
		{`{"$match": {"a": {"$bad": 1}}}`, 2},
		{`{"$sort": {}}`, 15976},
		{`{"$sort": {"a": 3}}`, 15975},
		{`{"$limit": 0}`, 15958},
		{`{"$limit": -1}`, 5107200},
		{`{"$skip": -1}`, 5107200},
		{`{"$skip": 1.5}`, 5107200},
		{`{"$project": {}}`, 51272},
		{`{"$project": {"a": {"$toUpper": "x"}}}`, 168},
		{`{"$group": {"n": {"$sum": 1}}}`, 15955},
		{`{"$group": {"_id": 1, "n": {"$foo": 1}}}`, 15952},
		{`{"$group": {"_id": 1, "n": {"$stdDevPop": "$a"}}}`, 2},
		{`{"$group": {"_id": 1, "n": 1}}`, 40234},
		{`{"$group": {"_id": 1, "n": {"$sum": 1, "$avg": 1}}}`, 40238},
		{`{"$group": {"_id": 1, "a.b": {"$sum": 1}}}`, 40235},
		{`{"$group": {"_id": {"$toUpper": "x"}}}`, 168},
		{`{"$count": ""}`, 40156},
		{`{"$count": "$x"}`, 40158},
		{`{"$count": "a.b"}`, 40160},
		{`{"$unwind": "v"}`, 28818},
		{`{"$unwind": {"path": "$v", "bad": 1}}`, 28811},
		{`{"$unwind": 1}`, 15981},
		{`{"$addFields": {"a": "$$nope"}}`, 17276},
		{`{"$replaceRoot": {"newRoot": "$k"}}`, 40228},
		{`{"$unset": 1}`, 31119},
	}
	docs := Docs(`[{"_id": 1, "k": "a", "v": [1]}]`)
	for _, tt := range tests {
		t.Run(tt.stage, func(t *testing.T) {
			_, err := RunPipeline(docs, []bson.D{D(tt.stage)})
			wantCode(t, err, tt.code)
		})
	}
	_, err := RunPipeline(nil, []bson.D{D(`{"$foo": 1}`)})
	if got, want := err.(*Error).Message, "Unrecognized pipeline stage name: '$foo'"; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
}

func TestGroupMergesEqualKeys(t *testing.T) {
	docs := Docs(`[{"z": 0}, {"z": {"$numberDouble": "-0.0"}}, {"z": {"$numberDecimal": "0.00"}}, {"z": {"$numberLong": "0"}},
		{"z": 9007199254740993}, {"z": 9007199254740992.0}, {"z": "0"}]`)
	got, err := RunPipeline(docs, []bson.D{D(`{"$group": {"_id": "$z", "c": {"$sum": 1}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	want := Docs(`[{"_id": 0, "c": 4}, {"_id": 9007199254740993, "c": 1}, {"_id": 9007199254740992.0, "c": 1}, {"_id": "0", "c": 1}]`)
	if d := diff(want, got); d != "" {
		t.Errorf("groups (-want +got):\n%s", d)
	}
}

func TestRunPipelineLeavesInputAlone(t *testing.T) {
	docs := Docs(`[{"_id": 1, "a": {"b": 1}}, {"_id": 2}]`)
	before := []bson.D{copyDoc(docs[0]), copyDoc(docs[1])}
	for _, p := range []string{`[]`, `[{"$match": {}}]`, `[{"$skip": 1}]`, `[{"$sort": {"_id": -1}}]`} {
		var stages []bson.D
		for _, s := range V(p).(bson.A) {
			stages = append(stages, s.(bson.D))
		}
		out, err := RunPipeline(docs, stages)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range out {
			for i := range d {
				d[i].Value = "changed"
			}
		}
		if d := diff(before, docs); d != "" {
			t.Fatalf("pipeline %s: input changed through its results:\n%s", p, d)
		}
	}
}
