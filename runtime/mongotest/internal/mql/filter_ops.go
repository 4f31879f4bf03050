package mql

import (
	"math"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Parsing the field operators of a filter ($eq, $in, $type, $elemMatch, ...).

// parseOperators compiles a document of field operators into a conjunction.
func parseOperators(ops bson.D) ([]fieldOp, error) {
	var out []fieldOp
	var regex, options *bson.E
	for i := range ops {
		switch ops[i].Key {
		case "$regex":
			regex = &ops[i]
			continue
		case "$options":
			options = &ops[i]
			continue
		}
		got, err := parseFieldOperator(ops[i].Key, normalize(ops[i].Value))
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
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

// parseFieldOperator compiles one field operator other than $regex and
// $options, which go together.
func parseFieldOperator(key string, arg any) ([]fieldOp, error) {
	one := func(op fieldOp, err error) ([]fieldOp, error) {
		if err != nil {
			return nil, err
		}
		return []fieldOp{op}, nil
	}
	if _, ok := arg.(bson.Undefined); ok {
		switch key {
		case "$eq", "$ne", "$gt", "$gte", "$lt", "$lte":
			return nil, errorf(CodeBadValue, "cannot compare to undefined")
		}
	}
	switch key {
	case "$eq":
		return one(opLeaf{m: eqLeaf{arg}}, nil)
	case "$ne":
		if _, ok := arg.(bson.Regex); ok {
			return nil, errorf(CodeBadValue, "Can't have regex as arg to $ne.")
		}
		return one(opNot{opLeaf{m: eqLeaf{arg}}}, nil)
	case "$gt", "$gte", "$lt", "$lte":
		if _, ok := arg.(bson.Regex); ok {
			return nil, errorf(CodeBadValue, "Can't have RegEx as arg to predicate over field.")
		}
		return one(opLeaf{m: cmpLeaf{op: key, rhs: arg}}, nil)
	case "$in", "$nin":
		leaf, err := parseIn(key, arg)
		if key == "$in" {
			return one(opLeaf{m: leaf}, err)
		}
		return one(opNot{opLeaf{m: leaf}}, err)
	case "$exists":
		if truthy(arg) {
			return one(opLeaf{m: existsLeaf{}}, nil)
		}
		return one(opNot{opLeaf{m: existsLeaf{}}}, nil)
	case "$size":
		n, err := parseSize(arg)
		return one(opLeaf{m: sizeLeaf(n), noExpand: true}, err)
	case "$type":
		leaf, err := parseType(arg)
		return one(opLeaf{m: leaf}, err)
	case "$all":
		return parseAll(arg)
	case "$elemMatch":
		leaf, err := parseElemMatch(arg)
		return one(opLeaf{m: leaf, noExpand: true}, err)
	case "$not":
		return one(parseNot(arg))
	case "$mod":
		leaf, err := parseMod(arg)
		return one(opLeaf{m: leaf}, err)
	case "$comment":
		return nil, nil // no effect on matching
	case "$bitsAllSet", "$bitsAllClear", "$bitsAnySet", "$bitsAnyClear",
		"$geoWithin", "$geoIntersects", "$near", "$nearSphere", "$within", "$box", "$center",
		"$centerSphere", "$polygon", "$geometry", "$maxDistance", "$minDistance", "$expr",
		"$jsonSchema", "$text", "$where":
		return nil, unsupported("query operator %s", key)
	}
	return nil, errorf(CodeBadValue, "unknown operator: %s", key)
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
