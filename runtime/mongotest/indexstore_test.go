package mongotest

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestKeyTreeMatchesSortedList: random inserts and deletes, in key order
// and not, through many chunk splits and merges, leave the tree holding
// what a sorted list holds, and searches land where the list's do.
func TestKeyTreeMatchesSortedList(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	tr := newKeyTree(bson.D{{Key: "k", Value: int32(-1)}})
	recs := make([]*record, 50)
	for i := range recs {
		recs[i] = &record{seq: uint32(i)}
	}
	var list []keyEntry
	entry := func(k int) keyEntry { return newEntry([]any{int32(k % 2000)}, recs[k%len(recs)]) }
	for step := range 20000 {
		k := r.IntN(100000)
		if step < 3000 {
			k = 100000 - step*len(recs) // descending index: ascending position
		}
		e := entry(k)
		if step%3 == 2 && len(list) > 0 && step%2 == 0 {
			e = list[r.IntN(len(list))] // a delete that finds its entry
		}
		i, found := slices.BinarySearchFunc(list, e, tr.compare)
		if step%3 == 2 {
			tr.delete(e)
			if found {
				list = slices.Delete(list, i, i+1)
			}
		} else {
			tr.insert(e)
			if !found {
				list = slices.Insert(list, i, e)
			}
		}
	}
	if len(list) < 2*chunkMax {
		t.Fatalf("only %d entries: the test no longer splits chunks", len(list))
	}
	var got []keyEntry
	for _, c := range tr.chunks {
		if len(c) == 0 || len(c) > chunkMax {
			t.Fatalf("chunk of %d entries", len(c))
		}
		got = append(got, c...)
	}
	key := func(e keyEntry) [2]any { return [2]any{e.val(0), e.rec.seq} }
	if diff := cmp.Diff(apply(list, key), apply(got, key)); diff != "" || tr.n != len(list) {
		t.Fatalf("tree (n=%d) differs from the sorted list (%d):\n%s", tr.n, len(list), diff)
	}
	for range 200 {
		v := []any{int32(r.IntN(2100))}
		want := []uint32{}
		for _, e := range list {
			if tr.compareKey(e, v) == 0 {
				want = append(want, e.rec.seq)
			}
		}
		seq := func(r *record) uint32 { return r.seq }
		if diff := cmp.Diff(want, apply(tr.equal(v), seq)); diff != "" {
			t.Fatalf("equal(%v):\n%s", v, diff)
		}
	}
}

func apply[T, U any](s []T, f func(T) U) []U {
	out := make([]U, len(s))
	for i, x := range s {
		out[i] = f(x)
	}
	return out
}
