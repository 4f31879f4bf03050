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
	for step := range 20000 {
		key := strconv.Itoa(rng.IntN(3000))
		if r := want[key]; r != nil && rng.IntN(3) > 0 {
			s.remove(r)
			delete(want, key)
		} else if r == nil {
			r = &record{key: key}
			s.add(r)
			want[key] = r
		}
		if s.n != len(want) {
			t.Fatalf("step %d: %d records, want %d", step, s.n, len(want))
		}
		if step%500 == 0 || step > 19900 {
			for k := range 3000 {
				key := strconv.Itoa(k)
				if got := s.get(key); got != want[key] {
					t.Fatalf("step %d: get(%q) = %v, want %v", step, key, got, want[key])
				}
			}
		}
	}
	if got := (&recordSet{}).get("x"); got != nil {
		t.Fatalf("empty set: get = %v", got)
	}
}
