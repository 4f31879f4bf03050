package mql

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func TestParseLet(t *testing.T) {
	vars, err := ParseLet(D(`{"a": 1, "b": {"$literal": "$x"}, "c": {"$eq": ["$$a", 1]}, "r": {"$rand": {}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if d := diff(bson.D{{Key: "a", Value: int32(1)}, {Key: "b", Value: "$x"}, {Key: "c", Value: true}},
		bson.D{{Key: "a", Value: vars["a"]}, {Key: "b", Value: vars["b"]}, {Key: "c", Value: vars["c"]}}); d != "" {
		t.Errorf("let values (-want +got):\n%s", d)
	}
	if r, ok := vars["r"].(float64); !ok || r < 0 || r >= 1 {
		t.Errorf("$rand = %v, want a double in [0, 1)", vars["r"])
	}
	for _, tt := range []struct {
		let  string
		code int32
	}{
		{`{"a": "$field"}`, 4890500},
		{`{"a": {"x": "$$ROOT"}}`, 4890500},
		{`{"Upper": 1}`, 16867},
		{`{"a-b": 1}`, 16868},
		{`{"a": "$$undefinedVar"}`, 17276},
	} {
		_, err := ParseLet(D(tt.let))
		wantCode(t, err, tt.code)
	}
}

func TestExprFilter(t *testing.T) {
	vars := Vars{"lim": int32(2)}
	docs := Docs(`[{"_id": 1, "a": 1, "b": 1}, {"_id": 2, "a": 2, "b": 3}, {"_id": 3, "a": 3}]`)
	tests := []struct {
		filter string
		want   []int32
	}{
		{`{"$expr": {"$eq": ["$a", "$b"]}}`, []int32{1}},
		{`{"$expr": {"$lt": ["$a", "$b"]}}`, []int32{2}},
		{`{"$expr": {"$gt": ["$a", "$b"]}}`, []int32{3}},
		{`{"$expr": {"$gte": ["$a", "$$lim"]}}`, []int32{2, 3}},
		{`{"$expr": {"$and": [{"$ne": ["$a", 1]}, {"$lte": ["$a", "$$lim"]}]}, "_id": {"$gt": 0}}`, []int32{2}},
		{`{"$or": [{"$expr": "$b"}, {"a": 3}]}`, []int32{1, 2, 3}},
		{`{"$expr": {"$not": "$b"}}`, []int32{3}},
		{`{"$expr": {"$in": ["$a", [1, 3]]}}`, []int32{1, 3}},
		{`{"$expr": {"$eq": [{"$ifNull": ["$b", 0]}, 0]}}`, []int32{3}},
		{`{"$expr": {"$cond": ["$b", false, true]}}`, []int32{3}},
	}
	for _, tt := range tests {
		f, err := ParseFilterWith(D(tt.filter), vars)
		if err != nil {
			t.Fatalf("ParseFilterWith(%s): %v", tt.filter, err)
		}
		var got []int32
		for _, d := range docs {
			if f.Match(d) {
				got = append(got, d[0].Value.(int32))
			}
		}
		if d := diff(tt.want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", tt.filter, d)
		}
	}
}
