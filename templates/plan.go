package templates

import (
	"fmt"
	"go/token"
	"go/types"
	"slices"
	"strings"
	"unicode"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// typePlan is what the emitters need to know about one collection type
// beyond the model: the names of everything generated for it and, for each
// field, how generated code reaches it through the TFields value.
type typePlan struct {
	t *model.Type

	fieldsVar string // AccountFields
	repoType  string // AccountRepo
	repoCtor  string // NewAccountRepo
	schemaVar string // schemaOfAccount: the runtime.Schema of the type
	storeName string // Account: the Store field

	fields []*fieldNode          // top level of TFields, in model order
	byPath map[string]*fieldNode // by model.Field.GoPath

	lookups []lookup // GetBy<F> and FindBy<F>, in field order

	// insertsID reports that Insert assigns a new ObjectID to a zero ID.
	insertsID bool

	// codec reports that the type gets generated codecs, which the
	// repository's reads then decode with (Schema.Decode).
	codec bool
}

// fieldNode is one field of a TFields value or of a nested fields type.
type fieldNode struct {
	f        *model.Field
	sel      []string     // selectors from TFields: ["Address", "City"]
	nested   string       // name of the nested fields type, "" for a leaf
	children []*fieldNode // the sub-document's fields when nested != ""
}

// planPackage names everything generated for pkg and checks that the names
// neither collide with each other nor with what Go reserves.
func planPackage(pkg *model.Package) ([]*typePlan, error) {
	if len(pkg.Types) == 0 {
		return nil, fmt.Errorf("package %s: no collection types to generate", pkg.Path)
	}
	names := newNameSet()
	names.add("Store", "the store type", model.Pos{})
	names.add("NewStore", "the store constructor", model.Pos{})
	storeFields := newNameSet()
	storeFields.add("db", "the store's database field", model.Pos{})
	storeFields.add("tx", "the store's transaction field", model.Pos{})

	plans := make([]*typePlan, 0, len(pkg.Types))
	for _, t := range pkg.Types {
		p, err := planType(t)
		if err != nil {
			return nil, err
		}
		p.codec = slices.ContainsFunc(pkg.Codecs, func(c *model.Codec) bool { return c.Name == t.Name })
		names.add(p.fieldsVar, "the fields of "+t.Name, t.Pos)
		names.add(p.repoType, "the repository of "+t.Name, t.Pos)
		names.add(p.repoCtor, "the repository constructor of "+t.Name, t.Pos)
		names.add(p.schemaVar, "the repository schema of "+t.Name, t.Pos)
		storeFields.add(p.storeName, "the store field of "+t.Name, t.Pos)
		p.walk(func(n *fieldNode) {
			if n.nested != "" {
				names.add(n.nested, "the fields of "+t.Name+"."+n.f.GoPath, n.f.Pos)
			}
		})
		plans = append(plans, p)
	}
	if err := names.err(); err != nil {
		return nil, err
	}
	if err := storeFields.err(); err != nil {
		return nil, err
	}
	return plans, nil
}

func planType(t *model.Type) (*typePlan, error) {
	if t.ID == nil {
		return nil, fmt.Errorf("%s: %s has no _id field", t.Pos, t.Name)
	}
	p := &typePlan{
		t:         t,
		fieldsVar: t.FieldsVar(),
		repoType:  t.RepoType(),
		repoCtor:  t.RepoCtor(),
		// The type's name as it is, so that types Account and account
		// get distinct schemas.
		schemaVar: "schemaOf" + t.Name,
		storeName: t.Name,
		byPath:    make(map[string]*fieldNode),
		insertsID: isNamed(t.ID.Type, bsonPath, "ObjectID"),
	}
	var err error
	p.fields, err = p.plan(t.Fields, nil, "")
	if err != nil {
		return nil, err
	}
	if err := p.planLookups(); err != nil {
		return nil, err
	}
	for _, f := range []*model.Field{t.ID, t.Version, t.Created, t.Updated, t.Deleted} {
		if f != nil && p.byPath[f.GoPath] == nil {
			return nil, fmt.Errorf("%s: %s.%s is not among the document's fields", f.Pos, t.Name, f.GoPath)
		}
	}
	for _, f := range []*model.Field{t.Created, t.Updated} {
		if f == nil {
			continue
		}
		if msg := model.StampTypeError(f.Type); msg != "" {
			return nil, fmt.Errorf("%s: %s.%s: %s", f.Pos, t.Name, f.GoPath, msg)
		}
	}
	for _, ix := range t.Indexes {
		for _, k := range ix.Keys {
			if k.Field == nil {
				return nil, fmt.Errorf("%s: %s: index %q has a key without a field", ix.Pos, t.Name, ix.Name)
			}
		}
	}
	return p, nil
}

// plan builds the nodes of fields, reached from TFields through sel, inside
// a nested fields type that embeds the runtime field named embedded ("" at
// the top level).
func (p *typePlan) plan(fields []*model.Field, sel []string, embedded string) ([]*fieldNode, error) {
	seen := make(map[string]*model.Field)
	nodes := make([]*fieldNode, 0, len(fields))
	for _, f := range fields {
		if !token.IsIdentifier(f.GoName) {
			return nil, fmt.Errorf("%s: %s: %q is not a Go identifier", f.Pos, p.t.Name, f.GoName)
		}
		if err := checkType(&f.Type); err != nil {
			return nil, fmt.Errorf("%s: %s.%s: %v", f.Pos, p.t.Name, f.GoPath, err)
		}
		if (f.Kind == model.SliceKind || f.Kind == model.StructSliceKind) && f.Elem == nil {
			return nil, fmt.Errorf("%s: %s.%s: a field of kind %s without an element type", f.Pos, p.t.Name, f.GoPath, f.Kind.RuntimeType())
		}
		if prev := seen[f.GoName]; prev != nil {
			return nil, fmt.Errorf("%s: %s: fields %s and %s would both be %s.%s; rename one or stop inlining it",
				f.Pos, p.t.Name, prev.GoPath, f.GoPath, p.fieldsVar, strings.Join(append(sel, f.GoName), "."))
		}
		seen[f.GoName] = f
		if f.GoName == embedded {
			// A nested fields type embeds the runtime field of the
			// sub-document, whose field name is its kind's; a sub-field of
			// that name would shadow it.
			return nil, fmt.Errorf("%s: %s.%s: a field named %s inside a sub-document is not supported (it collides with the embedded runtime.%s)",
				f.Pos, p.t.Name, f.GoPath, embedded, embedded)
		}
		n := &fieldNode{f: f, sel: append(append([]string(nil), sel...), f.GoName)}
		p.byPath[f.GoPath] = n
		// A sub-document with no stored fields (a struct whose fields are
		// all unexported, say) has nothing to nest: a plain Field does.
		if len(f.Nested) > 0 {
			n.nested = p.t.NestedFieldsType(f)
			var err error
			n.children, err = p.plan(f.Nested, n.sel, f.Kind.RuntimeType())
			if err != nil {
				return nil, err
			}
		}
		nodes = append(nodes, n)
	}
	return nodes, nil
}

// lookup is a GetBy<F> (unique) or FindBy<F> method.
type lookup struct {
	unique bool
	name   string // GetByOwner
	node   *fieldNode
}

// planLookups lists the GetBy and FindBy methods of the unique and index
// fields, refusing two with the same name.
func (p *typePlan) planLookups() error {
	seen := make(map[string]*model.Field)
	var err error
	add := func(unique bool, prefix string, n *fieldNode) {
		name := prefix + n.f.MethodSuffix()
		if prev := seen[name]; prev != nil && err == nil {
			err = fmt.Errorf("%s: %s: fields %s and %s would both get a method %s", n.f.Pos, p.t.Name, prev.GoPath, n.f.GoPath, name)
		}
		seen[name] = n.f
		p.lookups = append(p.lookups, lookup{unique: unique, name: name, node: n})
	}
	p.walk(func(n *fieldNode) {
		if n.f.Unique {
			add(true, "GetBy", n)
		}
		if n.f.Index {
			add(false, "FindBy", n)
		}
	})
	return err
}

// walk calls fn for every field node, parents before their children.
func (p *typePlan) walk(fn func(*fieldNode)) {
	var visit func([]*fieldNode)
	visit = func(nodes []*fieldNode) {
		for _, n := range nodes {
			fn(n)
			visit(n.children)
		}
	}
	visit(p.fields)
}

// nameSet collects generated package-level names and reports collisions.
type nameSet struct {
	owner map[string]string
	errs  []string
}

func newNameSet() *nameSet { return &nameSet{owner: make(map[string]string)} }

func (s *nameSet) add(name, what string, pos model.Pos) {
	if prev, ok := s.owner[name]; ok {
		s.errs = append(s.errs, fmt.Sprintf("%s: generated name %s would be both %s and %s", pos, name, prev, what))
		return
	}
	s.owner[name] = what
}

func (s *nameSet) err() error {
	if len(s.errs) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(s.errs, "\n"))
}

// reservedParams are the identifiers generated method bodies use besides
// their parameters, plus the package names they refer to; a parameter named
// after a field must not shadow any of them.
var reservedParams = map[string]bool{
	"ctx": true, "r": true, "doc": true, "docs": true, "err": true, "opts": true,
	"res": true, "cur": true, "filter": true, "update": true,
	"bson": true, "mongo": true, "options": true, "runtime": true,
	"context": true, "iter": true, "time": true, "errors": true,
}

// paramName is the name of the value parameter of GetBy<F>/FindBy<F>: the
// field's Go name with its leading initialism lowered (ID → id, IDs → ids,
// HTTPAddr → httpAddr, Owner → owner), or "value" when that would be a keyword, a
// predeclared identifier, or a name the method body uses, fieldsVar included.
func paramName(goName, fieldsVar string) string {
	rs := []rune(goName)
	i := 0
	for i < len(rs) && unicode.IsUpper(rs[i]) {
		i++
	}
	switch {
	case i == 0:
	case i == len(rs) || i == 1 || string(rs[i:]) == "s":
		// "ID", "Owner", "IDs": the whole leading run.
		for j := range i {
			rs[j] = unicode.ToLower(rs[j])
		}
	default:
		// "HTTPAddr": keep the A of Addr upper.
		for j := range i - 1 {
			rs[j] = unicode.ToLower(rs[j])
		}
	}
	name := string(rs)
	if token.IsKeyword(name) || types.Universe.Lookup(name) != nil || reservedParams[name] || name == "_" || name == fieldsVar {
		return "value"
	}
	return name
}
