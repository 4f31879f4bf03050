package mql

import (
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// The conditional, string and array expression operators: $cond, $ifNull,
// $concat, $in and $size.

// parseMoreOperator compiles the operators of this file; ok is false for
// any other name.
func parseMoreOperator(name string, arg any, vars Vars) (ex expression, ok bool, err error) {
	switch name {
	case "$cond":
		ex, err = parseCond(arg, vars)
	case "$ifNull":
		ex, err = parseFixedArgs(name, arg, vars, 2, -1, false, ifNull)
	case "$concat":
		ex, err = parseFixedArgs(name, arg, vars, 0, -1, true, concat)
	case "$in":
		ex, err = parseFixedArgs(name, arg, vars, 2, 2, true, inArray)
		if err == nil && isConstArray(ex.(*opExpr).args[1]) {
			ex.(*opExpr).mayFail = false // it fails only without an array
		}
	case "$size":
		ex, err = parseFixedArgs(name, arg, vars, 1, 1, true, arraySize)
	default:
		return nil, false, nil
	}
	return ex, true, err
}

// parseFixedArgs compiles an operator taking between lo and hi (-1: any)
// arguments; mayFail says fn can fail.
func parseFixedArgs(name string, arg any, vars Vars, lo, hi int, mayFail bool, fn func(v []any, found []bool) (any, bool, error)) (expression, error) {
	args, err := parseArgs(arg, vars)
	if err != nil {
		return nil, err
	}
	if len(args) < lo || (hi >= 0 && len(args) > hi) {
		switch {
		case lo == hi:
			return nil, errorf(16020, "Expression %s takes exactly %d arguments. %d were passed in.", name, lo, len(args))
		default:
			return nil, errorf(16020, "Expression %s takes at least %d arguments, and %d were passed in.", name, lo, len(args))
		}
	}
	return &opExpr{name: name, args: args, fn: fn, mayFail: mayFail}, nil
}

// parseCond compiles $cond: [if, then, else] or {if, then, else}.
func parseCond(arg any, vars Vars) (expression, error) {
	list, isList := arg.(bson.A)
	if d, ok := arg.(bson.D); ok {
		parts := map[string]any{}
		for _, e := range d {
			switch e.Key {
			case "if", "then", "else":
				parts[e.Key] = e.Value
			default:
				return nil, errorf(17083, "Unrecognized parameter to $cond: %s", e.Key)
			}
		}
		for _, k := range []string{"if", "then", "else"} {
			if _, ok := parts[k]; !ok {
				return nil, errorf(17080+map[string]int32{"if": 0, "then": 1, "else": 2}[k], "Missing '%s' parameter to $cond", k)
			}
		}
		list, isList = bson.A{parts["if"], parts["then"], parts["else"]}, true
	}
	if !isList || len(list) != 3 {
		return nil, errorf(16020, "Expression $cond takes exactly 3 arguments.")
	}
	args, err := parseArgs(list, vars)
	if err != nil {
		return nil, err
	}
	return &opExpr{name: "$cond", args: args, fn: func(v []any, found []bool) (any, bool, error) {
		if found[0] && truthy(v[0]) {
			return v[1], found[1], nil
		}
		return v[2], found[2], nil
	}}, nil
}

// ifNull is $ifNull: the first argument that is neither null nor missing
// (nor undefined), else the last.
func ifNull(v []any, found []bool) (any, bool, error) {
	last := len(v) - 1
	for i := 0; i < last; i++ {
		if found[i] && v[i] != nil && v[i] != (bson.Undefined{}) {
			return v[i], true, nil
		}
	}
	return v[last], found[last], nil
}

// concat is $concat: null when an argument is null or missing.
func concat(v []any, found []bool) (any, bool, error) {
	var b strings.Builder
	for i, x := range v {
		if !found[i] || x == nil || x == (bson.Undefined{}) {
			return nil, true, nil
		}
		s, ok := x.(string)
		if !ok {
			return nil, false, errorf(16702, "$concat only supports strings, not %s", typeName(x))
		}
		b.WriteString(s)
	}
	return b.String(), true, nil
}

// inArray is $in: whether the first argument equals an element of the
// second, which must be an array.
func inArray(v []any, found []bool) (any, bool, error) {
	arr, ok := v[1].(bson.A)
	if !found[1] || !ok {
		return nil, false, errorf(40081, "$in requires an array as a second argument, found: %s", typeNameOrMissing(v[1], found[1]))
	}
	needle := v[0]
	if !found[0] {
		needle = bson.Undefined{} // missing compares as undefined
	}
	for _, e := range arr {
		if Equal(needle, e) {
			return true, true, nil
		}
	}
	return false, true, nil
}

// arraySize is $size: the length of an array.
func arraySize(v []any, found []bool) (any, bool, error) {
	arr, ok := v[0].(bson.A)
	if !found[0] || !ok {
		return nil, false, errorf(17124, "The argument to $size must be an array. Type of argument: %s", typeNameOrMissing(v[0], found[0]))
	}
	return int32(len(arr)), true, nil
}

func typeNameOrMissing(v any, found bool) string {
	if !found {
		return "missing"
	}
	return typeName(v)
}

// isConstArray reports whether ex is an array written in the expression.
func isConstArray(ex expression) bool {
	switch x := ex.(type) {
	case arrayExpr:
		return true
	case literalExpr:
		_, ok := x.v.(bson.A)
		return ok
	}
	return false
}
