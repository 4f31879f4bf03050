package mql

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Positional update paths: "a.$.b" (the array element the query matched),
// "a.$[].b" (every element) and "a.$[i].b" (the elements the array filter
// named i matches). Each operation on such a path is expanded, per
// document, into the concrete paths it updates.

var arrayFilterID = regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)

// positionalKind classifies one path component.
func positionalKind(p string) (kind byte, id string) {
	switch {
	case p == "$":
		return '$', ""
	case p == "$[]":
		return 'a', ""
	case strings.HasPrefix(p, "$[") && strings.HasSuffix(p, "]"):
		return 'f', p[2 : len(p)-1]
	}
	return 0, ""
}

func isPositional(path []string) bool {
	return slices.ContainsFunc(path, func(p string) bool { k, _ := positionalKind(p); return k != 0 })
}

// parseArrayFilters compiles an update's arrayFilters: each a filter whose
// top-level fields all start with the same identifier.
func parseArrayFilters(list []bson.D, vars Vars) (map[string]*Filter, error) {
	out := map[string]*Filter{}
	for _, f := range list {
		id := ""
		for _, e := range f {
			if strings.HasPrefix(e.Key, "$") {
				return nil, errorf(CodeFailedToParse, "Cannot use an expression without a top-level field name in arrayFilters")
			}
			name, _, _ := strings.Cut(e.Key, ".")
			if id != "" && name != id {
				return nil, errorf(CodeFailedToParse, "Error parsing array filter :: caused by :: Expected a single top-level field name, found '%s' and '%s'", id, name)
			}
			id = name
		}
		if id == "" {
			return nil, errorf(CodeFailedToParse, "Cannot use an expression without a top-level field name in arrayFilters")
		}
		if !arrayFilterID.MatchString(id) {
			return nil, errorf(CodeBadValue, "Error parsing array filter :: caused by :: The top-level field name must be an alphanumeric string beginning with a lowercase letter, found '%s'", id)
		}
		if _, dup := out[id]; dup {
			return nil, errorf(CodeFailedToParse, "Found multiple array filters with the same top-level field name %s", id)
		}
		c, err := ParseFilterWith(f, vars)
		if err != nil {
			return nil, err
		}
		out[id] = c
	}
	return out, nil
}

// checkPositional validates the positional components of the update's
// paths against its array filters: every identifier must have a filter
// and every filter must be used.
func (u *Update) checkPositional(spec bson.D) error {
	used := map[string]bool{}
	for _, op := range u.ops {
		for _, path := range [][]string{op.from, op.path} {
			dollars := 0
			for _, p := range path {
				kind, id := positionalKind(p)
				switch {
				case kind == '$':
					dollars++
				case kind == 'f' && u.filters[id] == nil:
					return errorf(CodeBadValue, "No array filter found for identifier '%s' in path '%s'", id, strings.Join(path, "."))
				case kind == 'f':
					used[id] = true
				}
			}
			if dollars > 1 {
				return errorf(CodeBadValue, "Too many positional (i.e. '$') elements found in path '%s'", strings.Join(path, "."))
			}
			if op.from != nil && isPositional(path) {
				return errorf(CodeBadValue, "The source field for $rename may not be dynamic: %s", op.fromKey)
			}
		}
	}
	for id := range u.filters {
		if !used[id] {
			return errorf(CodeFailedToParse, "The array filter for identifier '%s' was not used in the update %s", id, formatDoc(spec))
		}
	}
	return nil
}

// expand returns the concrete paths a positional path updates in doc.
func (u *Update) expand(doc bson.D, path []string, isInsert bool) ([][]string, error) {
	outs := [][]string{nil}
	for i, p := range path {
		kind, id := positionalKind(p)
		if kind == 0 {
			for j := range outs {
				outs[j] = append(outs[j], p)
			}
			continue
		}
		var next [][]string
		for _, prefix := range outs {
			arr, err := arrayAt(doc, prefix, path[:i])
			if err != nil {
				return nil, err
			}
			idx, err := u.positions(doc, prefix, arr, kind, id, isInsert)
			if err != nil {
				return nil, err
			}
			for _, k := range idx {
				next = append(next, append(slices.Clone(prefix), strconv.Itoa(k)))
			}
		}
		outs = next
	}
	return outs, nil
}

// positions are the indexes of arr that one positional component selects.
func (u *Update) positions(doc bson.D, prefix []string, arr bson.A, kind byte, id string, isInsert bool) ([]int, error) {
	var out []int
	switch kind {
	case 'a':
		for k := range arr {
			out = append(out, k)
		}
	case 'f':
		f := u.filters[id]
		for k, e := range arr {
			if f.Match(bson.D{{Key: id, Value: e}}) {
				out = append(out, k)
			}
		}
	default: // '$'
		k, ok := -1, false
		if !isInsert {
			k, ok = u.query.matchedPosition(doc, prefix, arr)
		}
		if !ok {
			return nil, errorf(CodeBadValue, "The positional operator did not find the match needed from the query.")
		}
		out = []int{k}
	}
	return out, nil
}

// arrayAt is the array at path in doc, which positional updates require.
func arrayAt(doc bson.D, path, spec []string) (bson.A, error) {
	v, found := getPath(doc, path)
	if !found {
		return nil, errorf(CodeBadValue, "The path '%s' must exist in the document in order to apply array updates.", strings.Join(spec, "."))
	}
	arr, ok := v.(bson.A)
	if !ok {
		return nil, errorf(CodeBadValue, "Cannot apply array updates to non-array element %s: %s", path[len(path)-1], formatValue(v))
	}
	return arr, nil
}

// matchedPosition is the index of the first element of arr, the array at
// path in doc, that satisfies the query's conditions on that array: each
// element is tried alone in the array's place. ok is false when the query
// has no condition on the array.
func (f *Filter) matchedPosition(doc bson.D, path []string, arr bson.A) (int, bool) {
	if f == nil {
		return 0, false
	}
	var conds []fieldNode
	collectFieldNodes(f.root, func(n fieldNode) {
		if isPrefix(path, n.path) {
			conds = append(conds, n)
		}
	})
	if len(conds) == 0 {
		return 0, false
	}
	for k, e := range arr {
		trial, err := setIn(copyDoc(doc), path, bson.A{e})
		if err != nil {
			return 0, false
		}
		if !slices.ContainsFunc(conds, func(n fieldNode) bool { return !n.matches(trial.(bson.D)) }) {
			return k, true
		}
	}
	return 0, false
}

// collectFieldNodes calls fn for the field conditions of a filter's top
// level, $and included.
func collectFieldNodes(n node, fn func(fieldNode)) {
	switch x := n.(type) {
	case fieldNode:
		fn(x)
	case andNode:
		for _, c := range x {
			collectFieldNodes(c, fn)
		}
	}
}
