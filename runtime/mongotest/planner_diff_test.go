package mongotest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongotxgen/mongotxgen/runtime/mongotest/internal/mql"
)

// TestPlannerMatchesScan is the planner's differential test: random
// documents (mixed types, arrays, missing fields, nulls), random indexes
// (compound, descending, sparse, unique), random writes committed, pending
// in transactions and aborted, then random filters, sorts, skips and
// limits read through the latest state, transactions' views and snapshot
// reads: every answer must be the collection scan's, order included.
func TestPlannerMatchesScan(t *testing.T) {
	rounds := 150
	if testing.Short() {
		rounds = 30
	}
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.catalogMu.Lock() // no command runs meanwhile
	defer s.catalogMu.Unlock()
	queries := 0
	for round := range rounds {
		g := &docGen{r: rand.New(rand.NewPCG(uint64(round), 7)), arrays: round%2 == 0}
		c := s.coll("diff", fmt.Sprintf("c%d", round), true)
		g.indexes(t, c, 1+g.r.IntN(3))
		views := g.populate(s, c)
		if g.r.IntN(2) == 0 {
			g.indexes(t, c, 1) // built over existing versions and pending writes
		}
		checkEntries(t, c)
		for range 60 {
			filter, spec := g.filter(), g.sort()
			q, err := parseQueryWith(filter, nil)
			if err != nil {
				t.Fatalf("round %d: filter %v: %v", round, filter, err)
			}
			sorter, err := mql.ParseSort(spec)
			if err != nil {
				t.Fatal(err)
			}
			if spec == nil {
				sorter = nil
			}
			skip, limit := int64(g.r.IntN(3)), int64(g.r.IntN(4))
			for vi, v := range views {
				got, _ := queryDocs(c, v, q, spec, sorter, skip, limit)
				want, _ := scanAll(c, v, q, -1)
				if sorter != nil {
					slices.SortStableFunc(want, func(a, b docRef) int { return sorter.Compare(a.doc, b.doc) })
				}
				want = want[min(int64(len(want)), skip):]
				if limit > 0 && int64(len(want)) > limit {
					want = want[:limit]
				}
				if diff := cmp.Diff(refKeys(want), refKeys(got)); diff != "" {
					t.Fatalf("round %d, view %d, indexes %v\nfilter %v sort %v skip %d limit %d (-scan +planner):\n%s",
						round, vi, indexKeys(c), filter, spec, skip, limit, diff)
				}
				all, _ := scanAll(c, v, q, -1)
				if n, _ := countDocs(c, v, q); n != int64(len(all)) {
					t.Fatalf("round %d, view %d: count %v = %d, scan finds %d", round, vi, filter, n, len(all))
				}
				queries++
			}
		}
	}
	t.Logf("%d queries compared", queries)
}

// checkEntries checks that c's indexes hold exactly the entries of the
// documents its records still hold: none is missing, none is left over.
func checkEntries(t *testing.T, c *collection) {
	t.Helper()
	for _, ix := range c.indexes {
		want := map[string]bool{}
		for _, r := range c.order {
			if r.removed() {
				continue
			}
			for _, d := range r.docs() {
				keys, _ := ix.keys(d)
				for _, k := range keys {
					want[idKey(r.id())+" "+k.key] = true
				}
			}
		}
		got := map[string]bool{}
		for _, ch := range ix.tree.chunks {
			for _, e := range ch {
				vals := make(bson.A, len(ix.key))
				for j := range vals {
					vals[j] = e.val(j)
				}
				got[idKey(e.rec.id())+" "+idKey(vals)] = true
			}
		}
		if diff := cmp.Diff(want, got); diff != "" || ix.tree.n != len(got) {
			t.Fatalf("index %v entries (-want +got), n=%d:\n%s", ix.key, ix.tree.n, diff)
		}
	}
}

func refKeys(refs []docRef) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = idKey(r.rec.id()) + " " + bsonString(r.doc)
	}
	return out
}

func indexKeys(c *collection) []string {
	var out []string
	for _, ix := range c.indexes {
		out = append(out, fmt.Sprintf("%v unique=%v sparse=%v multikey=%v", ix.key, ix.unique, ix.sparse, ix.multikey))
	}
	return out
}

type docGen struct {
	r      *rand.Rand
	arrays bool // documents may hold arrays: indexes become multikey
}

var diffFields = []string{"a", "b", "c", "d.x"}

func (g *docGen) value() any {
	pool := []func() any{
		func() any { return int32(g.r.IntN(5) - 1) },
		func() any { return int64(g.r.IntN(5) - 1) },
		func() any { return float64(g.r.IntN(5)) - 0.5*float64(g.r.IntN(2)) },
		func() any { return []string{"", "a", "b", "ab"}[g.r.IntN(4)] },
		func() any { return nil },
		func() any { return g.r.IntN(2) == 0 },
		func() any { return bson.A{int32(g.r.IntN(4)), int32(g.r.IntN(4))} },
		func() any { return bson.A{} },
		func() any { return bson.A{"a", int32(1)} },
		func() any { return bson.D{{Key: "x", Value: int32(g.r.IntN(3))}} },
		func() any { return bson.DateTime(int64(g.r.IntN(3)) * 1000) },
	}
	for {
		v := pool[g.r.IntN(len(pool))]()
		if _, isArr := v.(bson.A); !isArr || g.arrays {
			return v
		}
	}
}

func (g *docGen) doc(id int) bson.D {
	d := bson.D{{Key: "_id", Value: int32(id)}}
	for _, f := range []string{"a", "b", "c"} {
		if g.r.IntN(5) > 0 {
			d = append(d, bson.E{Key: f, Value: g.value()})
		}
	}
	switch g.r.IntN(4) {
	case 0:
		d = append(d, bson.E{Key: "d", Value: bson.D{{Key: "x", Value: g.value()}}})
	case 1:
		if !g.arrays {
			break
		}
		d = append(d, bson.E{Key: "d", Value: bson.A{bson.D{{Key: "x", Value: g.value()}}, bson.D{{Key: "x", Value: g.value()}}}})
	}
	return d
}

// indexes adds n random indexes to c; a unique one the documents already
// there violate is left out.
func (g *docGen) indexes(t *testing.T, c *collection, n int) {
	for range n {
		key := bson.D{}
		for _, i := range g.r.Perm(len(diffFields))[:1+g.r.IntN(2)] {
			key = append(key, bson.E{Key: diffFields[i], Value: int32(1 - 2*g.r.IntN(2))})
		}
		spec := bson.D{{Key: "key", Value: key}, {Key: "name", Value: fmt.Sprintf("ix%d", len(c.indexes))},
			{Key: "unique", Value: g.r.IntN(4) == 0}, {Key: "sparse", Value: g.r.IntN(3) == 0}}
		ix, err := parseIndex(spec)
		if err != nil {
			t.Fatal(err)
		}
		if buildIndex(c, ix) == nil {
			c.indexes = append(c.indexes, ix)
		}
	}
}

// populate writes random documents to c, some in transactions left open
// or aborted, and returns the views to read c through.
func (g *docGen) populate(s *Server, c *collection) []view {
	write := func(v view, id int, doc bson.D) {
		r := c.record(int32(id), true)
		if wait, err := s.claim(v, r); wait != nil || err != nil {
			return
		}
		if doc != nil {
			if wait, err := s.checkUnique(c, v, r, doc); wait != nil || err != nil {
				return
			}
		}
		s.put(v, c, r, doc, false)
	}
	n := 5 + g.r.IntN(40)
	for i := range n {
		write(view{}, i, g.doc(i))
	}
	at := s.clock.Load()
	var views []view
	for tn := range 3 {
		tx := s.beginTxn(s.session(fmt.Sprintf("%s-%d", c.name, tn)), 1, 0, false)
		for range 1 + g.r.IntN(6) {
			id := g.r.IntN(n + 5)
			if g.r.IntN(4) == 0 {
				write(view{tx: tx}, id, nil)
			} else {
				write(view{tx: tx}, id, g.doc(id))
			}
		}
		for range g.r.IntN(8) { // committed after the transaction's snapshot
			id := g.r.IntN(n + 5)
			if g.r.IntN(3) == 0 {
				write(view{}, id, nil)
			} else {
				write(view{}, id, g.doc(id))
			}
		}
		switch tn {
		case 0:
			views = append(views, view{tx: tx})
		case 1:
			s.abortTxn(tx, "test")
		case 2:
			if s.commitTxn(tx) != nil {
				continue
			}
		}
	}
	return append(views, view{}, view{at: at, atSet: true})
}

func (g *docGen) operand() any {
	for {
		if v := g.value(); indexable(v) || g.r.IntN(4) == 0 {
			return v
		}
	}
}

func (g *docGen) filter() bson.D {
	f := func() bson.E {
		path := diffFields[g.r.IntN(len(diffFields))]
		switch g.r.IntN(6) {
		case 0:
			return bson.E{Key: path, Value: bson.D{{Key: "$in", Value: bson.A{g.operand(), g.operand()}}}}
		case 1:
			return bson.E{Key: path, Value: bson.D{{Key: []string{"$gt", "$gte", "$lt", "$lte"}[g.r.IntN(4)], Value: g.operand()}}}
		case 2:
			return bson.E{Key: path, Value: bson.D{{Key: "$gte", Value: g.operand()}, {Key: "$lt", Value: g.operand()}}}
		case 3:
			return bson.E{Key: path, Value: bson.D{{Key: "$eq", Value: g.operand()}, {Key: "$ne", Value: g.operand()}}}
		default:
			return bson.E{Key: path, Value: g.operand()}
		}
	}
	var d bson.D
	switch g.r.IntN(8) {
	case 0:
		return bson.D{}
	case 1:
		d = bson.D{{Key: "_id", Value: int32(g.r.IntN(40))}}
	case 2:
		d = bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: bson.A{int32(g.r.IntN(40)), float64(g.r.IntN(40))}}}}}
	case 3:
		return bson.D{{Key: "$and", Value: bson.A{bson.D{f()}, bson.D{f()}}}}
	}
	for range 1 + g.r.IntN(2) {
		e := f()
		if !slices.ContainsFunc(d, func(x bson.E) bool { return x.Key == e.Key }) {
			d = append(d, e)
		}
	}
	return d
}

func (g *docGen) sort() bson.D {
	if g.r.IntN(3) == 0 {
		return nil
	}
	var d bson.D
	for _, i := range g.r.Perm(len(diffFields))[:1+g.r.IntN(2)] {
		d = append(d, bson.E{Key: diffFields[i], Value: int32(1 - 2*g.r.IntN(2))})
	}
	return d
}
