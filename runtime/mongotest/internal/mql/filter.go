package mql

import (
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Filter is a compiled query filter.
type Filter struct {
	root  node
	equal bson.D // equality fields for upserts, in filter order
}

// node is a predicate on a whole document.
type node interface{ matches(doc bson.D) bool }

type andNode []node

func (n andNode) matches(doc bson.D) bool {
	for _, c := range n {
		if !c.matches(doc) {
			return false
		}
	}
	return true
}

type orNode []node

func (n orNode) matches(doc bson.D) bool {
	for _, c := range n {
		if c.matches(doc) {
			return true
		}
	}
	return false
}

type norNode []node

func (n norNode) matches(doc bson.D) bool { return !orNode(n).matches(doc) }

type constNode bool

func (n constNode) matches(bson.D) bool { return bool(n) }

// fieldNode applies the operators on one path, all of which must hold.
type fieldNode struct {
	path []string
	ops  []fieldOp
}

func (n fieldNode) matches(doc bson.D) bool {
	for _, op := range n.ops {
		if !evalPath(doc, n.path, op) {
			return false
		}
	}
	return true
}

// fieldOp is one operator on a field: an opLeaf predicate or an opNot
// negation of a conjunction ($not, $ne, $nin, $exists: false).
type fieldOp interface{ isFieldOp() }

func (opLeaf) isFieldOp() {}
func (opNot) isFieldOp()  {}

// opLeaf is a predicate tested against the values on a path; it holds when
// any of them satisfies it. noExpand stops a final array from being tested
// element by element ($size and $elemMatch look at the array itself).
type opLeaf struct {
	m        leafMatcher
	noExpand bool
}

// opNot holds when the conjunction of ops does not.
type opNot []fieldOp

// leafMatcher tests one value; found is false for a missing field.
type leafMatcher interface {
	matchesSingle(v any, found bool) bool
}

// evalPath evaluates op against the values at path in doc.
func evalPath(doc bson.D, path []string, op fieldOp) bool {
	switch o := op.(type) {
	case opLeaf:
		return walk(doc, path, !o.noExpand, o.m.matchesSingle)
	case opNot:
		for _, inner := range o {
			if !evalPath(doc, path, inner) {
				return true
			}
		}
		return false
	}
	return false
}

// evalSingle evaluates op against one value without array traversal, as
// $elemMatch's value form does for each element.
func evalSingle(v any, found bool, op fieldOp) bool {
	switch o := op.(type) {
	case opLeaf:
		return o.m.matchesSingle(v, found)
	case opNot:
		for _, inner := range o {
			if !evalSingle(v, found, inner) {
				return true
			}
		}
		return false
	}
	return false
}

// Match reports whether doc satisfies the filter. A nil filter matches every
// document.
func (f *Filter) Match(doc bson.D) bool {
	if f == nil || f.root == nil {
		return true
	}
	return f.root.matches(doc)
}

// UpsertSeed returns the document an upsert starts from when nothing
// matches: the filter's equality conditions (plain values and $eq, also
// inside $and), dotted paths expanded into nested documents, _id first.
// A condition on a path already seeded, or on a prefix or extension of one,
// is left out; UpsertDoc reports those as mongod does instead.
func (f *Filter) UpsertSeed() bson.D {
	seed, _ := f.upsertDoc(false)
	return seed
}

// UpsertDoc is UpsertSeed, but refuses filters whose equality conditions
// overlap (such as {a: 1, "a.b": 2}) with code 54 NotSingleValueField, as
// mongod does when it cannot infer the document to insert.
func (f *Filter) UpsertDoc() (bson.D, error) { return f.upsertDoc(true) }

func (f *Filter) upsertDoc(strict bool) (bson.D, error) {
	out := bson.D{}
	if f == nil {
		return out, nil
	}
	var seen [][]string
	for _, e := range f.equal {
		path := strings.Split(e.Key, ".")
		if i := slices.IndexFunc(seen, func(p []string) bool { return isPrefix(p, path) || isPrefix(path, p) }); i >= 0 {
			if !strict {
				continue
			}
			if len(seen[i]) == len(path) {
				return nil, errorf(CodeNotSingleValueField, "cannot infer query fields to set, path '%s' is matched twice", e.Key)
			}
			return nil, errorf(CodeNotSingleValueField, "cannot infer query fields to set, both paths '%s' and '%s' are matched", e.Key, strings.Join(seen[i], "."))
		}
		next, err := setIn(out, path, deepCopy(e.Value))
		if err != nil {
			return nil, err
		}
		out = next.(bson.D)
		seen = append(seen, path)
	}
	if idx := fieldIndex(out, "_id"); idx > 0 {
		id := out[idx]
		out = append(bson.D{id}, append(out[:idx:idx], out[idx+1:]...)...)
	}
	return out, nil
}

// ParseFilter compiles a query filter. A nil or empty filter matches every
// document. Errors are *Error values with mongod's codes and messages.
func ParseFilter(filter bson.D) (*Filter, error) { return ParseFilterWith(filter, nil) }

// ParseFilterWith is ParseFilter with the command's let variables, which
// $expr may use.
func ParseFilterWith(filter bson.D, vars Vars) (*Filter, error) {
	f := &Filter{}
	root, err := parseDoc(filter, f, vars)
	if err != nil {
		return nil, err
	}
	f.root = root
	return f, nil
}

// parseDoc compiles a filter document. seed collects upsert equalities when
// non-nil (only at the top level and inside top-level $and).
func parseDoc(filter bson.D, seed *Filter, vars Vars) (node, error) {
	var nodes andNode
	for _, e := range filter {
		if strings.HasPrefix(e.Key, "$") {
			n, err := parseTopOperator(e.Key, normalize(e.Value), seed, vars)
			if err != nil {
				return nil, err
			}
			if n != nil {
				nodes = append(nodes, n)
			}
			continue
		}
		ops, eqs, err := parseField(normalize(e.Value))
		if err != nil {
			return nil, err
		}
		if seed != nil {
			for _, v := range eqs {
				seed.equal = append(seed.equal, bson.E{Key: e.Key, Value: v})
			}
		}
		nodes = append(nodes, fieldNode{path: strings.Split(e.Key, "."), ops: ops})
	}
	if len(nodes) == 1 {
		return nodes[0], nil
	}
	return nodes, nil
}

// parseTopOperator compiles $and, $or, $nor and the other operators allowed
// at the top level of a filter.
func parseTopOperator(name string, arg any, seed *Filter, vars Vars) (node, error) {
	switch name {
	case "$and", "$or", "$nor":
		arr, ok := arg.(bson.A)
		if !ok || len(arr) == 0 {
			return nil, errorf(CodeBadValue, "%s must be a nonempty array", name)
		}
		var children []node
		for _, c := range arr {
			d, ok := normalize(c).(bson.D)
			if !ok {
				return nil, errorf(CodeBadValue, "%s argument's entries must be objects", name)
			}
			var s *Filter
			if name == "$and" || (name == "$or" && len(arr) == 1) {
				s = seed // a one-clause $or is that clause, for upserts too
			}
			n, err := parseDoc(d, s, vars)
			if err != nil {
				return nil, err
			}
			children = append(children, n)
		}
		switch name {
		case "$and":
			return andNode(children), nil
		case "$or":
			return orNode(children), nil
		default:
			return norNode(children), nil
		}
	case "$comment":
		return nil, nil
	case "$alwaysTrue", "$alwaysFalse":
		if n, ok := asFloat(arg); !ok || n != 1 {
			return nil, errorf(CodeFailedToParse, "%s must be an integer value of 1", name)
		}
		return constNode(name == "$alwaysTrue"), nil
	case "$expr":
		return parseExprNode(arg, vars)
	case "$where", "$text", "$jsonSchema", "$sampleRate":
		return nil, unsupported("query operator %s", name)
	}
	return nil, errorf(CodeBadValue, "unknown top level operator: %s. If you have a field name that starts with a '$' symbol, consider using $getField or $setField.", name)
}

// isOperatorDoc reports whether v is a document of query operators (its
// first field starts with '$').
func isOperatorDoc(v any) (bson.D, bool) {
	d, ok := v.(bson.D)
	if !ok || len(d) == 0 || !strings.HasPrefix(d[0].Key, "$") {
		return nil, false
	}
	return d, true
}

// parseField compiles the condition on one field: a plain value (equality,
// or a regex match for regex values) or a document of operators. It also
// returns the values the field must equal, for upserts: plain values, $eq
// operands and the single value of a one-value $in (which mongod rewrites
// to an equality).
func parseField(v any) ([]fieldOp, []any, error) {
	if ops, ok := isOperatorDoc(v); ok {
		out, err := parseOperators(ops)
		if err != nil {
			return nil, nil, err
		}
		var eqs []any
		for _, op := range ops {
			arg := normalize(op.Value)
			switch op.Key {
			case "$eq":
				eqs = append(eqs, arg)
			case "$in":
				if v, ok := singleInValue(arg); ok {
					eqs = append(eqs, v)
				}
			}
		}
		return out, eqs, nil
	}
	if re, ok := v.(bson.Regex); ok {
		leaf, err := newRegexLeaf(re.Pattern, re.Options)
		if err != nil {
			return nil, nil, err
		}
		return []fieldOp{opLeaf{m: leaf}}, nil, nil
	}
	if _, ok := v.(bson.Undefined); ok {
		return nil, nil, errorf(CodeBadValue, "cannot compare to undefined")
	}
	return []fieldOp{opLeaf{m: eqLeaf{v}}}, []any{v}, nil
}

// singleInValue returns the value of an $in list holding one distinct
// non-regex value.
func singleInValue(arg any) (any, bool) {
	vals, ok := arg.(bson.A)
	if !ok || len(vals) == 0 {
		return nil, false
	}
	first := normalize(vals[0])
	if _, isRegex := first.(bson.Regex); isRegex {
		return nil, false
	}
	for _, v := range vals[1:] {
		if !Equal(v, first) {
			return nil, false
		}
	}
	return first, true
}
