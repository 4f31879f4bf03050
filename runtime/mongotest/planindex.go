package mongotest

import (
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongotxgen/mongotxgen/runtime/mongotest/internal/mql"
)

// indexPlan is a scan of one index over a list of key tuples.
type indexPlan struct {
	ix *index
	// tuples are the bounds scanned, in the index's order: each pins its
	// leading fields to points and may bound the next one.
	tuples [][]interval
	fixed  int // leading fields pinned to the same point in every tuple
	score  int
}

// choosePlan picks the index that constrains most of the filter's fields
// (equalities first), or one whose order gives the sort; nil: scan.
func choosePlan(c *collection, preds map[string]*fieldPred, sort []sortField) *indexPlan {
	var best *indexPlan
	for _, ix := range c.indexes {
		if ix.partial != nil {
			continue // it lacks the documents its filter leaves out
		}
		p := planIndex(ix, preds)
		if p == nil && len(sort) > 0 && !ix.sparse {
			// No bounds: the whole index, for its order. A sparse index
			// lacks the documents without its fields.
			p = &indexPlan{ix: ix, tuples: [][]interval{nil}}
			if _, ok := p.order(sort); !ok {
				p = nil
			}
		}
		if p != nil && (best == nil || p.score > best.score) {
			best = p
		}
	}
	return best
}

// planIndex bounds ix's leading fields by preds; nil when the first is
// not constrained.
func planIndex(ix *index, preds map[string]*fieldPred) *indexPlan {
	var fields [][]interval
	size, score := 1, 0
	for _, k := range ix.key {
		p := preds[k.Key]
		if p == nil {
			break
		}
		if p.eq {
			if size*len(p.points) > maxTuples {
				break
			}
			alts := make([]interval, len(p.points))
			for i, v := range p.points {
				alts[i] = point(v)
			}
			if ix.tree.dirs[len(fields)] < 0 {
				reverse(alts)
			}
			fields = append(fields, alts)
			size *= max(len(p.points), 1)
			score += 2
			continue
		}
		if p.rng != nil {
			r := *p.rng
			if ix.multikey && r.hasLo && r.hasHi {
				r.hasHi = false // each bound may hold for another element
			}
			fields = append(fields, []interval{r})
			score++
		}
		break
	}
	if len(fields) == 0 {
		return nil
	}
	p := &indexPlan{ix: ix, score: score, tuples: [][]interval{nil}}
	for _, alts := range fields {
		next := make([][]interval, 0, len(p.tuples)*len(alts))
		for _, t := range p.tuples {
			for _, a := range alts {
				next = append(next, append(t[:len(t):len(t)], a))
			}
		}
		p.tuples = next
	}
	for p.fixed < len(fields) && len(fields[p.fixed]) == 1 && fields[p.fixed][0].isPoint() {
		p.fixed++
	}
	return p
}

func reverse(s []interval) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

// order reports whether the plan yields documents sorted by sort, read
// forward or backward: the sort must be the index's fields after some
// pinned ones, all in the index's directions or all reversed, so that
// equal sort keys are equal index keys (which come in natural order).
func (p *indexPlan) order(sort []sortField) (backward, ok bool) {
	if p.ix.multikey || len(sort) == 0 {
		return false, false
	}
	n := len(p.ix.key)
	for start := 0; start <= p.fixed && start <= n; start++ {
		if n-start != len(sort) {
			continue
		}
		fwd, bwd := true, true
		for j, s := range sort {
			if s.path != p.ix.key[start+j].Key {
				fwd, bwd = false, false
				break
			}
			if s.dir == p.ix.tree.dirs[start+j] {
				bwd = false
			} else {
				fwd = false
			}
		}
		if fwd || bwd {
			return bwd, true
		}
	}
	return false, false
}

// natural reports whether the plan yields documents in natural order:
// it pins every field to one point, so all its entries are equal.
func (p *indexPlan) natural() bool {
	return !p.ix.multikey && len(p.tuples) <= 1 && p.fixed == len(p.ix.key)
}

// run passes the documents the plan finds that q matches in v to yield,
// in the index's order (backward: reversed, equal keys still in natural
// order), until yield returns false.
func (p *indexPlan) run(v view, q *query, backward bool, yield func(docRef) bool) *cmdError {
	ix := p.ix
	var seen map[*record]bool // multikey: a document has several entries
	if ix.multikey {
		seen = map[*record]bool{}
	}
	var err *cmdError
	visit := func(e keyEntry) bool {
		d := v.doc(e.rec)
		switch {
		case d == nil:
			return true
		case seen != nil:
			if seen[e.rec] {
				return true
			}
			seen[e.rec] = true
		case !ix.isKeyOf(d, e):
			return true // the entry of another version: d's own is elsewhere
		}
		ok, merr := q.matches(d)
		if merr != nil {
			err = merr
			return false
		}
		return !ok || yield(docRef{e.rec, d})
	}
	for i := range p.tuples {
		t := p.tuples[i]
		if backward {
			t = p.tuples[len(p.tuples)-1-i]
		}
		if !ix.scan(t, backward, visit) {
			break
		}
	}
	return err
}

// isKeyOf reports whether e's key is the key doc puts in ix, which is not
// multikey.
func (ix *index) isKeyOf(doc bson.D, e keyEntry) bool {
	for j, k := range ix.key {
		vs := mql.Values(doc, k.Key)
		if len(vs) != 1 || mql.Compare(vs[0], e.val(j)) != 0 {
			return false
		}
	}
	return true
}

// scan visits the entries within bounds t until visit returns false, and
// reports whether it did not.
func (ix *index) scan(t []interval, backward bool, visit func(keyEntry) bool) bool {
	tr := ix.tree
	side := func(e keyEntry) int {
		for j, iv := range t {
			if s := iv.side(e.val(j)) * tr.dirs[j]; s != 0 {
				return s
			}
		}
		return 0
	}
	if !backward {
		for p := tr.search(func(e keyEntry) bool { return side(e) < 0 }); ; p = tr.next(p) {
			e, ok := tr.at(p)
			if !ok || side(e) != 0 {
				return true
			}
			if !visit(e) {
				return false
			}
		}
	}
	// Backward, a run of equal keys is buffered and visited in natural order.
	var run []keyEntry
	flush := func() bool {
		for i := len(run) - 1; i >= 0; i-- {
			if !visit(run[i]) {
				return false
			}
		}
		run = run[:0]
		return true
	}
	for p := tr.prev(tr.search(func(e keyEntry) bool { return side(e) <= 0 })); ; p = tr.prev(p) {
		e, ok := tr.at(p)
		if !ok || side(e) != 0 {
			return flush()
		}
		if len(run) > 0 && tr.compareKeys(run[0], e) != 0 && !flush() {
			return false
		}
		run = append(run, e)
	}
}
