package mql

import (
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// expression is a compiled aggregation expression: field paths ("$a.b"),
// variables ($$ROOT, $$CURRENT, $$REMOVE and let variables), constants,
// documents and arrays of expressions, and the operators of exprops.go.
type expression interface {
	// eval evaluates the expression on doc; ok is false for a missing value.
	// err is a run-time failure, such as an operand of the wrong type.
	eval(doc bson.D) (v any, ok bool, err error)
}

type literalExpr struct{ v any }

func (e literalExpr) eval(bson.D) (any, bool, error) { return deepCopy(e.v), true, nil }

type rootExpr struct{}

func (rootExpr) eval(doc bson.D) (any, bool, error) { return copyDoc(doc), true, nil }

type fieldExpr struct{ path []string }

func (e fieldExpr) eval(doc bson.D) (any, bool, error) {
	v, ok := fieldPathValue(doc, e.path)
	return v, ok, nil
}

// fieldPathValue evaluates a field path the way aggregation does: an array
// met on the way yields the array of the values found in its elements.
func fieldPathValue(v any, path []string) (any, bool) {
	v = normalize(v)
	if len(path) == 0 {
		return deepCopy(v), true
	}
	switch x := v.(type) {
	case bson.D:
		f, ok := lookup(x, path[0])
		if !ok {
			return nil, false
		}
		return fieldPathValue(f, path[1:])
	case bson.A:
		out := bson.A{}
		for _, e := range x {
			switch normalize(e).(type) {
			case bson.D, bson.A:
				if r, ok := fieldPathValue(e, path); ok {
					out = append(out, r)
				}
			}
		}
		return out, true
	}
	return nil, false
}

type objectExpr struct {
	keys  []string
	exprs []expression
}

func (e objectExpr) eval(doc bson.D) (any, bool, error) {
	out := bson.D{}
	for i, k := range e.keys {
		v, ok, err := e.exprs[i].eval(doc)
		if err != nil {
			return nil, false, err
		}
		if ok {
			out = append(out, bson.E{Key: k, Value: v})
		}
	}
	return out, true, nil
}

type arrayExpr []expression

func (e arrayExpr) eval(doc bson.D) (any, bool, error) {
	out := make(bson.A, len(e))
	for i, x := range e {
		v, ok, err := x.eval(doc)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			v = nil
		}
		out[i] = v
	}
	return out, true, nil
}

// parseExpression compiles an aggregation expression; vars are the
// command's let variables, which $$name refers to.
func parseExpression(v any, vars Vars) (expression, error) {
	switch x := normalize(v).(type) {
	case string:
		if strings.HasPrefix(x, "$$") {
			return parseVariable(x[2:], vars)
		}
		if strings.HasPrefix(x, "$") {
			return parseFieldPath(x[1:])
		}
		return literalExpr{x}, nil
	case bson.A:
		out := make(arrayExpr, len(x))
		for i, e := range x {
			c, err := parseExpression(e, vars)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case bson.D:
		if len(x) > 0 && strings.HasPrefix(x[0].Key, "$") {
			if len(x) > 1 {
				return nil, errorf(15983, "an expression specification must contain exactly one field, the name of the expression. Found %d fields in %s, while parsing object %s", len(x), formatDoc(x), formatDoc(x))
			}
			return parseOperator(x[0].Key, normalize(x[0].Value), vars)
		}
		out := objectExpr{}
		for _, e := range x {
			if err := checkFieldName(e.Key); err != nil {
				return nil, err
			}
			c, err := parseExpression(e.Value, vars)
			if err != nil {
				return nil, err
			}
			out.keys = append(out.keys, e.Key)
			out.exprs = append(out.exprs, c)
		}
		return out, nil
	}
	return literalExpr{normalize(v)}, nil
}

func parseFieldPath(p string) (expression, error) {
	if p == "" {
		return nil, errorf(16872, "'$' by itself is not a valid FieldPath")
	}
	path := strings.Split(p, ".")
	for _, c := range path {
		if c == "" {
			return nil, errorf(15998, "FieldPath field names may not be empty strings.")
		}
		if strings.HasPrefix(c, "$") {
			return nil, errorf(16410, "FieldPath field names may not start with '$'. Consider using $getField or $setField.")
		}
	}
	return fieldExpr{path}, nil
}

func checkFieldName(k string) error {
	if k == "" {
		return errorf(16410, "FieldPath field names may not be empty strings.")
	}
	if strings.HasPrefix(k, "$") {
		return errorf(16410, "FieldPath field names may not start with '$'. Consider using $getField or $setField.")
	}
	return nil
}
