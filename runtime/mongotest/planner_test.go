package mongotest

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestPlanChoice: the planner reads the index a filter constrains, with
// the bounds it implies, and knows when the index's order is the answer's.
func TestPlanChoice(t *testing.T) {
	c := &collection{}
	for _, spec := range []bson.D{
		{{Key: "key", Value: bson.D{{Key: "email", Value: int32(1)}}}, {Key: "name", Value: "email_1"}, {Key: "unique", Value: true}},
		{{Key: "key", Value: bson.D{{Key: "a", Value: int32(1)}, {Key: "b", Value: int32(-1)}}}, {Key: "name", Value: "a_1_b_-1"}},
		{{Key: "key", Value: bson.D{{Key: "s", Value: int32(1)}}}, {Key: "name", Value: "s_1"}, {Key: "sparse", Value: true}},
	} {
		ix, err := parseIndex(spec)
		if err != nil {
			t.Fatal(err)
		}
		if err := buildIndex(c, ix); err != nil {
			t.Fatal(err)
		}
		c.indexes = append(c.indexes, ix)
	}
	cases := []struct {
		filter, sort     bson.D
		index            string // "": a collection scan
		tuples           int
		inOrder, natural bool
		backward         bool
	}{
		{filter: bson.D{{Key: "email", Value: "x"}}, index: "email_1", tuples: 1, natural: true},
		{filter: bson.D{{Key: "email", Value: bson.D{{Key: "$in", Value: bson.A{"x", "y", "x"}}}}}, index: "email_1", tuples: 2},
		{filter: bson.D{{Key: "a", Value: int32(1)}, {Key: "b", Value: bson.D{{Key: "$gt", Value: int32(2)}}}},
			sort: bson.D{{Key: "b", Value: int32(1)}}, index: "a_1_b_-1", tuples: 1, inOrder: true, backward: true},
		{filter: bson.D{{Key: "$and", Value: bson.A{bson.D{{Key: "a", Value: int32(1)}}, bson.D{{Key: "b", Value: int32(2)}}}}},
			index: "a_1_b_-1", tuples: 1, natural: true},
		{filter: bson.D{{Key: "b", Value: int32(2)}}},                                         // not a leading field
		{filter: bson.D{{Key: "a", Value: nil}}},                                              // null also matches missing
		{filter: bson.D{{Key: "s", Value: int32(1)}}, index: "s_1", tuples: 1, natural: true}, // sparse, constrained
		{sort: bson.D{{Key: "s", Value: int32(1)}}},                                           // sparse: lacks documents
		{sort: bson.D{{Key: "a", Value: int32(-1)}, {Key: "b", Value: int32(1)}}, index: "a_1_b_-1", tuples: 1, inOrder: true, backward: true},
		{sort: bson.D{{Key: "a", Value: int32(1)}}}, // ties would follow b, not natural order
		{filter: bson.D{{Key: "email", Value: bson.D{{Key: "$lt", Value: "m"}}}}, sort: bson.D{{Key: "email", Value: int32(1)}}, index: "email_1", tuples: 1, inOrder: true},
	}
	for _, tc := range cases {
		preds := map[string]*fieldPred{}
		predicates(tc.filter, preds)
		sort := sortFields(tc.sort)
		p := choosePlan(c, preds, sort)
		if p == nil {
			if tc.index != "" {
				t.Errorf("%v sort %v: a scan, want index %s", tc.filter, tc.sort, tc.index)
			}
			continue
		}
		backward, inOrder := p.order(sort)
		if p.ix.name != tc.index || len(p.tuples) != tc.tuples || inOrder != tc.inOrder || backward != tc.backward || p.natural() != tc.natural {
			t.Errorf("%v sort %v: index %s, %d tuples, in order %v (backward %v), natural %v; want %+v",
				tc.filter, tc.sort, p.ix.name, len(p.tuples), inOrder, backward, p.natural(), tc)
		}
	}
}
