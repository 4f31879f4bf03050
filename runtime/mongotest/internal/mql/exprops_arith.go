package mql

import (
	"errors"
	"math"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// The arithmetic expression operators $add, $multiply and $subtract. Types
// follow mongod's aggregation rules: int32 results widen to int64 on
// overflow and int64 results to double (where an update's $inc fails); a
// double makes a double and a decimal128 a decimal128; a null or missing
// operand makes null.

func parseArith(name string, arg any, vars Vars) (expression, bool, error) {
	switch name {
	case "$add":
		ex, err := parseFixedArgs(name, arg, vars, 0, -1, true, addValues)
		return ex, true, err
	case "$multiply":
		ex, err := parseFixedArgs(name, arg, vars, 0, -1, true, multiplyValues)
		return ex, true, err
	case "$subtract":
		ex, err := parseFixedArgs(name, arg, vars, 2, 2, true, subtractValues)
		return ex, true, err
	}
	return nil, false, nil
}

// nullish reports an operand that makes an arithmetic result null.
func nullish(v any, found bool) bool {
	return !found || v == nil || v == (bson.Undefined{})
}

// aggArith is arith with aggregation's int64 overflow: to double.
func aggArith(op arithOp, a, b any) (any, error) {
	r, err := arith(op, a, b)
	if errors.Is(err, errOverflow) {
		x, _ := asFloat(a)
		y, _ := asFloat(b)
		if op == opAdd {
			return x + y, nil
		}
		return x * y, nil
	}
	return r, err
}

func addValues(v []any, found []bool) (any, bool, error) {
	var sum any = int32(0)
	var date *bson.DateTime
	for i, x := range v {
		if nullish(x, found[i]) {
			return nil, true, nil
		}
		switch d := x.(type) {
		case bson.DateTime:
			if date != nil {
				return nil, false, errorf(16612, "only one date allowed in an $add expression")
			}
			date = &d
			continue
		}
		if !isNumber(x) {
			return nil, false, errorf(16554, "$add only supports numeric or date types, not %s", typeName(x))
		}
		var err error
		if sum, err = aggArith(opAdd, sum, x); err != nil {
			return nil, false, err
		}
	}
	if date == nil {
		return sum, true, nil
	}
	ms, err := millis(sum)
	if err != nil {
		return nil, false, err
	}
	return bson.DateTime(int64(*date) + ms), true, nil
}

// millis converts the number added to a date to whole milliseconds,
// rounding a double to the nearest, as mongod does.
func millis(n any) (int64, error) {
	switch x := n.(type) {
	case int32:
		return int64(x), nil
	case int64:
		return x, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) >= math.MaxInt64 {
			return 0, errorf(CodeBadValue, "cannot add %s milliseconds to a date", formatValue(x))
		}
		return int64(math.Round(x)), nil
	}
	return 0, unsupported("adding a %s to a date", typeName(n))
}

func multiplyValues(v []any, found []bool) (any, bool, error) {
	var prod any = int32(1)
	for i, x := range v {
		if nullish(x, found[i]) {
			return nil, true, nil
		}
		if !isNumber(x) {
			return nil, false, errorf(16555, "$multiply only supports numeric types, not %s", typeName(x))
		}
		var err error
		if prod, err = aggArith(opMul, prod, x); err != nil {
			return nil, false, err
		}
	}
	return prod, true, nil
}

// subtractValues is $subtract: numbers, a date minus a number (a date), or
// a date minus a date (milliseconds, an int64).
func subtractValues(v []any, found []bool) (any, bool, error) {
	if nullish(v[0], found[0]) || nullish(v[1], found[1]) {
		return nil, true, nil
	}
	a, b := v[0], v[1]
	da, aDate := a.(bson.DateTime)
	db, bDate := b.(bson.DateTime)
	switch {
	case aDate && bDate:
		return int64(da) - int64(db), true, nil
	case aDate && isNumber(b):
		neg, err := negate(b)
		if err != nil {
			return nil, false, err
		}
		ms, err := millis(neg)
		if err != nil {
			return nil, false, err
		}
		return bson.DateTime(int64(da) + ms), true, nil
	case isNumber(a) && isNumber(b):
		neg, err := negate(b)
		if err != nil {
			return nil, false, err
		}
		r, err := aggArith(opAdd, a, neg)
		return r, err == nil, err
	}
	return nil, false, errorf(16556, "cant $subtract a %s from a %s", typeName(b), typeName(a))
}

// negate returns -n, widening where the negation overflows.
func negate(n any) (any, error) {
	switch x := n.(type) {
	case int32:
		if x == math.MinInt32 {
			return -int64(x), nil
		}
		return -x, nil
	case int64:
		if x == math.MinInt64 {
			return -float64(x), nil
		}
		return -x, nil
	case float64:
		return -x, nil
	}
	return nil, unsupported("$subtract of a %s", typeName(n))
}
