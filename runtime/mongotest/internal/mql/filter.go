package mql

import (
	"math"
	"slices"
	"strconv"
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

// parseOperators compiles a document of field operators into a conjunction.
func parseOperators(ops bson.D) ([]fieldOp, error) {
	var out []fieldOp
	var regex *bson.E
	var options *bson.E
	for i := range ops {
		e := ops[i]
		arg := normalize(e.Value)
		if _, ok := arg.(bson.Undefined); ok {
			switch e.Key {
			case "$eq", "$ne", "$gt", "$gte", "$lt", "$lte":
				return nil, errorf(CodeBadValue, "cannot compare to undefined")
			}
		}
		switch e.Key {
		case "$eq":
			out = append(out, opLeaf{m: eqLeaf{arg}})
		case "$ne":
			if _, ok := arg.(bson.Regex); ok {
				return nil, errorf(CodeBadValue, "Can't have regex as arg to $ne.")
			}
			out = append(out, opNot{opLeaf{m: eqLeaf{arg}}})
		case "$gt", "$gte", "$lt", "$lte":
			if _, ok := arg.(bson.Regex); ok {
				return nil, errorf(CodeBadValue, "Can't have RegEx as arg to predicate over field.")
			}
			out = append(out, opLeaf{m: cmpLeaf{op: e.Key, rhs: arg}})
		case "$in", "$nin":
			leaf, err := parseIn(e.Key, arg)
			if err != nil {
				return nil, err
			}
			if e.Key == "$in" {
				out = append(out, opLeaf{m: leaf})
			} else {
				out = append(out, opNot{opLeaf{m: leaf}})
			}
		case "$exists":
			if truthy(arg) {
				out = append(out, opLeaf{m: existsLeaf{}})
			} else {
				out = append(out, opNot{opLeaf{m: existsLeaf{}}})
			}
		case "$size":
			n, err := parseSize(arg)
			if err != nil {
				return nil, err
			}
			out = append(out, opLeaf{m: sizeLeaf(n), noExpand: true})
		case "$type":
			leaf, err := parseType(arg)
			if err != nil {
				return nil, err
			}
			out = append(out, opLeaf{m: leaf})
		case "$all":
			all, err := parseAll(arg)
			if err != nil {
				return nil, err
			}
			out = append(out, all...)
		case "$elemMatch":
			leaf, err := parseElemMatch(arg)
			if err != nil {
				return nil, err
			}
			out = append(out, opLeaf{m: leaf, noExpand: true})
		case "$not":
			not, err := parseNot(arg)
			if err != nil {
				return nil, err
			}
			out = append(out, not)
		case "$regex":
			regex = &ops[i]
		case "$options":
			options = &ops[i]
		case "$mod":
			leaf, err := parseMod(arg)
			if err != nil {
				return nil, err
			}
			out = append(out, opLeaf{m: leaf})
		case "$comment":
			// No effect on matching.
		case "$bitsAllSet", "$bitsAllClear", "$bitsAnySet", "$bitsAnyClear",
			"$geoWithin", "$geoIntersects", "$near", "$nearSphere", "$within", "$box", "$center",
			"$centerSphere", "$polygon", "$geometry", "$maxDistance", "$minDistance", "$expr",
			"$jsonSchema", "$text", "$where":
			return nil, unsupported("query operator %s", e.Key)
		default:
			return nil, errorf(CodeBadValue, "unknown operator: %s", e.Key)
		}
	}
	if options != nil && regex == nil {
		return nil, errorf(CodeBadValue, "$options needs a $regex")
	}
	if regex != nil {
		leaf, err := parseRegexOperator(normalize(regex.Value), options)
		if err != nil {
			return nil, err
		}
		out = append(out, opLeaf{m: leaf})
	}
	return out, nil
}

func parseRegexOperator(arg any, options *bson.E) (regexLeaf, error) {
	opts := ""
	if options != nil {
		s, ok := normalize(options.Value).(string)
		if !ok {
			return regexLeaf{}, errorf(CodeBadValue, "$options has to be a string")
		}
		opts = s
	}
	switch x := arg.(type) {
	case string:
		return newRegexLeaf(x, opts)
	case bson.Regex:
		if options != nil && x.Options != "" {
			return regexLeaf{}, errorf(51075, "options set in both $regex and $options")
		}
		if options == nil {
			opts = x.Options
		}
		return newRegexLeaf(x.Pattern, opts)
	}
	return regexLeaf{}, errorf(CodeBadValue, "$regex has to be a string")
}

func parseIn(op string, arg any) (inLeaf, error) {
	arr, ok := arg.(bson.A)
	if !ok {
		return inLeaf{}, errorf(CodeBadValue, "%s needs an array", op)
	}
	var leaf inLeaf
	for _, v := range arr {
		v = normalize(v)
		if _, ok := isOperatorDoc(v); ok {
			return inLeaf{}, errorf(CodeBadValue, "cannot nest $ under %s", op)
		}
		if re, ok := v.(bson.Regex); ok {
			r, err := newRegexLeaf(re.Pattern, re.Options)
			if err != nil {
				return inLeaf{}, err
			}
			leaf.regexes = append(leaf.regexes, r)
			continue
		}
		if _, ok := v.(bson.Undefined); ok {
			return inLeaf{}, errorf(CodeBadValue, "InMatchExpression equality cannot be undefined")
		}
		if v == nil {
			leaf.null = true
		}
		leaf.values = append(leaf.values, v)
	}
	return leaf, nil
}

func parseSize(arg any) (int, error) {
	if !isNumber(arg) {
		return 0, errorf(CodeBadValue, "$size needs a number")
	}
	f, _ := asFloat(arg)
	switch {
	case f < 0:
		return 0, errorf(CodeBadValue, "$size may not be negative")
	case f != math.Trunc(f):
		return 0, errorf(CodeBadValue, "$size must be a whole number")
	case f > math.MaxInt32:
		return 0, errorf(CodeBadValue, "$size is too large")
	}
	return int(f), nil
}

func parseType(arg any) (typeLeaf, error) {
	var leaf typeLeaf
	add := func(v any) error {
		v = normalize(v)
		if s, ok := v.(string); ok {
			if s == "number" {
				leaf.number = true
				return nil
			}
			code, ok := typeAliases[s]
			if !ok {
				return errorf(CodeBadValue, "Unknown type name alias: %s", s)
			}
			leaf.codes = append(leaf.codes, code)
			return nil
		}
		if !isNumber(v) {
			return errorf(CodeTypeMismatch, "type must be represented as a number or a string")
		}
		f, _ := asFloat(v)
		if f != math.Trunc(f) {
			return errorf(CodeBadValue, "Invalid numerical type code: %s", formatValue(v))
		}
		code := int32(f)
		if !validTypeCode(code) {
			return errorf(CodeBadValue, "Invalid numerical type code: %s", formatValue(v))
		}
		leaf.codes = append(leaf.codes, code)
		return nil
	}
	if arr, ok := arg.(bson.A); ok {
		for _, v := range arr {
			if err := add(v); err != nil {
				return typeLeaf{}, err
			}
		}
		return leaf, nil
	}
	return leaf, add(arg)
}

func validTypeCode(code int32) bool {
	_, ok := typeNames[code]
	return ok
}

func parseAll(arg any) ([]fieldOp, error) {
	arr, ok := arg.(bson.A)
	if !ok {
		return nil, errorf(CodeBadValue, "$all needs an array")
	}
	if len(arr) == 0 {
		return []fieldOp{opLeaf{m: neverLeaf{}}}, nil
	}
	var out []fieldOp
	for _, v := range arr {
		v = normalize(v)
		if d, ok := isOperatorDoc(v); ok {
			if d[0].Key != "$elemMatch" || len(d) != 1 {
				return nil, errorf(CodeBadValue, "no $ expressions in $all")
			}
			leaf, err := parseElemMatch(normalize(d[0].Value))
			if err != nil {
				return nil, err
			}
			out = append(out, opLeaf{m: leaf, noExpand: true})
			continue
		}
		if re, ok := v.(bson.Regex); ok {
			r, err := newRegexLeaf(re.Pattern, re.Options)
			if err != nil {
				return nil, err
			}
			out = append(out, opLeaf{m: r})
			continue
		}
		out = append(out, opLeaf{m: eqLeaf{v}})
	}
	return out, nil
}

// parseElemMatch compiles $elemMatch: the value form when the argument is a
// document of field operators, the object form (a filter on document
// elements) otherwise.
func parseElemMatch(arg any) (leafMatcher, error) {
	d, ok := arg.(bson.D)
	if !ok {
		return nil, errorf(CodeBadValue, "$elemMatch needs an Object")
	}
	if len(d) > 0 && strings.HasPrefix(d[0].Key, "$") {
		switch d[0].Key {
		case "$and", "$or", "$nor", "$where", "$expr", "$text", "$jsonSchema", "$alwaysTrue", "$alwaysFalse", "$comment":
		default:
			ops, err := parseOperators(d)
			if err != nil {
				return nil, err
			}
			return elemMatchValue(ops), nil
		}
	}
	root, err := parseDoc(d, nil, nil)
	if err != nil {
		return nil, err
	}
	return elemMatchObject{root}, nil
}

func parseNot(arg any) (fieldOp, error) {
	switch x := arg.(type) {
	case bson.Regex:
		leaf, err := newRegexLeaf(x.Pattern, x.Options)
		if err != nil {
			return nil, err
		}
		return opNot{opLeaf{m: leaf}}, nil
	case bson.D:
		if len(x) == 0 {
			return nil, errorf(CodeBadValue, "$not cannot be empty")
		}
		if !strings.HasPrefix(x[0].Key, "$") {
			return nil, errorf(CodeBadValue, "$not needs a regex or a document")
		}
		ops, err := parseOperators(x)
		if err != nil {
			return nil, err
		}
		return opNot(ops), nil
	}
	return nil, errorf(CodeBadValue, "$not needs a regex or a document")
}

func parseMod(arg any) (modLeaf, error) {
	arr, ok := arg.(bson.A)
	if !ok || len(arr) < 2 {
		return modLeaf{}, errorf(CodeBadValue, "malformed mod, not enough elements")
	}
	if len(arr) > 2 {
		return modLeaf{}, errorf(CodeBadValue, "malformed mod, too many elements")
	}
	d, okd := toInt64Trunc(normalize(arr[0]))
	r, okr := toInt64Trunc(normalize(arr[1]))
	if !okd {
		return modLeaf{}, errorf(CodeBadValue, "malformed mod, divisor not a number")
	}
	if !okr {
		return modLeaf{}, errorf(CodeBadValue, "malformed mod, remainder not a number")
	}
	if d == 0 {
		return modLeaf{}, errorf(CodeBadValue, "divisor cannot be 0")
	}
	return modLeaf{divisor: d, remainder: r}, nil
}

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
	if i, ok := asInt64(v); ok {
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
