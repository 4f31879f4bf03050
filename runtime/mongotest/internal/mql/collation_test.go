package mql

import (
	"slices"
	"testing"
)

func TestCollationKeys(t *testing.T) {
	ci, err := ParseCollation(D(`{"locale": "en_US", "strength": 2}`))
	if err != nil {
		t.Fatal(err)
	}
	cs, err := ParseCollation(D(`{"locale": "en"}`)) // strength 3 by default
	if err != nil {
		t.Fatal(err)
	}
	words := []string{"b", "A", "a", "ab", "a b", "B", "1", "Ab", " ", "aB"}
	for _, tt := range []struct {
		c    *Collation
		want []string // ICU's order
	}{
		{ci, []string{" ", "1", "A", "a", "a b", "ab", "Ab", "aB", "b", "B"}},
		{cs, []string{" ", "1", "a", "A", "a b", "ab", "aB", "Ab", "b", "B"}},
	} {
		got := slices.Clone(words)
		slices.SortStableFunc(got, func(x, y string) int {
			kx, _ := tt.c.Key(x)
			ky, _ := tt.c.Key(y)
			return Compare(kx, ky)
		})
		if d := diff(tt.want, got); d != "" {
			t.Errorf("order (-want +got):\n%s", d)
		}
	}
	if k1, _ := ci.Key("PING"); !Equal(k1, "ping") {
		t.Errorf("strength 2 key of PING = %v", k1)
	}
	if k1, _ := cs.Key("PING"); Equal(k1, mustKey(t, cs, "ping")) {
		t.Error("strength 3 makes PING equal ping")
	}
	if _, err := ci.Key("naïve"); err == nil {
		t.Error("a non-ASCII string was keyed")
	}
	if c, err := ParseCollation(D(`{"locale": "simple"}`)); c != nil || err != nil {
		t.Errorf("simple collation = %v, %v; want nil, nil", c, err)
	}
	for _, spec := range []string{`{"locale": "fr"}`, `{"locale": "en", "strength": 4}`, `{"locale": "en", "numericOrdering": true}`,
		`{"locale": "en", "caseFirst": "upper"}`, `{"locale": "en", "alternate": "shifted"}`, `{"locale": "simple", "strength": 2}`} {
		_, err := ParseCollation(D(spec))
		wantCode(t, err, CodeBadValue)
	}
}

func mustKey(t *testing.T, c *Collation, v any) any {
	t.Helper()
	k, err := c.Key(v)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestKeyFilter(t *testing.T) {
	c, err := ParseCollation(D(`{"locale": "en", "strength": 2}`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.KeyFilter(D(`{"a": "X", "b": {"$in": ["Y", 1], "$type": "string", "$exists": true},
		"$or": [{"c": {"$elemMatch": {"d": "Z"}}}, {"e": {"$not": {"$gt": "W"}}}], "f": {"g": "V"}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := D(`{"a": "x", "b": {"$in": ["y", 1], "$type": "string", "$exists": true},
		"$or": [{"c": {"$elemMatch": {"d": "z"}}}, {"e": {"$not": {"$gt": "w"}}}], "f": {"g": "v"}}`)
	if d := diff(want, got); d != "" {
		t.Errorf("KeyFilter (-want +got):\n%s", d)
	}
	for _, f := range []string{`{"a": {"$regex": "x"}}`, `{"$expr": {"$eq": ["$a", "x"]}}`, `{"a": {"$regularExpression": {"pattern": "x", "options": ""}}}`} {
		_, err := c.KeyFilter(D(f))
		wantCode(t, err, CodeBadValue)
	}
}
