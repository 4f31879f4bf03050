package mongotest

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestRecordSet adds and removes random keys and checks the set against a
// map after every step: removal moves records back along their probe runs,
// which wrap around the end of the slots.
func TestRecordSet(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var s recordSet
	want := map[string]*record{}
	// Equal _ids of different types are one record, as in mongod's _id
	// index.
	ids := []func(int) any{
		func(k int) any { return int32(k) },
		func(k int) any { return int64(k) },
		func(k int) any { return float64(k) },
		func(k int) any { return strconv.Itoa(k) },
	}
	for step := range 20000 {
		k := rng.IntN(3000)
		key := idKey(ids[k%4](k))
		if r := want[key]; r != nil && rng.IntN(3) > 0 {
			s.remove(r)
			delete(want, key)
		} else if r == nil {
			id := ids[rng.IntN(3)](k)
			if k%4 == 3 {
				id = ids[3](k)
			}
			r = &record{ext: &recordExt{id: id}}
			s.add(r)
			want[key] = r
		}
		if s.n != len(want) {
			t.Fatalf("step %d: %d records, want %d", step, s.n, len(want))
		}
		if step%500 == 0 || step > 19900 {
			for k := range 3000 {
				id := ids[k%4](k)
				if k%4 != 3 {
					id = ids[rng.IntN(3)](k)
				}
				if got, w := s.get(id), want[idKey(id)]; got != w {
					t.Fatalf("step %d: get(%v) = %v, want %v", step, id, got, w)
				}
			}
		}
	}
	if got := (&recordSet{}).get("x"); got != nil {
		t.Fatalf("empty set: get = %v", got)
	}
}

// TestRecordExt: a record keeps its _id and older versions on the side
// only while it needs them, and stays found by _id (of any numeric type)
// through its insert, updates, delete and removal.
func TestRecordExt(t *testing.T) {
	now := time.Unix(1000, 0)
	s := frozenServer(t, &now)
	c := s.coll("db", "c", true)
	r := c.record(int32(7), true)
	put := func(doc bson.D) {
		s.put(view{}, c, r, doc, false)
		now = now.Add(time.Second)
	}
	found := func(step string) {
		t.Helper()
		for _, id := range []any{int32(7), int64(7), float64(7)} {
			if got := c.records.get(id); got != r {
				t.Fatalf("%s: get(%T 7) = %p, want the record %p", step, id, got, r)
			}
		}
	}
	put(bson.D{{Key: "_id", Value: int64(7)}, {Key: "v", Value: int32(0)}})
	first := r.latestTS()
	if r.ext != nil {
		t.Fatalf("after the insert: ext %+v, want none", r.ext)
	}
	found("inserted")
	put(bson.D{{Key: "_id", Value: int64(7)}, {Key: "v", Value: int32(1)}})
	if r.older() == nil {
		t.Fatal("after an update inside the window: no older version")
	}
	if got := r.at(first); got[1].Value != int32(0) {
		t.Fatalf("read at the insert: %v", got)
	}
	found("updated")
	// Commits to another record age the update out and prune r.
	other := c.record("other", true)
	for i := range int32(2) {
		now = now.Add(2 * time.Minute)
		s.put(view{}, c, other, bson.D{{Key: "_id", Value: "other"}, {Key: "v", Value: i}}, false)
	}
	if r.ext != nil {
		t.Fatalf("once the old versions aged out: ext %+v, want none", r.ext)
	}
	found("aged out")
	put(nil)
	if r.ext == nil || r.latest() != nil {
		t.Fatalf("after the delete: ext %v, doc %v", r.ext, r.latest())
	}
	found("deleted")
	for i := range int32(2) {
		now = now.Add(2 * time.Minute)
		s.put(view{}, c, other, bson.D{{Key: "_id", Value: "other"}, {Key: "v", Value: i}}, false)
	}
	if !r.removed() || c.records.get(int32(7)) != nil {
		t.Fatal("an aged-out deleted record is still kept")
	}
}
