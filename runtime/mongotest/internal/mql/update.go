package mql

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// now is the clock of $currentDate; tests replace it.
var now = time.Now

// Update is a compiled update: either a replacement document or a set of
// update operators.
type Update struct {
	replacement bson.D
	isRepl      bool
	ops         []*updateOp // sorted by target path, as mongod applies them
}

// updateOp is one field of one update operator.
type updateOp struct {
	op   string
	key  string // dotted target path
	path []string
	arg  any

	// $push / $addToSet
	each     []any
	position *int64
	slice    *int64
	sort     *pushSort
	// $pull
	pull func(v any) bool
	// $rename: the source path (the target is path)
	from    []string
	fromKey string
	// $currentDate: "date" or "timestamp"
	dateType string
}

// pushSort is $push's $sort: whole elements (spec nil) or documents by spec.
type pushSort struct {
	dir  int
	spec *Sort
}

// ParseUpdate compiles an update: a document of update operators ($set,
// $inc, ...) or a replacement document. An array (pipeline-style update) is
// refused. Errors are *Error values with mongod's codes.
func ParseUpdate(update any) (*Update, error) {
	switch u := normalize(update).(type) {
	case bson.A:
		return nil, unsupported("pipeline-style update (an array of stages)")
	case bson.D:
		if len(u) == 0 || !strings.HasPrefix(u[0].Key, "$") {
			for _, e := range u {
				if strings.HasPrefix(e.Key, "$") {
					return nil, errorf(CodeDollarPrefixedFieldName, "The dollar ($) prefixed field '%s' in '%s' is not allowed in the context of an update's replacement document. Consider using an aggregation pipeline with $replaceWith.", e.Key, e.Key)
				}
			}
			if err := checkID(u); err != nil {
				return nil, err
			}
			return &Update{replacement: copyDoc(u), isRepl: true}, nil
		}
		return parseModifiers(u)
	case nil:
		return nil, errorf(CodeFailedToParse, "update must be a document")
	}
	return nil, errorf(CodeFailedToParse, "update must be a document or an array, not %s", typeName(update))
}

// IsReplacement reports whether the update is a replacement document.
func (u *Update) IsReplacement() bool { return u.isRepl }

func parseModifiers(u bson.D) (*Update, error) {
	out := &Update{}
	for _, e := range u {
		if e.Key == "$bit" {
			return nil, unsupported("update operator $bit")
		}
		if !knownModifier(e.Key) {
			return nil, errorf(CodeFailedToParse, "Unknown modifier: %s. Expected a valid update modifier or pipeline-style update specified as an array", e.Key)
		}
		fields, ok := normalize(e.Value).(bson.D)
		if !ok {
			return nil, errorf(CodeFailedToParse, "Modifiers operate on fields but we found type %s instead. For example: {$mod: {<field>: ...}} not {%s: %s}", typeName(e.Value), e.Key, formatValue(e.Value))
		}
		for _, f := range fields {
			op, err := parseUpdateOp(e.Key, f.Key, normalize(f.Value))
			if err != nil {
				return nil, err
			}
			out.ops = append(out.ops, op)
		}
	}
	if err := checkConflicts(out.ops); err != nil {
		return nil, err
	}
	slices.SortStableFunc(out.ops, func(a, b *updateOp) int { return comparePaths(a.path, b.path) })
	return out, nil
}

func knownModifier(name string) bool {
	switch name {
	case "$set", "$unset", "$inc", "$mul", "$min", "$max", "$rename", "$setOnInsert",
		"$currentDate", "$push", "$addToSet", "$pull", "$pullAll", "$pop":
		return true
	}
	return false
}

// comparePaths orders paths component by component, the order in which
// mongod (5.0 and later) applies update operators: names bytewise, except
// that two array positions compare as numbers ("2" before "10").
func comparePaths(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := compareComponents(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}

// compareComponents is mongod's order of field names within an update:
// two names that start with a digit (and not with a zero, unless "0"
// itself) compare by length first, so that array positions compare as
// numbers; all others compare bytewise.
func compareComponents(a, b string) int {
	numberLike := func(s string) bool {
		return s != "" && s[0] >= '0' && s[0] <= '9' && (s[0] != '0' || len(s) == 1)
	}
	if len(a) != len(b) && numberLike(a) && numberLike(b) {
		return cmp.Compare(len(a), len(b))
	}
	return strings.Compare(a, b)
}

// checkConflicts refuses two operations on the same path, or on a path and
// one of its prefixes, in the order the operations were given.
func checkConflicts(ops []*updateOp) error {
	full := map[string]bool{}    // paths seen
	inner := map[string]string{} // proper prefixes of paths seen -> that path
	check := func(path []string) error {
		key := strings.Join(path, ".")
		if full[key] {
			return errorf(CodeConflictingUpdateOperators, "Updating the path '%s' would create a conflict at '%s'", key, key)
		}
		if longer, ok := inner[key]; ok {
			return errorf(CodeConflictingUpdateOperators, "Updating the path '%s' would create a conflict at '%s'", longer, key)
		}
		for i := 1; i < len(path); i++ {
			if prefix := strings.Join(path[:i], "."); full[prefix] {
				return errorf(CodeConflictingUpdateOperators, "Updating the path '%s' would create a conflict at '%s'", key, prefix)
			}
		}
		full[key] = true
		for i := 1; i < len(path); i++ {
			inner[strings.Join(path[:i], ".")] = key
		}
		return nil
	}
	for _, op := range ops {
		if op.from != nil {
			if err := check(op.from); err != nil {
				return err
			}
		}
		if err := check(op.path); err != nil {
			return err
		}
	}
	return nil
}

// parseUpdatePath validates a dotted update path.
func parseUpdatePath(key string) ([]string, error) {
	if key == "" {
		return nil, errorf(CodeEmptyFieldName, "An empty update path is not valid.")
	}
	path := strings.Split(key, ".")
	for _, p := range path {
		switch {
		case p == "":
			return nil, errorf(CodeEmptyFieldName, "The update path '%s' contains an empty field name, which is not allowed.", key)
		case p == "$" || strings.HasPrefix(p, "$["):
			return nil, unsupported("positional operator '%s' in update path '%s'", p, key)
		case strings.HasPrefix(p, "$"):
			return nil, unsupported("field name '%s' starting with '$' in update path '%s'", p, key)
		}
	}
	return path, nil
}

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
			i, ok := asInt64(v)
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
		root, err := parseDoc(d, nil)
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

// checkID refuses _id values mongod does not store.
func checkID(doc bson.D) error {
	if v, ok := lookup(doc, "_id"); ok {
		switch v.(type) {
		case bson.A:
			return errorf(CodeInvalidIDField, "The '_id' value cannot be of type array")
		case bson.Regex:
			return errorf(CodeInvalidIDField, "The '_id' value cannot be of type regex")
		case bson.Undefined:
			return errorf(CodeInvalidIDField, "can't use a undefined for _id")
		}
	}
	return nil
}

// Apply returns the result of the update on doc, which it never modifies.
// isInsert says the document is being inserted by an upsert (doc is then the
// seed from the filter); only then do $setOnInsert operations apply.
// Changing an existing _id is refused with code 66 ImmutableField.
func (u *Update) Apply(doc bson.D, isInsert bool) (bson.D, error) {
	oldID, hadID := lookup(doc, "_id")
	if u.isRepl {
		out := copyDoc(u.replacement)
		newID, hasID := lookup(out, "_id")
		switch {
		case hasID && hadID && !Identical(oldID, newID):
			return nil, errorf(CodeImmutableField, "After applying the update, the (immutable) field '_id' was found to have been altered to _id: %s", formatValue(newID))
		case hasID:
			i := fieldIndex(out, "_id")
			out = append(bson.D{out[i]}, append(out[:i:i], out[i+1:]...)...)
		case hadID:
			out = append(bson.D{{Key: "_id", Value: deepCopy(oldID)}}, out...)
		}
		return out, nil
	}
	out := copyDoc(doc)
	for _, op := range u.ops {
		var err error
		out, err = op.apply(out, doc, isInsert)
		if err != nil {
			return nil, err
		}
	}
	if hadID {
		newID, hasID := lookup(out, "_id")
		if !hasID || !Identical(oldID, newID) {
			return nil, errorf(CodeImmutableField, "Performing an update on the path '_id' would modify the immutable field '_id'")
		}
	}
	if err := checkID(out); err != nil {
		return nil, err
	}
	return out, nil
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
