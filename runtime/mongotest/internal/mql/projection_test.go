package mql

import "testing"

func TestProjection(t *testing.T) {
	doc := D(`{"x": 0, "_id": 1, "a": 1, "b": {"c": 2, "d": 3}, "e": [{"c": 4, "d": 5}, 6, [{"c": 7}]], "f": "s"}`)
	tests := []struct {
		spec, want string
	}{
		{`{}`, `{"x": 0, "_id": 1, "a": 1, "b": {"c": 2, "d": 3}, "e": [{"c": 4, "d": 5}, 6, [{"c": 7}]], "f": "s"}`},
		{`{"a": 1}`, `{"_id": 1, "a": 1}`},
		{`{"f": 1, "a": true}`, `{"_id": 1, "a": 1, "f": "s"}`},
		{`{"a": 1, "_id": 0}`, `{"a": 1}`},
		{`{"_id": 1}`, `{"_id": 1}`},
		{`{"_id": 0}`, `{"x": 0, "a": 1, "b": {"c": 2, "d": 3}, "e": [{"c": 4, "d": 5}, 6, [{"c": 7}]], "f": "s"}`},
		{`{"a": 0}`, `{"x": 0, "_id": 1, "b": {"c": 2, "d": 3}, "e": [{"c": 4, "d": 5}, 6, [{"c": 7}]], "f": "s"}`},
		{`{"a": false, "_id": 0, "e": 0}`, `{"x": 0, "b": {"c": 2, "d": 3}, "f": "s"}`},
		{`{"a": 0, "_id": 1}`, `{"x": 0, "_id": 1, "b": {"c": 2, "d": 3}, "e": [{"c": 4, "d": 5}, 6, [{"c": 7}]], "f": "s"}`},
		{`{"b.c": 1}`, `{"_id": 1, "b": {"c": 2}}`},
		{`{"b": {"d": 1}}`, `{"_id": 1, "b": {"d": 3}}`},
		{`{"e.c": 1}`, `{"_id": 1, "e": [{"c": 4}, [{"c": 7}]]}`},
		{`{"e.c": 0}`, `{"x": 0, "_id": 1, "a": 1, "b": {"c": 2, "d": 3}, "e": [{"d": 5}, 6, [{}]], "f": "s"}`},
		{`{"a.z": 1}`, `{"_id": 1}`},
		{`{"zz": 1}`, `{"_id": 1}`},
		{`{"n": "$b.c", "a": 1}`, `{"_id": 1, "a": 1, "n": 2}`},
		{`{"a": "$f"}`, `{"_id": 1, "a": "s"}`},
		{`{"k": "lit", "l": {"$literal": 1}, "m": [1, "$a"]}`, `{"_id": 1, "k": "lit", "l": 1, "m": [1, 1]}`},
		{`{"g": "$e.c"}`, `{"_id": 1, "g": [4, [7]]}`},
		{`{"missing": "$nope"}`, `{"_id": 1}`},
		{`{"b.n": "$a", "b.c": 1}`, `{"_id": 1, "b": {"c": 2, "n": 1}}`},
		{`{"new.n": "$a"}`, `{"_id": 1, "new": {"n": 1}}`},
		{`{"_id": "$f"}`, `{"_id": "s"}`},
	}
	for _, tt := range tests {
		p, err := ParseProjection(D(tt.spec))
		if err != nil {
			t.Fatalf("ParseProjection(%s): %v", tt.spec, err)
		}
		before := copyDoc(doc)
		got, err := p.Apply(doc)
		if err != nil {
			t.Fatalf("projection %s: %v", tt.spec, err)
		}
		if d := diff(D(tt.want), got); d != "" {
			t.Errorf("projection %s (-want +got):\n%s", tt.spec, d)
		}
		if d := diff(before, doc); d != "" {
			t.Errorf("projection %s modified its input:\n%s", tt.spec, d)
		}
	}
}

func TestParseProjectionErrors(t *testing.T) {
	tests := []struct {
		spec string
		code int32
	}{
		{`{"a": 1, "b": 0}`, 31254},
		{`{"a": 0, "b": 1}`, 31253},
		{`{"a": 0, "b": "$c"}`, 31252},
		{`{"a": 1, "a.b": 1}`, 31249},
		{`{"a.b": 1, "a": 1}`, 31250},
		{`{"a": {"$slice": 1}}`, 2},
		{`{"a": {"$elemMatch": {"b": 1}}}`, 2},
		{`{"a.$": 1}`, 2},
		{`{"a": {"$toUpper": "x"}}`, 168},
		{`{"a": {"$foo": 1}}`, 168},
		{`{"a": "$"}`, 16872},
		{`{"$a": 1}`, 16410},
	}
	for _, tt := range tests {
		_, err := ParseProjection(D(tt.spec))
		wantCode(t, err, tt.code)
	}
}

func TestNilProjection(t *testing.T) {
	var p *Projection
	doc := D(`{"a": 1}`)
	got, err := p.Apply(doc)
	if err != nil {
		t.Fatal(err)
	}
	if d := diff(doc, got); d != "" {
		t.Error(d)
	}
}
