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

	isPipeline bool
	stages     []stage

	positional bool               // some path has $, $[] or $[id]
	filters    map[string]*Filter // arrayFilters by identifier
	query      *Filter            // the statement's filter, for $
}

// UpdateOptions are the parts of an update statement that shape the update
// besides the update document itself.
type UpdateOptions struct {
	// Query is the statement's filter: the positional operator $ updates
	// the array element it matched.
	Query *Filter
	// ArrayFilters are the filters of $[<identifier>] paths.
	ArrayFilters []bson.D
	// Vars are the command's let variables, for pipeline updates.
	Vars Vars
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
// $inc, ...), a replacement document, or a pipeline (an array of $set,
// $addFields, $project, $unset, $replaceRoot and $replaceWith stages).
// Errors are *Error values with mongod's codes.
func ParseUpdate(update any) (*Update, error) { return ParseUpdateWith(update, UpdateOptions{}) }

// ParseUpdateWith is ParseUpdate for a statement with options.
func ParseUpdateWith(update any, opts UpdateOptions) (*Update, error) {
	u, err := parseUpdate(update, opts.Vars)
	if err != nil {
		return nil, err
	}
	if u.isRepl || u.isPipeline {
		if len(opts.ArrayFilters) > 0 {
			return nil, errorf(CodeFailedToParse, "arrayFilters may not be specified for pipeline-style or replacement-style updates")
		}
		return u, nil
	}
	if u.filters, err = parseArrayFilters(opts.ArrayFilters, opts.Vars); err != nil {
		return nil, err
	}
	u.query = opts.Query
	for _, op := range u.ops {
		u.positional = u.positional || isPositional(op.path)
	}
	if err := u.checkPositional(normalize(update).(bson.D)); err != nil {
		return nil, err
	}
	return u, nil
}

func parseUpdate(update any, vars Vars) (*Update, error) {
	switch u := normalize(update).(type) {
	case bson.A:
		return parsePipelineUpdate(u, vars)
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
	if kind, _ := positionalKind(path[0]); kind != 0 {
		return nil, errorf(CodeBadValue, "Cannot have positional (i.e. '$') element in the first position in path '%s'", key)
	}
	for _, p := range path {
		switch {
		case p == "":
			return nil, errorf(CodeEmptyFieldName, "The update path '%s' contains an empty field name, which is not allowed.", key)
		case p == "$" || p == "$[]":
		case strings.HasPrefix(p, "$[") && strings.HasSuffix(p, "]"):
		case strings.HasPrefix(p, "$"):
			return nil, unsupported("field name '%s' starting with '$' in update path '%s'", p, key)
		}
	}
	return path, nil
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
	switch {
	case u.isRepl:
		return keepID(doc, copyDoc(u.replacement))
	case u.isPipeline:
		return u.applyPipeline(doc)
	}
	ops, err := u.concreteOps(doc, isInsert)
	if err != nil {
		return nil, err
	}
	out := copyDoc(doc)
	for _, op := range ops {
		var err error
		out, err = op.apply(out, doc, isInsert)
		if err != nil {
			return nil, err
		}
	}
	if oldID, hadID := lookup(doc, "_id"); hadID {
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

// concreteOps are the update's operations on doc, positional paths
// expanded, in the order mongod applies them.
func (u *Update) concreteOps(doc bson.D, isInsert bool) ([]*updateOp, error) {
	if !u.positional {
		return u.ops, nil
	}
	var out []*updateOp
	for _, op := range u.ops {
		if !isPositional(op.path) {
			out = append(out, op)
			continue
		}
		paths, err := u.expand(doc, op.path, isInsert)
		if err != nil {
			return nil, err
		}
		for _, p := range paths {
			c := *op
			c.path, c.key = p, strings.Join(p, ".")
			out = append(out, &c)
		}
	}
	slices.SortStableFunc(out, func(a, b *updateOp) int { return comparePaths(a.path, b.path) })
	return out, nil
}
