package mql

import (
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// expression is a compiled aggregation expression. Only the forms that
// cannot fail at run time are implemented: field paths ("$a.b"), $$ROOT and
// $$CURRENT, constants, $literal, and documents and arrays of expressions.
type expression interface {
	// eval evaluates the expression on doc; ok is false for a missing value.
	eval(doc bson.D) (v any, ok bool)
}

type literalExpr struct{ v any }

func (e literalExpr) eval(bson.D) (any, bool) { return deepCopy(e.v), true }

type rootExpr struct{}

func (rootExpr) eval(doc bson.D) (any, bool) { return copyDoc(doc), true }

type fieldExpr struct{ path []string }

func (e fieldExpr) eval(doc bson.D) (any, bool) { return fieldPathValue(doc, e.path) }

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

func (e objectExpr) eval(doc bson.D) (any, bool) {
	out := bson.D{}
	for i, k := range e.keys {
		if v, ok := e.exprs[i].eval(doc); ok {
			out = append(out, bson.E{Key: k, Value: v})
		}
	}
	return out, true
}

type arrayExpr []expression

func (e arrayExpr) eval(doc bson.D) (any, bool) {
	out := make(bson.A, len(e))
	for i, x := range e {
		v, ok := x.eval(doc)
		if !ok {
			v = nil
		}
		out[i] = v
	}
	return out, true
}

// parseExpression compiles an aggregation expression.
func parseExpression(v any) (expression, error) {
	switch x := normalize(v).(type) {
	case string:
		if strings.HasPrefix(x, "$$") {
			switch name, _, _ := strings.Cut(x[2:], "."); name {
			case "ROOT", "CURRENT":
				rest := strings.TrimPrefix(strings.TrimPrefix(x[2:], name), ".")
				if rest == "" {
					return rootExpr{}, nil
				}
				return parseFieldPath(rest)
			default:
				return nil, unsupported("variable $$%s", name)
			}
		}
		if strings.HasPrefix(x, "$") {
			return parseFieldPath(x[1:])
		}
		return literalExpr{x}, nil
	case bson.A:
		out := make(arrayExpr, len(x))
		for i, e := range x {
			c, err := parseExpression(e)
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
			if x[0].Key == "$literal" {
				return literalExpr{normalize(x[0].Value)}, nil
			}
			return nil, errorf(CodeInvalidPipelineOperator, "Unrecognized expression '%s' (mongotest implements only field paths, $$ROOT, constants and $literal)", x[0].Key)
		}
		out := objectExpr{}
		for _, e := range x {
			if err := checkFieldName(e.Key); err != nil {
				return nil, err
			}
			c, err := parseExpression(e.Value)
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
