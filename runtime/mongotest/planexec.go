package mongotest

import (
	"cmp"
	"math"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongotxgen/mongotxgen/runtime/mongotest/internal/mql"
)

// queryDocs answers a query on c as v sees it: the documents q (nil: all)
// matches, sorted stably by sorter (nil: natural order), skip of them
// left out and at most limit (0: all) kept. sortSpec is sorter's source,
// matched against the indexes' keys.
func queryDocs(c *collection, v view, q *query, sortSpec bson.D, sorter *mql.Sort, skip, limit int64) ([]docRef, *cmdError) {
	if c == nil {
		return nil, nil
	}
	want := -1 // stop once this many are found, when the order allows
	if limit > 0 {
		want = int(min(skip+limit, math.MaxInt32))
	}
	preds := map[string]*fieldPred{}
	if q != nil && q.binaryOrder() {
		predicates(q.src, preds)
	}
	if len(sortSpec) == 0 {
		sorter = nil // an empty sort keeps natural order
	}
	var sort []sortField
	if sorter != nil && (q == nil || q.binaryOrder()) {
		// A collation sorts by its keys, not in the indexes' BSON order.
		sort = sortFields(sortSpec)
	}
	var refs []docRef
	var err *cmdError
	ordered := false // refs are already in the order asked
	if ids := preds["_id"]; ids != nil && ids.eq && idLookup(ids.points) {
		refs, err = byIDs(c, v, q, ids.points)
	} else if p := choosePlan(c, preds, sort); p != nil {
		backward, inOrder := p.order(sort)
		if sorter == nil {
			inOrder = p.natural()
		}
		err = p.run(v, q, backward, func(r docRef) bool {
			refs = append(refs, r)
			return !inOrder || want < 0 || len(refs) < want
		})
		if ordered = inOrder; !inOrder {
			slices.SortFunc(refs, func(a, b docRef) int { return cmp.Compare(a.rec.seq, b.rec.seq) })
		}
	} else if sorter == nil {
		refs, err = scanAll(c, v, q, want)
		ordered = true
	} else {
		refs, err = scanAll(c, v, q, -1)
	}
	if err != nil {
		return nil, err
	}
	if !ordered {
		q.sortRefs(refs, sorter)
	}
	refs = refs[min(int64(len(refs)), max(skip, 0)):]
	if limit > 0 && int64(len(refs)) > limit {
		refs = refs[:limit]
	}
	return refs, nil
}

// binaryOrder reports whether q compares values in BSON order, the order
// of the indexes; a collation would compare strings by its keys.
func (q *query) binaryOrder() bool { return q == nil || q.collation == nil }

// countDocs counts the documents q (nil: all) matches in c as v sees it:
// all of them in O(1) when nothing filters and v is the latest state.
func countDocs(c *collection, v view, q *query) (int64, *cmdError) {
	if c == nil {
		return 0, nil
	}
	if (q == nil || len(q.src) == 0) && v.tx == nil && !v.atSet {
		return int64(c.live), nil
	}
	refs, err := queryDocs(c, v, q, nil, nil, 0, 0)
	return int64(len(refs)), err
}

// leadingMatch takes a pipeline's first stage, when it is a valid
// $match, out as a query for the planner (CountDocuments sends one).
func leadingMatch(stages []bson.D) (*query, []bson.D) {
	if len(stages) == 0 || len(stages[0]) != 1 || stages[0][0].Key != "$match" {
		return nil, stages
	}
	d, ok := stages[0][0].Value.(bson.D)
	if !ok {
		return nil, stages
	}
	q, err := parseQueryWith(d, nil)
	if err != nil {
		return nil, stages // the pipeline reports it
	}
	return q, stages[1:]
}

// scanAll is a collection scan in natural order, stopping at want
// documents (negative: never).
func scanAll(c *collection, v view, q *query, want int) ([]docRef, *cmdError) {
	var out []docRef
	for _, r := range c.order {
		if r.removed() {
			continue
		}
		d := v.doc(r)
		if d == nil {
			continue
		}
		if ok, err := q.matches(d); err != nil {
			return nil, err
		} else if ok {
			if out = append(out, docRef{r, d}); len(out) == want {
				break
			}
		}
	}
	return out, nil
}

// idLookup reports whether every value has the _id key of every value
// equal to it, so that the _id map finds all of them.
func idLookup(vals []any) bool {
	for _, v := range vals {
		if f, ok := v.(float64); ok && f != math.Trunc(f) {
			return false // 0.5 also equals Decimal128 0.5, keyed apart
		}
	}
	return true
}

func byIDs(c *collection, v view, q *query, ids []any) ([]docRef, *cmdError) {
	var out []docRef
	for _, id := range ids {
		r := c.records.get(id)
		if r == nil {
			continue
		}
		if d := v.doc(r); d != nil {
			if ok, err := q.matches(d); err != nil {
				return nil, err
			} else if ok {
				out = append(out, docRef{r, d})
			}
		}
	}
	slices.SortFunc(out, func(a, b docRef) int { return cmp.Compare(a.rec.seq, b.rec.seq) })
	return out, nil
}

type sortField struct {
	path string
	dir  int
}

// sortFields lists a sort specification ParseSort accepted.
func sortFields(spec bson.D) []sortField {
	out := make([]sortField, len(spec))
	for i, e := range spec {
		out[i] = sortField{e.Key, 1}
		if n, _ := wholeNumber(e.Value); n < 0 || isNegFloat(e.Value) {
			out[i].dir = -1
		}
	}
	return out
}
