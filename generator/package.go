package generator

import (
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// buildPackage builds the model of one root package, or returns nil when
// the package has no (selected) annotated types or has errors. Errors in the
// files of unreadable are left out: brokenOutputs reported them.
func buildPackage(s *source, cfg *Config, sel *selection, unreadable map[string]bool, errs *errorSink) *model.Package {
	before := len(errs.list)
	b := &builder{fset: s.fset, pkg: s.types, files: s.files, errs: errs, cfg: cfg}
	found := b.scan()
	if s.types == nil || len(found) == 0 {
		if len(found) == 0 && len(errs.list) == before {
			cfg.logf("%s: no annotated types, skipped", s.list.ImportPath)
		}
		return nil
	}
	types_, specs, annotated := b.buildTypes(found, sel)
	sel.see(s, annotated)
	b.reportTypeErrors(s, specs, unreadable)
	if len(errs.list) > before {
		return nil
	}
	if len(types_) == 0 {
		cfg.logf("%s: no type selected by -type, skipped", s.list.ImportPath)
		return nil
	}
	slices.SortFunc(types_, func(a, b *model.Type) int { return strings.Compare(a.Name, b.Name) })
	b.checkNames(types_)
	if len(errs.list) > before {
		return nil
	}
	cfg.logf("%s: %d annotated types", s.list.ImportPath, len(types_))
	for _, a := range specs {
		b.noteDecl(b.pkg.Scope().Lookup(a.name))
	}
	return &model.Package{
		Name:            s.list.Name,
		Path:            s.list.ImportPath,
		Dir:             s.list.Dir,
		Output:          filepath.Join(s.list.Dir, cfg.output()),
		Types:           types_,
		Codecs:          b.codecs(types_),
		Declared:        b.pkg.Scope().Names(),
		BuildConstraint: b.buildConstraint(),
	}
}

// buildTypes builds the annotated types that sel selects, in source order.
// It returns them with the declarations of every selected type (to place
// type errors) and the names of all annotated types.
func (b *builder) buildTypes(found []*annotated, sel *selection) (out []*model.Type, specs []*annotated, annotated map[string]bool) {
	annotated = map[string]bool{}
	b.collectionTypes = map[string]bool{}
	for _, a := range found {
		for _, d := range a.directives {
			if d.name == "collection" {
				b.collectionTypes[a.name] = true
			}
		}
	}
	collections := map[string]*collectionSpec{} // collection → the first type that has it
	collectionType := map[string]string{}
	for _, a := range found {
		cs, ok := b.parseDirectives(a)
		if cs == nil {
			continue
		}
		if cs.hasCollection {
			annotated[a.name] = true
		}
		if !sel.selects(a.name) {
			continue
		}
		if cs.name != "" {
			// Directives are found in file and source order.
			if prev := collections[cs.name]; prev != nil {
				b.errs.add(cs.pos, "type %s uses collection %q, already used by type %s at %s", a.name, cs.name, collectionType[cs.name], prev.pos.Short())
			} else {
				collections[cs.name], collectionType[cs.name] = cs, a.name
			}
		}
		specs = append(specs, a)
		obj, _ := b.pkg.Scope().Lookup(a.name).(*types.TypeName)
		if obj == nil {
			continue // a declaration the type checker rejected: reported with the type errors
		}
		named, _ := obj.Type().(*types.Named)
		st, isStruct := obj.Type().Underlying().(*types.Struct)
		if named == nil || !isStruct {
			b.errs.add(cs.pos, "//mongotxgen:%s on %s, which is not a struct type", a.directives[0].name, a.name)
			continue
		}
		if t := b.buildType(a, cs, st, named); t != nil && ok {
			out = append(out, t)
		}
	}
	return out, specs, annotated
}

// reportTypeErrors reports the type errors of s that are the generator's
// business. Type errors elsewhere in the package are not: code that uses
// the generated names does not type-check before the first run, or after a
// type is renamed. Those inside an annotated type, or any when a field's
// type could not be resolved, are.
func (b *builder) reportTypeErrors(s *source, specs []*annotated, unreadable map[string]bool) {
	for _, e := range s.typeErrs {
		pos := position(e.Fset, e.Pos)
		if unreadable[pos.File] {
			continue
		}
		if b.sawInvalid || insideAny(s.fset, pos, specs) {
			b.errs.add(pos, "%s", e.Msg)
		} else {
			b.cfg.logf("%s: ignoring type error outside the annotated types: %s: %s", s.list.ImportPath, pos, e.Msg)
		}
	}
}

// insideAny reports whether pos lies within one of the type declarations.
func insideAny(fset *token.FileSet, pos model.Pos, specs []*annotated) bool {
	for _, a := range specs {
		start, end := fset.Position(a.spec.Pos()), fset.Position(a.spec.End())
		if pos.File == start.Filename && pos.Line >= start.Line && pos.Line <= end.Line {
			return true
		}
	}
	return false
}

// position converts a token.Pos of fset for the model.
func position(fset *token.FileSet, p token.Pos) model.Pos {
	if !p.IsValid() {
		return model.Pos{}
	}
	pp := fset.Position(p)
	return model.Pos{File: pp.Filename, Line: pp.Line, Col: pp.Column}
}

// builder builds and validates the model of one package.
type builder struct {
	fset  *token.FileSet
	pkg   *types.Package
	files []*ast.File
	errs  *errorSink
	cfg   *Config

	// sawInvalid records a field whose type did not type-check: the
	// package's type errors explain it.
	sawInvalid bool
	// unnameable counts field types generated code could not name.
	unnameable int
	// declFiles are the files declaring types the generated code names.
	declFiles map[string]bool
	// collectionTypes are the names of the package's types with a
	// collection directive.
	collectionTypes map[string]bool
}

func (b *builder) position(p token.Pos) model.Pos { return position(b.fset, p) }
