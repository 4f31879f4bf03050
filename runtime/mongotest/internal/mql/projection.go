package mql

import (
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Projection is a compiled projection: an inclusion projection (fields kept,
// possibly computed from field paths and constants) or an exclusion
// projection (fields dropped).
type Projection struct {
	inclusion bool
	root      *projNode
}

// projNode is one level of a projection tree.
type projNode struct {
	names    []string // children in specification order
	children map[string]*projNode
	leaf     bool       // the path ends here: included or excluded
	expr     expression // computed field (inclusion only)
}

func newProjNode() *projNode { return &projNode{children: map[string]*projNode{}} }

// ParseProjection compiles a find or $project projection. Inclusion and
// exclusion cannot be mixed (except for _id), as in mongod: codes 31254 and
// 31253. _id is included unless excluded explicitly. $slice, $elemMatch,
// $meta and positional ("a.$") projections are refused. An empty
// specification projects nothing away.
func ParseProjection(spec bson.D) (*Projection, error) { return parseProjection(spec, nil) }

// parseProjection is ParseProjection with the command's let variables.
func parseProjection(spec bson.D, vars Vars) (*Projection, error) {
	p := &Projection{root: newProjNode()}
	mode := 0 // +1 inclusion, -1 exclusion, 0 undecided
	idSeen, idInclude := false, true
	var items []projItem
	var flatten func(prefix string, d bson.D) error
	flatten = func(prefix string, d bson.D) error {
		if len(d) == 0 && prefix != "" {
			return errorf(51270, "An empty sub-projection is not a valid value. Found empty object at path")
		}
		for _, e := range d {
			key := e.Key
			if prefix != "" {
				key = prefix + "." + e.Key
			}
			if strings.HasSuffix(key, ".$") || key == "$" || strings.Contains(key, ".$.") {
				return unsupported("positional projection '%s'", key)
			}
			if strings.HasPrefix(e.Key, "$") {
				return errorf(16410, "FieldPath field names may not start with '$'. Consider using $getField or $setField.")
			}
			path := strings.Split(key, ".")
			for _, c := range path {
				if c == "" {
					return errorf(CodeBadValue, "FieldPath field names may not be empty strings.")
				}
			}
			v := normalize(e.Value)
			switch x := v.(type) {
			case bool, int32, int64, float64, bson.Decimal128:
				include := truthy(x)
				if key == "_id" {
					idSeen, idInclude = true, include
					continue
				}
				want := -1
				if include {
					want = 1
				}
				if mode != 0 && mode != want {
					if include {
						return errorf(31253, "Cannot do inclusion on field %s in exclusion projection", key)
					}
					return errorf(31254, "Cannot do exclusion on field %s in inclusion projection", key)
				}
				mode = want
				items = append(items, projItem{path: path, include: include})
			case bson.D:
				if len(x) > 0 && strings.HasPrefix(x[0].Key, "$") {
					switch x[0].Key {
					case "$slice", "$elemMatch", "$meta":
						return unsupported("projection operator %s", x[0].Key)
					}
					ex, err := parseExpression(x, vars)
					if err != nil {
						return err
					}
					if err := computed(key, &mode); err != nil {
						return err
					}
					items = append(items, projItem{path: path, include: true, expr: ex})
					continue
				}
				if err := flatten(key, x); err != nil {
					return err
				}
			default:
				ex, err := parseExpression(x, vars)
				if err != nil {
					return err
				}
				if key == "_id" {
					idSeen = true
				}
				if err := computed(key, &mode); err != nil {
					return err
				}
				items = append(items, projItem{path: path, include: true, expr: ex})
			}
		}
		return nil
	}
	if err := flatten("", spec); err != nil {
		return nil, err
	}
	return p.build(items, mode, idSeen, idInclude)
}

// build settles the projection's mode and _id, and builds its tree.
func (p *Projection) build(items []projItem, mode int, idSeen, idInclude bool) (*Projection, error) {
	if mode == 0 && idSeen && !idInclude {
		mode = -1
	}
	if mode == 0 && len(items) == 0 && !idSeen {
		return nil, nil // {} projects nothing away
	}
	p.inclusion = mode >= 0
	if idSeen && !idInclude {
		items = append([]projItem{{path: []string{"_id"}, include: false}}, items...)
	} else if p.inclusion && !hasPath(items, "_id") {
		items = append([]projItem{{path: []string{"_id"}, include: true}}, items...)
	}
	for _, it := range items {
		if p.inclusion && !it.include && strings.Join(it.path, ".") == "_id" {
			continue // _id:0 in an inclusion projection: simply not included
		}
		if err := p.root.add(it.path, it.expr); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// projItem is one flattened path of a projection specification.
type projItem struct {
	path    []string
	include bool
	expr    expression
}

func hasPath(items []projItem, key string) bool {
	for _, it := range items {
		if strings.Join(it.path, ".") == key {
			return true
		}
	}
	return false
}

// computed records a computed field, which makes an inclusion projection.
func computed(key string, mode *int) error {
	if *mode < 0 {
		return errorf(31252, "Cannot use expression other than $meta in exclusion projection")
	}
	*mode = 1
	return nil
}

// add inserts a path into the tree, refusing a path that collides with
// another (one a prefix of the other).
func (n *projNode) add(path []string, ex expression) error {
	cur := n
	for i, c := range path {
		child, ok := cur.children[c]
		if ok && child.leaf {
			return errorf(31249, "Path collision at %s remaining portion %s", strings.Join(path, "."), strings.Join(path[i+1:], "."))
		}
		if !ok {
			child = newProjNode()
			cur.children[c] = child
			cur.names = append(cur.names, c)
		}
		if i == len(path)-1 {
			if len(child.children) > 0 {
				return errorf(31250, "Path collision at %s", strings.Join(path, "."))
			}
			child.leaf, child.expr = true, ex
		}
		cur = child
	}
	return nil
}

// Apply returns the projected copy of doc. A nil projection returns a copy
// of doc unchanged. It fails only when a computed field's expression does.
func (p *Projection) Apply(doc bson.D) (bson.D, error) {
	if p == nil {
		return copyDoc(doc), nil
	}
	if p.inclusion {
		return p.root.include(doc, doc)
	}
	return p.root.exclude(doc), nil
}

// include keeps the fields of doc named in the tree, in document order,
// then sets the computed fields in specification order.
func (n *projNode) include(doc, root bson.D) (bson.D, error) {
	out := bson.D{}
	for _, e := range doc {
		child, ok := n.children[e.Key]
		if !ok || child.expr != nil {
			continue
		}
		if child.leaf {
			out = append(out, bson.E{Key: e.Key, Value: deepCopy(e.Value)})
			continue
		}
		v, ok, err := child.includeValue(normalize(e.Value), root)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, bson.E{Key: e.Key, Value: v})
		}
	}
	for _, name := range n.names {
		child := n.children[name]
		switch {
		case child.expr != nil:
			v, ok, err := child.expr.eval(root)
			if err != nil {
				return nil, err
			}
			if ok {
				out = setField(out, name, v)
			}
		case !child.leaf && child.hasComputed() && fieldIndex(out, name) < 0:
			if _, present := lookup(doc, name); !present {
				sub, err := child.include(bson.D{}, root)
				if err != nil {
					return nil, err
				}
				out = append(out, bson.E{Key: name, Value: sub})
			}
		}
	}
	return out, nil
}

// includeValue applies a sub-projection to a value: documents are projected,
// arrays element by element, and other values dropped.
func (n *projNode) includeValue(v any, root bson.D) (any, bool, error) {
	switch x := v.(type) {
	case bson.D:
		d, err := n.include(x, root)
		return d, err == nil, err
	case bson.A:
		out := bson.A{}
		for _, e := range x {
			r, ok, err := n.includeValue(normalize(e), root)
			if err != nil {
				return nil, false, err
			}
			if ok {
				out = append(out, r)
			}
		}
		return out, true, nil
	}
	if n.hasComputed() {
		d, err := n.include(bson.D{}, root)
		return d, err == nil, err
	}
	return nil, false, nil
}

func (n *projNode) hasComputed() bool {
	for _, c := range n.children {
		if c.expr != nil || c.hasComputed() {
			return true
		}
	}
	return false
}

// exclude drops the fields named in the tree.
func (n *projNode) exclude(doc bson.D) bson.D {
	out := bson.D{}
	for _, e := range doc {
		child, ok := n.children[e.Key]
		switch {
		case !ok:
			out = append(out, bson.E{Key: e.Key, Value: deepCopy(e.Value)})
		case child.leaf:
		default:
			out = append(out, bson.E{Key: e.Key, Value: child.excludeValue(normalize(e.Value))})
		}
	}
	return out
}

func (n *projNode) excludeValue(v any) any {
	switch x := v.(type) {
	case bson.D:
		return n.exclude(x)
	case bson.A:
		out := make(bson.A, len(x))
		for i, e := range x {
			out[i] = n.excludeValue(normalize(e))
		}
		return out
	}
	return deepCopy(v)
}

// setField replaces the value of key in d, or appends it.
func setField(d bson.D, key string, v any) bson.D {
	if i := fieldIndex(d, key); i >= 0 {
		d[i].Value = v
		return d
	}
	return append(d, bson.E{Key: key, Value: v})
}
