package mongotest

import (
	"math/rand/v2"
	"strconv"
	"testing"
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
			r = &record{id: ids[rng.IntN(3)](k)}
			if k%4 == 3 {
				r.id = ids[3](k)
			}
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
