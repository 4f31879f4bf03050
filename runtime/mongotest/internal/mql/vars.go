package mql

import (
	"strings"
	"unicode"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Vars are a command's let variables by name (without "$$"), already
// evaluated: mongod evaluates let once per command, before it reads any
// document, so within a command every variable is a constant.
type Vars map[string]any

// ParseLet evaluates a command's let option. Each value is an expression
// that may use the variables defined before it but no field of any
// document; $$NOW is the time of the call.
func ParseLet(let bson.D) (Vars, error) {
	if len(let) == 0 {
		return nil, nil
	}
	vars := Vars{}
	for _, e := range let {
		if err := checkVarName(e.Key); err != nil {
			return nil, err
		}
		ex, err := parseExpression(e.Value, vars)
		if err != nil {
			return nil, err
		}
		if readsDocument(ex) {
			return nil, errorf(4890500, "Command let Expression tried to access a field, but this is not allowed because command let expressions run before the query examines any documents.")
		}
		v, ok, err := ex.eval(bson.D{})
		if err != nil {
			return nil, err
		}
		if !ok {
			v = nil
		}
		vars[e.Key] = v
	}
	return vars, nil
}

// checkVarName enforces mongod's rules for user variable names: a lowercase
// letter or non-ASCII character first, then letters, digits and '_'.
func checkVarName(name string) error {
	if name == "" {
		return errorf(16866, "empty variable names are not allowed")
	}
	for i, r := range name {
		first := i == 0
		switch {
		case r > unicode.MaxASCII:
		case first && r >= 'a' && r <= 'z':
		case !first && (r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)):
		case first:
			return errorf(16867, "'%s' starts with an invalid character for a user variable name", name)
		default:
			return errorf(16868, "'%s' contains an invalid character for a variable name: '%c'", name, r)
		}
	}
	return nil
}

// parseVariable compiles $$name or $$name.path.
func parseVariable(ref string, vars Vars) (expression, error) {
	name, rest, dotted := strings.Cut(ref, ".")
	var base expression
	switch name {
	case "ROOT", "CURRENT":
		if !dotted {
			return rootExpr{}, nil
		}
		return parseFieldPath(rest)
	case "REMOVE":
		base = removeExpr{}
	case "NOW":
		base = literalExpr{bson.NewDateTimeFromTime(now())}
	default:
		v, ok := vars[name]
		if !ok {
			return nil, errorf(17276, "Use of undefined variable: %s", name)
		}
		base = literalExpr{v}
	}
	if !dotted {
		return base, nil
	}
	p, err := parseFieldPath(rest)
	if err != nil {
		return nil, err
	}
	return subPathExpr{base: base, path: p.(fieldExpr).path}, nil
}

// removeExpr is $$REMOVE: a missing value, so that the field is not set.
type removeExpr struct{}

func (removeExpr) eval(bson.D) (any, bool, error) { return nil, false, nil }

// subPathExpr is a field path into a variable's value ($$v.a.b).
type subPathExpr struct {
	base expression
	path []string
}

func (e subPathExpr) eval(doc bson.D) (any, bool, error) {
	v, ok, err := e.base.eval(doc)
	if err != nil || !ok {
		return nil, false, err
	}
	v, ok = fieldPathValue(v, e.path)
	return v, ok, nil
}

// readsDocument reports whether ex reads the document it is evaluated on.
func readsDocument(ex expression) bool {
	return anyExpr(ex, func(e expression) bool {
		switch e.(type) {
		case fieldExpr, rootExpr:
			return true
		}
		return false
	})
}

// anyExpr reports whether pred holds for ex or any expression inside it.
func anyExpr(ex expression, pred func(expression) bool) bool {
	if pred(ex) {
		return true
	}
	var inner []expression
	switch x := ex.(type) {
	case objectExpr:
		inner = x.exprs
	case arrayExpr:
		inner = x
	case *opExpr:
		inner = x.args
	case subPathExpr:
		inner = []expression{x.base}
	}
	for _, c := range inner {
		if anyExpr(c, pred) {
			return true
		}
	}
	return false
}
