package mql

import (
	"math"
	"strconv"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// The predicates of field operators, tested against one value.

// truthy is mongod's boolean reading of an operator argument.
func truthy(v any) bool {
	switch x := normalize(v).(type) {
	case bool:
		return x
	case nil, bson.Undefined:
		return false
	case int32, int64, float64, bson.Decimal128:
		f, _ := asFloat(x)
		return f != 0
	}
	return true
}

// asFloat converts a number to float64.
func asFloat(v any) (float64, bool) {
	switch x := normalize(v).(type) {
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case bson.Decimal128:
		if x.IsNaN() {
			return math.NaN(), true
		}
		if s := x.IsInf(); s != 0 {
			return math.Inf(s), true
		}
		f, _ := toRat(x).Float64()
		return f, true
	}
	return 0, false
}

// toInt64Trunc converts a number to int64, truncating fractions; NaN and
// out-of-range values fail.
func toInt64Trunc(v any) (int64, bool) {
	if i, ok := intValue(v); ok {
		return i, true
	}
	f, ok := asFloat(v)
	if !ok || math.IsNaN(f) || f >= math.MaxInt64 || f < math.MinInt64 {
		return 0, false
	}
	return int64(f), true
}

// Leaf predicates.

// eqLeaf is equality; null also matches a missing field.
type eqLeaf struct{ rhs any }

func (l eqLeaf) matchesSingle(v any, found bool) bool {
	if l.rhs == nil {
		return !found || v == nil
	}
	return found && Equal(v, l.rhs)
}

// cmpLeaf is $gt, $gte, $lt or $lte: it matches only values in the same
// canonical type bracket as the operand, except that MinKey and MaxKey
// operands bound every value, missing ones included.
type cmpLeaf struct {
	op  string
	rhs any
}

func (l cmpLeaf) matchesSingle(v any, found bool) bool {
	rv, rr := rank(v), rank(l.rhs)
	if !found {
		// A missing value is null to a null operand, and is bounded by
		// MinKey and MaxKey like any other value.
		if l.rhs == nil {
			return l.op == "$gte" || l.op == "$lte"
		}
		rv = rankUndefined
	}
	if rv != rr {
		switch l.rhs.(type) {
		case bson.MinKey:
			return l.op == "$gt" || l.op == "$gte"
		case bson.MaxKey:
			return l.op == "$lt" || l.op == "$lte"
		}
		return false
	}
	if rv == rankNumber && (isNaN(v) || isNaN(l.rhs)) {
		return isNaN(v) && isNaN(l.rhs) && (l.op == "$gte" || l.op == "$lte")
	}
	c := Compare(v, l.rhs)
	switch l.op {
	case "$gt":
		return c > 0
	case "$gte":
		return c >= 0
	case "$lt":
		return c < 0
	default:
		return c <= 0
	}
}

// inLeaf is $in: equality with any value or a match of any regex.
type inLeaf struct {
	values  []any
	regexes []regexLeaf
	null    bool
}

func (l inLeaf) matchesSingle(v any, found bool) bool {
	if !found {
		return l.null
	}
	for _, x := range l.values {
		if Equal(v, x) {
			return true
		}
	}
	for _, r := range l.regexes {
		if r.matchesSingle(v, found) {
			return true
		}
	}
	return false
}

type existsLeaf struct{}

func (existsLeaf) matchesSingle(_ any, found bool) bool { return found }

type sizeLeaf int

func (l sizeLeaf) matchesSingle(v any, _ bool) bool {
	arr, ok := v.(bson.A)
	return ok && len(arr) == int(l)
}

type typeLeaf struct {
	codes  []int32
	number bool
}

func (l typeLeaf) matchesSingle(v any, found bool) bool {
	if !found {
		return false
	}
	if l.number && rank(v) == rankNumber {
		return true
	}
	code := typeCode(v)
	for _, c := range l.codes {
		if c == code {
			return true
		}
	}
	return false
}

type neverLeaf struct{}

func (neverLeaf) matchesSingle(any, bool) bool { return false }

type modLeaf struct{ divisor, remainder int64 }

func (l modLeaf) matchesSingle(v any, found bool) bool {
	if !found || rank(v) != rankNumber {
		return false
	}
	i, ok := toInt64Trunc(v)
	if !ok {
		return false
	}
	if l.divisor == -1 { // avoid MinInt64 % -1 overflow
		return l.remainder == 0
	}
	return i%l.divisor == l.remainder
}

// elemMatchObject matches arrays with a document (or array) element
// satisfying a filter.
type elemMatchObject struct{ root node }

func (l elemMatchObject) matchesSingle(v any, _ bool) bool {
	arr, ok := v.(bson.A)
	if !ok {
		return false
	}
	for _, e := range arr {
		switch x := normalize(e).(type) {
		case bson.D:
			if l.root.matches(x) {
				return true
			}
		case bson.A: // mongod matches an array element as the document {"0": ..., "1": ...}
			if l.root.matches(arrayAsDoc(x)) {
				return true
			}
		}
	}
	return false
}

// arrayAsDoc is an array as BSON stores it: a document keyed "0", "1", ...
func arrayAsDoc(a bson.A) bson.D {
	d := make(bson.D, len(a))
	for i, v := range a {
		d[i] = bson.E{Key: strconv.Itoa(i), Value: v}
	}
	return d
}

// elemMatchValue matches arrays with an element satisfying every operator.
type elemMatchValue []fieldOp

func (l elemMatchValue) matchesSingle(v any, _ bool) bool {
	arr, ok := v.(bson.A)
	if !ok {
		return false
	}
outer:
	for _, e := range arr {
		e = normalize(e)
		for _, op := range l {
			if !evalSingle(e, true, op) {
				continue outer
			}
		}
		return true
	}
	return false
}
