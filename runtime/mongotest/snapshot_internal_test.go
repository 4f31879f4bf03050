package mongotest

import (
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// frozenServer is a server keeping one minute of history, whose clock
// reads *now, for a test that calls the storage directly: it holds the
// catalog, so that no command runs meanwhile.
func frozenServer(t *testing.T, now *time.Time) *Server {
	t.Helper()
	s, err := StartWith(Options{SnapshotHistory: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	s.catalogMu.Lock()
	t.Cleanup(s.catalogMu.Unlock)
	s.hist.now = func() time.Time { return *now }
	return s
}

// TestHistoryWindow: superseded versions are kept while inside the
// snapshot history window, forgotten once outside it (unless an open
// transaction's snapshot needs them), and a deleted document's record goes
// with them: memory stays bounded by the window.
func TestHistoryWindow(t *testing.T) {
	now := time.Unix(1000, 0)
	s := frozenServer(t, &now)

	c := s.coll("db", "c", true)
	r := c.record("k", true)
	put := func(v int32) {
		s.put(view{}, c, r, bson.D{{Key: "_id", Value: "k"}, {Key: "v", Value: v}}, false)
		now = now.Add(time.Second)
	}
	for i := range int32(10) {
		put(i)
	}
	if n := len(versionTimes(r)); n != 10 {
		t.Fatalf("%d versions inside the window, want all 10", n)
	}
	first := versionTimes(r)[0]
	if got := (view{at: first, atSet: true}).doc(r); got[1].Value != int32(0) {
		t.Fatalf("read at the first commit: %v", got)
	}

	// A transaction opened now holds its snapshot's version.
	tx := s.beginTxn(s.session("x"), 1, 0, false)
	now = now.Add(2 * time.Minute)
	put(10)
	if n := len(versionTimes(r)); n != 2 {
		t.Fatalf("%d versions after the window passed with a transaction open, want its snapshot's and the new one", n)
	}
	if _, err := s.snapshotTime(bson.D{{Key: "atClusterTime", Value: s.at(first)}}); err == nil || err.Code != codeSnapshotTooOld {
		t.Fatalf("read at a time outside the window: %v, want SnapshotTooOld", err)
	}
	s.abortTxn(tx, "test")
	now = now.Add(2 * time.Minute)
	put(11)
	// Kept: the state at the oldest readable time, and the new one.
	if ts := versionTimes(r); len(ts) != 2 || ts[0] != s.hist.from {
		t.Fatalf("versions at %v once nothing needs the old ones, want the one at %d and the new one", ts, s.hist.from)
	}

	// Under steady writes the log holds one window of commits.
	for i := range int32(5000) {
		put(i)
	}
	if live := len(s.hist.log) - s.hist.head; live > 62 || len(s.hist.log) > 2100 {
		t.Fatalf("log of %d entries (%d live) after 5000 commits one second apart, want one minute's", len(s.hist.log), live)
	}

	// A delete's tombstone is forgotten with its record once aged out.
	s.put(view{}, c, r, nil, false)
	now = now.Add(2 * time.Minute)
	s.put(view{}, c, c.record("other", true), bson.D{{Key: "_id", Value: "other"}}, false)
	if !r.removed() || c.records.get("k") != nil {
		t.Fatal("an aged-out deleted record is still kept")
	}
}

// versionTimes lists the commit times of r's committed versions, oldest first.
func versionTimes(r *record) []uint32 {
	var ts []uint32
	for v := r.older(); v != nil; v = v.older {
		ts = append(ts, v.ts)
	}
	slices.Reverse(ts)
	if r.committed() {
		ts = append(ts, r.ts)
	}
	return ts
}
