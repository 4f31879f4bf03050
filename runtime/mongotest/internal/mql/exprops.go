package mql

import (
	"math/rand/v2"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// opExpr is an expression operator applied to its evaluated arguments.
type opExpr struct {
	name string
	args []expression
	// fn computes the result; args[i] is missing when found[i] is false.
	fn func(args []any, found []bool) (any, bool, error)
	// mayFail: fn can fail at run time (an operand of the wrong type).
	mayFail bool
}

func (e *opExpr) eval(doc bson.D) (any, bool, error) {
	vals := make([]any, len(e.args))
	found := make([]bool, len(e.args))
	for i, a := range e.args {
		v, ok, err := a.eval(doc)
		if err != nil {
			return nil, false, err
		}
		vals[i], found[i] = v, ok
	}
	return e.fn(vals, found)
}

// parseOperator compiles {name: arg}, an expression operator.
func parseOperator(name string, arg any, vars Vars) (expression, error) {
	switch name {
	case "$literal":
		return literalExpr{arg}, nil
	case "$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$cmp":
		return parseComparison(name, arg, vars)
	case "$and", "$or", "$not":
		return parseLogical(name, arg, vars)
	case "$rand":
		if d, ok := arg.(bson.D); !ok || len(d) != 0 {
			return nil, errorf(10691, "$rand does not currently accept arguments")
		}
		return &opExpr{name: name, fn: func([]any, []bool) (any, bool, error) { return rand.Float64(), true, nil }}, nil
	case "$setField", "$getField":
		return parseFieldOp(name, arg, vars)
	case "$unsetField": // $setField with value $$REMOVE
		spec, ok := arg.(bson.D)
		if !ok || fieldIndex(spec, "value") >= 0 {
			return nil, errorf(4161100, "$unsetField only supports an object with field and input as its argument")
		}
		return parseFieldOp("$setField", append(copyDoc(spec), bson.E{Key: "value", Value: "$$REMOVE"}), vars)
	}
	if ex, ok, err := parseMoreOperator(name, arg, vars); ok {
		return ex, err
	}
	if ex, ok, err := parseArith(name, arg, vars); ok {
		return ex, err
	}
	return nil, errorf(CodeInvalidPipelineOperator, "Unrecognized expression '%s' (mongotest implements field paths, variables, constants, $literal, $eq, $ne, $gt, $gte, $lt, $lte, $cmp, $and, $or, $not, $add, $subtract, $multiply, $cond, $ifNull, $concat, $in, $size, $rand, $getField, $setField and $unsetField)", name)
}

// parseArgs compiles an operator's arguments: an array of expressions, or a
// single expression standing for a one-element array.
func parseArgs(arg any, vars Vars) ([]expression, error) {
	list, ok := arg.(bson.A)
	if !ok {
		list = bson.A{arg}
	}
	out := make([]expression, len(list))
	for i, a := range list {
		ex, err := parseExpression(a, vars)
		if err != nil {
			return nil, err
		}
		out[i] = ex
	}
	return out, nil
}

// parseComparison compiles the aggregation comparisons, which compare in
// BSON order, a missing value as undefined: above MinKey, below null.
func parseComparison(name string, arg any, vars Vars) (expression, error) {
	args, err := parseArgs(arg, vars)
	if err != nil {
		return nil, err
	}
	if len(args) != 2 {
		return nil, errorf(16020, "Expression %s takes exactly 2 arguments. %d were passed in.", name, len(args))
	}
	return &opExpr{name: name, args: args, fn: func(v []any, found []bool) (any, bool, error) {
		for i := range v {
			if !found[i] {
				v[i] = bson.Undefined{}
			}
		}
		c := Compare(v[0], v[1])
		switch name {
		case "$eq":
			return c == 0, true, nil
		case "$ne":
			return c != 0, true, nil
		case "$gt":
			return c > 0, true, nil
		case "$gte":
			return c >= 0, true, nil
		case "$lt":
			return c < 0, true, nil
		case "$lte":
			return c <= 0, true, nil
		}
		return int32(c), true, nil
	}}, nil
}

func parseLogical(name string, arg any, vars Vars) (expression, error) {
	args, err := parseArgs(arg, vars)
	if err != nil {
		return nil, err
	}
	if name == "$not" && len(args) != 1 {
		return nil, errorf(16020, "Expression $not takes exactly 1 arguments. %d were passed in.", len(args))
	}
	return &opExpr{name: name, args: args, fn: func(v []any, found []bool) (any, bool, error) {
		truth := func(i int) bool { return found[i] && truthy(v[i]) }
		switch name {
		case "$not":
			return !truth(0), true, nil
		case "$and":
			for i := range v {
				if !truth(i) {
					return false, true, nil
				}
			}
			return true, true, nil
		}
		for i := range v {
			if truth(i) {
				return true, true, nil
			}
		}
		return false, true, nil
	}}, nil
}

// parseFieldOp compiles $getField and $setField, which read and write
// fields whose names a field path cannot express ("$a", "a.b").
func parseFieldOp(name string, arg any, vars Vars) (expression, error) {
	spec, isDoc := arg.(bson.D)
	if name == "$getField" && !isDoc {
		spec = bson.D{{Key: "field", Value: arg}}
	} else if !isDoc {
		return nil, errorf(4161100, "$setField only supports an object as its argument")
	}
	var field any
	input := any("$$CURRENT")
	var value any
	hasValue := false
	for _, e := range spec {
		switch e.Key {
		case "field":
			field = normalize(e.Value)
		case "input":
			input = e.Value
		case "value":
			value, hasValue = e.Value, true
		default:
			return nil, errorf(4161101, "%s found an unknown argument: %s", name, e.Key)
		}
	}
	if d, ok := field.(bson.D); ok && len(d) == 1 && d[0].Key == "$literal" {
		field = normalize(d[0].Value)
	}
	fname, ok := field.(string)
	if !ok {
		return nil, errorf(4161106, "%s requires 'field' to evaluate to type String, but got %s", name, typeName(field))
	}
	if name == "$getField" {
		hasValue, value = false, nil
	} else if !hasValue {
		return nil, errorf(4161103, "$setField requires 'value' to be specified")
	}
	list := bson.A{input}
	if hasValue {
		list = append(list, value)
	}
	args, err := parseArgs(list, vars)
	if err != nil {
		return nil, err
	}
	return &opExpr{name: name, args: args, mayFail: true, fn: func(v []any, found []bool) (any, bool, error) {
		in := v[0]
		if !found[0] || in == nil || in == (bson.Undefined{}) {
			return nil, true, nil
		}
		doc, ok := in.(bson.D)
		if !ok {
			return nil, false, errorf(4161105, "%s requires 'input' to evaluate to type Object, but got %s", name, typeName(in))
		}
		if name == "$getField" {
			got, ok := lookup(doc, fname)
			return got, ok, nil
		}
		out := copyDoc(doc)
		if i := fieldIndex(out, fname); i >= 0 {
			out = append(out[:i:i], out[i+1:]...)
			if found[1] {
				out = append(out[:i], append(bson.D{{Key: fname, Value: v[1]}}, out[i:]...)...)
			}
			return out, true, nil
		}
		if found[1] {
			out = append(out, bson.E{Key: fname, Value: v[1]})
		}
		return out, true, nil
	}}, nil
}

// failingOp names an operator in ex whose evaluation can fail, "" if none.
func failingOp(ex expression) string {
	var name string
	anyExpr(ex, func(e expression) bool {
		if op, ok := e.(*opExpr); ok && op.mayFail {
			name = op.name
			return true
		}
		return false
	})
	return name
}

// exprNode is the query operator $expr: the document matches when the
// expression is true.
type exprNode struct{ ex expression }

func (n exprNode) matches(doc bson.D) bool {
	v, ok, _ := n.ex.eval(doc) // never fails: see parseExprNode
	return ok && truthy(v)
}

// parseExprNode compiles $expr. A filter cannot report an evaluation error,
// so expressions that can fail at run time are refused here rather than
// answered wrongly.
func parseExprNode(arg any, vars Vars) (node, error) {
	ex, err := parseExpression(arg, vars)
	if err != nil {
		return nil, err
	}
	if name := failingOp(ex); name != "" {
		return nil, unsupported("%s inside $expr (it can fail on a document, which a filter cannot report)", name)
	}
	return exprNode{ex}, nil
}
