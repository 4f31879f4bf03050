package mongotest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestChangeLogBounded: the change log keeps at most changeLogCap events
// and none older than the history window, and says what it lost.
func TestChangeLogBounded(t *testing.T) {
	now := time.Unix(1000, 0)
	s := frozenServer(t, &now)
	c := s.coll("db", "c", true)
	for i := range changeLogCap + 10 {
		s.put(view{}, c, c.record(int32(i), true), bson.D{{Key: "_id", Value: int32(i)}}, false)
	}
	l := &s.events
	if n := l.events.n; n != changeLogCap {
		t.Fatalf("%d events kept, want the cap %d", n, changeLogCap)
	}
	// The ring wrapped: the kept events still come out oldest first.
	kept, _, lerr := s.eventsSince(l.lost, changeLogCap)
	if lerr != nil || len(kept) != changeLogCap {
		t.Fatalf("eventsSince the lost position: %d events, %v", len(kept), lerr)
	}
	for k, e := range kept {
		if e.id != int32(k+10) || e.op != "insert" || e.doc[0].Value != e.id {
			t.Fatalf("kept event %d is %+v, want the insert of _id %d", k, e, k+10)
		}
	}
	if _, _, err := s.eventsSince(streamPos{t: uint32(s.started.Unix()), i: 1}, 1); err == nil || err.Code != codeChangeStreamHistoryLost {
		t.Fatalf("resuming after a forgotten event: %v, want ChangeStreamHistoryLost", err)
	}
	now = now.Add(2 * time.Minute)
	s.put(view{}, c, c.record("last", true), bson.D{{Key: "_id", Value: "last"}}, false)
	if n := l.events.n; n != 1 {
		t.Fatalf("%d events kept after the window passed, want 1", n)
	}
}

// TestUpdateDescription: the description of an update is the difference
// of the documents.
func TestUpdateDescription(t *testing.T) {
	d := func(kv ...any) bson.D {
		var out bson.D
		for i := 0; i < len(kv); i += 2 {
			out = append(out, bson.E{Key: kv[i].(string), Value: kv[i+1]})
		}
		return out
	}
	for _, tc := range []struct {
		name      string
		pre, post bson.D
		want      bson.D
	}{
		{"set and remove", d("_id", 1, "a", 1, "b", 2), d("_id", 1, "a", 3, "c", 4),
			d("updatedFields", d("a", 3, "c", 4), "removedFields", bson.A{"b"}, "truncatedArrays", bson.A{})},
		{"nested path", d("_id", 1, "s", d("x", 1, "y", 2)), d("_id", 1, "s", d("x", 1, "y", 5)),
			d("updatedFields", d("s.y", 5), "removedFields", bson.A{}, "truncatedArrays", bson.A{})},
		{"array push and change", d("_id", 1, "a", bson.A{1, 2}), d("_id", 1, "a", bson.A{1, 7, 8}),
			d("updatedFields", d("a.1", 7, "a.2", 8), "removedFields", bson.A{}, "truncatedArrays", bson.A{})},
		{"array shortened", d("_id", 1, "a", bson.A{1, 2, 3}), d("_id", 1, "a", bson.A{1}),
			d("updatedFields", bson.D{}, "removedFields", bson.A{}, "truncatedArrays", bson.A{d("field", "a", "newSize", int32(1))})},
		{"type change", d("_id", 1, "a", int32(1)), d("_id", 1, "a", int64(1)),
			d("updatedFields", d("a", int64(1)), "removedFields", bson.A{}, "truncatedArrays", bson.A{})},
	} {
		if diff := cmp.Diff(tc.want, updateDescription(tc.pre, tc.post)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}
