package mongotest

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongotxgen/mongotxgen/runtime/mongotest/internal/mql"
)

// The query planner answers a filter from an index when the filter's
// top-level conjunction constrains the index's leading fields: equality
// and $in pin fields, a range ($gt, $gte, $lt, $lte) bounds the next one.
// {_id: v} and {_id: {$in: […]}}, whatever else the filter holds, read the
// _id map directly. Index entries are candidates only (see indexstore.go):
// each is re-checked against the version the reader sees and against the
// whole filter, so an answer is exactly the collection scan's, in the
// scan's order: sorted stably by the sort, else natural order.
//
// When the index yields documents in the order asked (a sort on its
// fields, or equal keys, which come in natural order), the scan stops once
// skip+limit documents are found. Multikey indexes never give order: their
// candidates are collected, deduplicated and sorted.

// maxTuples bounds the point combinations a compound $in expands into.
const maxTuples = 1000

// interval is the values one index field may take.
type interval struct {
	lo, hi       any
	hasLo, hasHi bool
	loInc, hiInc bool
	bracket      int
}

func point(v any) interval {
	return interval{lo: v, hi: v, hasLo: true, hasHi: true, loInc: true, hiInc: true, bracket: mql.Bracket(v)}
}

func (iv interval) isPoint() bool {
	return iv.hasLo && iv.hasHi && iv.loInc && iv.hiInc && mql.Equal(iv.lo, iv.hi)
}

// side is -1 when v sorts before the interval, +1 after it, 0 inside.
func (iv interval) side(v any) int {
	if b := mql.Bracket(v); b != iv.bracket {
		return cmp.Compare(b, iv.bracket)
	}
	if iv.hasLo {
		if c := mql.Compare(v, iv.lo); c < 0 || c == 0 && !iv.loInc {
			return -1
		}
	}
	if iv.hasHi {
		if c := mql.Compare(v, iv.hi); c > 0 || c == 0 && !iv.hiInc {
			return 1
		}
	}
	return 0
}

// fieldPred is what the filter's conjunction requires of one field.
type fieldPred struct {
	eq     bool  // points holds every value the field may equal
	points []any // sorted, distinct
	rng    *interval
}

// predicates collects the indexable constraints of filter's top-level
// conjunction (and of nested $and), by field path.
func predicates(filter bson.D, into map[string]*fieldPred) {
	for _, e := range filter {
		if e.Key == "$and" {
			if list, ok := e.Value.(bson.A); ok {
				for _, sub := range list {
					if d, ok := sub.(bson.D); ok {
						predicates(d, into)
					}
				}
			}
			continue
		}
		if !indexablePath(e.Key) {
			continue
		}
		p := into[e.Key]
		if p == nil {
			p = &fieldPred{}
		}
		if p.add(e.Value) {
			into[e.Key] = p
		}
	}
}

// indexablePath excludes operators and paths with a positional part,
// whose matching rules differ from how index keys are collected.
func indexablePath(path string) bool {
	if strings.HasPrefix(path, "$") {
		return false
	}
	for _, part := range strings.Split(path, ".") {
		if part == "" || strings.Trim(part, "0123456789") == "" {
			return false
		}
	}
	return true
}

// add notes the constraint of one filter value and reports whether it
// gave anything indexable.
func (p *fieldPred) add(v any) bool {
	ops, isOps := v.(bson.D)
	if !isOps || len(ops) == 0 || !strings.HasPrefix(ops[0].Key, "$") {
		return p.addPoints(bson.A{v})
	}
	found := false
	for _, op := range ops {
		switch op.Key {
		case "$eq":
			found = p.addPoints(bson.A{op.Value}) || found
		case "$in":
			if list, ok := op.Value.(bson.A); ok {
				found = p.addPoints(list) || found
			}
		case "$gt", "$gte", "$lt", "$lte":
			found = p.addBound(op.Key, op.Value) || found
		}
	}
	return found
}

func (p *fieldPred) addPoints(vals bson.A) bool {
	if p.eq {
		return true // a second equality narrows; the first is enough to scan
	}
	for _, v := range vals {
		if !indexable(v) {
			return false
		}
	}
	pts := slices.Clone([]any(vals))
	slices.SortFunc(pts, mql.Compare)
	p.eq, p.points = true, slices.CompactFunc(pts, mql.Equal)
	return true
}

func (p *fieldPred) addBound(op string, v any) bool {
	if !indexable(v) {
		return false
	}
	if p.rng == nil {
		p.rng = &interval{bracket: mql.Bracket(v)}
	} else if p.rng.bracket != mql.Bracket(v) {
		return true // matches nothing but arrays: one bound is enough to scan
	}
	r := p.rng
	switch {
	case op[:3] == "$gt" && !r.hasLo:
		r.lo, r.hasLo, r.loInc = v, true, op == "$gte"
	case op[:3] == "$lt" && !r.hasHi:
		r.hi, r.hasHi, r.hiInc = v, true, op == "$lte"
	}
	return true
}

// indexable values have one place in an index and match only values equal
// to them: not null (matches missing fields), arrays, documents, regexes,
// NaN or decimals.
func indexable(v any) bool {
	switch x := v.(type) {
	case int32, int64, string, bson.ObjectID, bool, bson.DateTime, bson.Timestamp:
		return true
	case float64:
		return !math.IsNaN(x)
	}
	return false
}
