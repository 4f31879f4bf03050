package mql

import (
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// The update operators ($set, $inc, $push, ...): parsing one field of an
// operator, and applying it to a document.

func parseUpdateOp(op, key string, arg any) (*updateOp, error) {
	path, err := parseUpdatePath(key)
	if err != nil {
		return nil, err
	}
	u := &updateOp{op: op, key: key, path: path, arg: arg}
	switch op {
	case "$inc", "$mul":
		if !isNumber(arg) {
			verb := "increment"
			if op == "$mul" {
				verb = "multiply"
			}
			return nil, errorf(CodeTypeMismatch, "Cannot %s with non-numeric argument: {%s: %s}", verb, key, formatValue(arg))
		}
	case "$currentDate":
		u.dateType = "date"
		switch x := arg.(type) {
		case bool:
		case bson.D:
			if len(x) != 1 || x[0].Key != "$type" {
				return nil, errorf(CodeBadValue, "The only valid field of the option is '$type': {$currentDate: {field : {$type: 'date/timestamp'}}}")
			}
			t, _ := normalize(x[0].Value).(string)
			if t != "date" && t != "timestamp" {
				return nil, errorf(CodeBadValue, "The '$type' string field is required to be 'date' or 'timestamp': {$currentDate: {field : {$type: 'date'}}}")
			}
			u.dateType = t
		default:
			return nil, errorf(CodeBadValue, "%s is not valid type for $currentDate. Please use a boolean ('true') or a $type expression ({$type: 'timestamp/date'}).", typeName(arg))
		}
	case "$pop":
		f, ok := asFloat(arg)
		if !ok || (f != 1 && f != -1) {
			return nil, errorf(CodeFailedToParse, "$pop expects 1 or -1, found: %s", formatValue(arg))
		}
	case "$rename":
		to, ok := arg.(string)
		if !ok {
			return nil, errorf(CodeBadValue, "The 'to' field for $rename must be a string: %s: %s", key, formatValue(arg))
		}
		toPath, err := parseUpdatePath(to)
		if err != nil {
			return nil, err
		}
		switch {
		case to == key:
			return nil, errorf(CodeBadValue, "The source and target field for $rename must differ: %s: %s", key, formatValue(arg))
		case isPrefix(path, toPath) || isPrefix(toPath, path):
			return nil, errorf(CodeBadValue, "The source and target field for $rename must not be on the same path: %s: %s", key, formatValue(arg))
		}
		u.from, u.fromKey = path, key
		u.path, u.key = toPath, to
	case "$push", "$addToSet":
		if err := parseEach(u); err != nil {
			return nil, err
		}
	case "$pull":
		pred, err := parsePull(arg)
		if err != nil {
			return nil, err
		}
		u.pull = pred
	case "$pullAll":
		arr, ok := arg.(bson.A)
		if !ok {
			return nil, errorf(CodeBadValue, "$pullAll requires an array argument but was given a %s", typeName(arg))
		}
		u.each = arr
	}
	return u, nil
}

// parseEach reads $push's and $addToSet's argument: a value, or a document
// starting with $each plus (for $push) $position, $slice and $sort.
func parseEach(u *updateOp) error {
	d, ok := u.arg.(bson.D)
	if !ok || len(d) == 0 || fieldIndex(d, "$each") < 0 {
		u.each = []any{u.arg}
		return nil
	}
	for _, e := range d {
		v := normalize(e.Value)
		switch {
		case e.Key == "$each":
			arr, ok := v.(bson.A)
			if !ok {
				return errorf(CodeBadValue, "The argument to $each in %s must be an array but it was of type: %s", u.op, typeName(v))
			}
			u.each = arr
		case u.op == "$addToSet":
			return errorf(CodeBadValue, "Found unexpected fields after $each in $addToSet: %s", formatDoc(d))
		case e.Key == "$position", e.Key == "$slice":
			i, ok := intValue(v)
			if f, isF := v.(float64); isF && f == float64(int64(f)) {
				i, ok = int64(f), true
			}
			if !ok {
				return errorf(CodeBadValue, "The value for %s must be an integer value but was given type: %s", e.Key, typeName(v))
			}
			if e.Key == "$position" {
				u.position = &i
			} else {
				u.slice = &i
			}
		case e.Key == "$sort":
			s, err := parsePushSort(v)
			if err != nil {
				return err
			}
			u.sort = s
		default:
			return errorf(CodeBadValue, "Unrecognized clause in $push: %s", e.Key)
		}
	}
	return nil
}

func parsePushSort(v any) (*pushSort, error) {
	if d, ok := v.(bson.D); ok {
		if len(d) == 0 {
			return nil, errorf(CodeBadValue, "The $sort pattern is empty when it should be a set of fields.")
		}
		s, err := ParseSort(d)
		if err != nil {
			return nil, err
		}
		return &pushSort{spec: s}, nil
	}
	f, ok := asFloat(v)
	if !ok || (f != 1 && f != -1) {
		return nil, errorf(CodeBadValue, "The $sort element value must be either 1 or -1")
	}
	return &pushSort{dir: int(f)}, nil
}

// parsePull compiles $pull's condition: operators applied to each element,
// a filter applied to document elements, or a value elements must equal.
func parsePull(arg any) (func(any) bool, error) {
	if d, ok := isOperatorDoc(arg); ok {
		switch d[0].Key {
		case "$and", "$or", "$nor":
		default:
			ops, err := parseOperators(d)
			if err != nil {
				return nil, err
			}
			return wrappedMatcher(ops), nil
		}
	}
	if d, ok := arg.(bson.D); ok {
		root, err := parseDoc(d, nil, nil)
		if err != nil {
			return nil, err
		}
		return func(v any) bool {
			doc, ok := v.(bson.D)
			return ok && root.matches(doc)
		}, nil
	}
	if re, ok := arg.(bson.Regex); ok {
		leaf, err := newRegexLeaf(re.Pattern, re.Options)
		if err != nil {
			return nil, err
		}
		return wrappedMatcher([]fieldOp{opLeaf{m: leaf}}), nil
	}
	return func(v any) bool { return Equal(v, arg) }, nil
}

// wrappedMatcher tests an array element against field operators the way
// mongod's $pull does: as the value of field "" in a document, so that an
// element that is itself an array is also matched element by element.
func wrappedMatcher(ops []fieldOp) func(any) bool {
	n := fieldNode{path: []string{""}, ops: ops}
	return func(v any) bool { return n.matches(bson.D{{Key: "", Value: v}}) }
}

// set stores v at the op's path.
func (op *updateOp) set(root bson.D, v any) (bson.D, error) {
	next, err := setIn(root, op.path, v)
	if err != nil {
		return nil, err
	}
	return next.(bson.D), nil
}

func (op *updateOp) apply(root, orig bson.D, isInsert bool) (bson.D, error) {
	cur, found := getPath(root, op.path)
	switch op.op {
	case "$set":
		return op.set(root, deepCopy(op.arg))
	case "$setOnInsert":
		if !isInsert {
			return root, nil
		}
		return op.set(root, deepCopy(op.arg))
	case "$unset":
		return unsetIn(root, op.path).(bson.D), nil
	case "$inc", "$mul":
		if !found {
			if op.op == "$inc" {
				return op.set(root, op.arg)
			}
			zero, _ := arith(opMul, op.arg, int32(0))
			return op.set(root, zero)
		}
		if !isNumber(cur) {
			return nil, errorf(CodeTypeMismatch, "Cannot apply %s to a value of non-numeric type. %s has the field '%s' of non-numeric type %s",
				op.op, idDoc(orig), op.path[len(op.path)-1], typeName(cur))
		}
		kind := opAdd
		if op.op == "$mul" {
			kind = opMul
		}
		v, err := arith(kind, cur, op.arg)
		if err != nil {
			return nil, errorf(CodeBadValue, "Failed to apply %s operations to current value (%s) for document %s", op.op, formatValue(cur), idDoc(orig))
		}
		return op.set(root, v)
	case "$min", "$max":
		c := Compare(op.arg, cur)
		if found && ((op.op == "$min" && c >= 0) || (op.op == "$max" && c <= 0)) {
			return root, nil
		}
		return op.set(root, deepCopy(op.arg))
	case "$currentDate":
		t := now()
		if op.dateType == "timestamp" {
			return op.set(root, bson.Timestamp{T: uint32(t.Unix()), I: 1})
		}
		return op.set(root, bson.NewDateTimeFromTime(t))
	case "$rename":
		return op.rename(root)
	case "$push", "$addToSet", "$pop", "$pull", "$pullAll":
		return op.applyArray(root, orig, cur, found)
	}
	return nil, unsupported("update operator %s", op.op)
}

func (op *updateOp) rename(root bson.D) (bson.D, error) {
	if err := noArrayOnPath(root, op.from, "source", op.fromKey); err != nil {
		return nil, err
	}
	v, found := getPath(root, op.from)
	if !found {
		return root, nil
	}
	if err := noArrayOnPath(root, op.path, "destination", op.key); err != nil {
		return nil, err
	}
	root = unsetIn(root, op.from).(bson.D)
	return op.set(root, v)
}

// noArrayOnPath refuses $rename paths that go through arrays.
func noArrayOnPath(root bson.D, path []string, what, key string) error {
	var cur any = root
	for i, p := range path {
		d, ok := cur.(bson.D)
		if !ok {
			return nil
		}
		v, ok := lookup(d, p)
		if !ok {
			return nil
		}
		if _, isArr := v.(bson.A); isArr && i < len(path)-1 {
			return errorf(CodeBadValue, "The %s field cannot be an array element, '%s' in doc with %s being an array", what, key, strings.Join(path[:i+1], "."))
		}
		cur = v
	}
	return nil
}

func (op *updateOp) applyArray(root, orig bson.D, cur any, found bool) (bson.D, error) {
	arr, isArr := cur.(bson.A)
	if found && !isArr {
		switch op.op {
		case "$push":
			return nil, errorf(CodeBadValue, "The field '%s' must be an array but is of type %s in document %s", op.key, typeName(cur), idDoc(orig))
		case "$addToSet":
			return nil, errorf(CodeBadValue, "Cannot apply $addToSet to non-array field. Field named '%s' has non-array type %s", op.path[len(op.path)-1], typeName(cur))
		case "$pop":
			return nil, errorf(CodeTypeMismatch, "Path '%s' contains an element of non-array type '%s'", op.key, typeName(cur))
		default:
			return nil, errorf(CodeBadValue, "Cannot apply %s to a non-array value", op.op)
		}
	}
	switch op.op {
	case "$push":
		return op.set(root, op.push(arr))
	case "$addToSet":
		out := slices.Clone(arr)
		if out == nil {
			out = bson.A{}
		}
		for _, v := range op.each {
			if !slices.ContainsFunc(out, func(e any) bool { return Equal(e, v) }) {
				out = append(out, deepCopy(v))
			}
		}
		return op.set(root, out)
	}
	if !found || len(arr) == 0 {
		return root, nil
	}
	switch op.op {
	case "$pop":
		if f, _ := asFloat(op.arg); f == 1 {
			return op.set(root, slices.Clone(arr[:len(arr)-1]))
		}
		return op.set(root, slices.Clone(arr[1:]))
	case "$pull":
		return op.set(root, slices.DeleteFunc(slices.Clone(arr), func(e any) bool { return op.pull(normalize(e)) }))
	default: // $pullAll
		return op.set(root, slices.DeleteFunc(slices.Clone(arr), func(e any) bool {
			return slices.ContainsFunc(op.each, func(v any) bool { return Equal(e, v) })
		}))
	}
}

// push applies $push with its modifiers, in mongod's order: insert at
// $position, then $sort, then $slice.
func (op *updateOp) push(arr bson.A) bson.A {
	out := slices.Clone(arr)
	if out == nil {
		out = bson.A{}
	}
	items := make([]any, len(op.each))
	for i, v := range op.each {
		items[i] = deepCopy(v)
	}
	pos := int64(len(out))
	if op.position != nil {
		pos = *op.position
		if pos < 0 {
			pos = max(0, int64(len(out))+pos)
		}
		pos = min(pos, int64(len(out)))
	}
	out = slices.Insert(out, int(pos), items...)
	if op.sort != nil {
		slices.SortStableFunc(out, op.sort.compare)
	}
	if op.slice != nil {
		n := *op.slice
		switch {
		case n >= 0 && n < int64(len(out)):
			out = out[:n]
		case n < 0 && -n < int64(len(out)):
			out = out[int64(len(out))+n:]
		}
	}
	return out
}

func (s *pushSort) compare(a, b any) int {
	if s.spec == nil {
		return s.dir * Compare(a, b)
	}
	da, _ := normalize(a).(bson.D)
	db, _ := normalize(b).(bson.D)
	return s.spec.Compare(da, db)
}

// idDoc renders {_id: ...} of a document for error messages.
func idDoc(doc bson.D) string {
	if v, ok := lookup(doc, "_id"); ok {
		return formatDoc(bson.D{{Key: "_id", Value: v}})
	}
	return "{}"
}

// isPrefix reports whether prefix is path or a leading part of it.
func isPrefix(prefix, path []string) bool {
	return len(prefix) <= len(path) && slices.Equal(prefix, path[:len(prefix)])
}
