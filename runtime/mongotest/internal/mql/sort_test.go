package mql

import (
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func TestSort(t *testing.T) {
	docs := Docs(`[
		{"_id": 1, "a": [1, 5], "b": "x"},
		{"_id": 2, "a": 3, "b": "y"},
		{"_id": 3, "a": [], "b": "x"},
		{"_id": 4, "a": null, "b": "z"},
		{"_id": 5, "b": "x"},
		{"_id": 6, "a": "s", "b": "w"},
		{"_id": 7, "a": 3.0, "b": "z"},
		{"_id": 8, "a": [[0], 2], "b": "x"},
		{"_id": 9, "a": {"$numberLong": "2"}, "b": "x", "c": {"d": [7, 1]}}
	]`)
	tests := []struct {
		spec string
		want []int32
	}{
		{`{"a": 1}`, []int32{3, 4, 5, 1, 8, 9, 2, 7, 6}},
		{`{"a": -1}`, []int32{8, 6, 1, 2, 7, 9, 4, 5, 3}},
		{`{"a": 1, "b": -1}`, []int32{3, 4, 5, 1, 8, 9, 7, 2, 6}},
		{`{"b": 1, "_id": -1}`, []int32{6, 9, 8, 5, 3, 1, 2, 7, 4}},
		{`{"c.d": 1, "_id": 1}`, []int32{1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{`{"c.d": -1, "_id": 1}`, []int32{9, 1, 2, 3, 4, 5, 6, 7, 8}},
		{`{"b": 1.0, "a": {"$numberLong": "-1"}}`, []int32{6, 8, 1, 9, 5, 3, 2, 7, 4}},
		{`{}`, []int32{1, 2, 3, 4, 5, 6, 7, 8, 9}},
	}
	for _, tt := range tests {
		s, err := ParseSort(D(tt.spec))
		if err != nil {
			t.Fatalf("ParseSort(%s): %v", tt.spec, err)
		}
		sorted := slices.Clone(docs)
		slices.SortStableFunc(sorted, s.Compare)
		var got []int32
		for _, d := range sorted {
			id, _ := lookup(d, "_id")
			got = append(got, id.(int32))
		}
		if d := diff(tt.want, got); d != "" {
			t.Errorf("sort %s (-want +got):\n%s", tt.spec, d)
		}
	}
}

func TestNilSort(t *testing.T) {
	var s *Sort
	if c := s.Compare(D(`{"a": 1}`), D(`{"a": 2}`)); c != 0 {
		t.Errorf("nil Sort Compare = %d", c)
	}
}

func TestParseSortErrors(t *testing.T) {
	tests := []struct {
		spec string
		code int32
	}{
		{`{"a": 2}`, 15975},
		{`{"a": 0}`, 15975},
		{`{"a": "asc"}`, 15975},
		{`{"a": {"$meta": "textScore"}}`, 2},
		{`{"": 1}`, 2},
		{`{"a..b": 1}`, 2},
	}
	for _, tt := range tests {
		_, err := ParseSort(D(tt.spec))
		wantCode(t, err, tt.code)
	}
}

func TestValues(t *testing.T) {
	tests := []struct {
		doc, path string
		want      bson.A
	}{
		{`{"a": 1}`, "a", bson.A{int32(1)}},
		{`{"b": 1}`, "a", bson.A{nil}},
		{`{"a": null}`, "a", bson.A{nil}},
		{`{"a": [3, 1, 3]}`, "a", bson.A{int32(1), int32(3)}},
		{`{"a": []}`, "a", bson.A{bson.Undefined{}}},
		{`{"a": [[1, 2], 1]}`, "a", bson.A{int32(1), bson.A{int32(1), int32(2)}}},
		{`{"a": {"b": {"c": "x"}}}`, "a.b.c", bson.A{"x"}},
		{`{"a": [{"b": 1}, {"b": 2}, {"c": 3}]}`, "a.b", bson.A{nil, int32(1), int32(2)}},
		{`{"a": [{"b": [5, 4]}]}`, "a.b", bson.A{int32(4), int32(5)}},
		{`{"a": [1, 2]}`, "a.b", bson.A{nil}},
		{`{"a": [10, 20]}`, "a.1", bson.A{int32(20)}},
		{`{"a": 5}`, "a.b", bson.A{nil}},
		{`{"a": [1, 1.0]}`, "a", bson.A{int32(1)}},
	}
	for _, tt := range tests {
		got := Values(D(tt.doc), tt.path)
		if d := diff([]any(tt.want), got); d != "" {
			t.Errorf("Values(%s, %q) (-want +got):\n%s", tt.doc, tt.path, d)
		}
	}
}

func TestDistinctValues(t *testing.T) {
	tests := []struct {
		doc, path string
		want      []any
	}{
		{`{"a": 1}`, "a", []any{int32(1)}},
		{`{"b": 1}`, "a", nil},
		{`{"a": null}`, "a", []any{nil}},
		{`{"a": []}`, "a", nil},
		{`{"a": [2, [3]]}`, "a", []any{int32(2), bson.A{int32(3)}}},
		{`{"a": [{"b": 1}, {"c": 1}, {"b": [2]}]}`, "a.b", []any{int32(1), int32(2)}},
	}
	for _, tt := range tests {
		got := DistinctValues(D(tt.doc), tt.path)
		if d := diff(tt.want, got); d != "" {
			t.Errorf("DistinctValues(%s, %q) (-want +got):\n%s", tt.doc, tt.path, d)
		}
	}
}
