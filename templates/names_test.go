package templates

import (
	"go/ast"
	"go/token"
	"slices"
	"testing"
)

// TestDeclaredNamesAreTheModels checks that every package-level name the
// generated file declares is one the loader checks against the package's
// own declarations (model.Type.GeneratedNames, model.StoreType and
// StoreCtor), or a schema variable, which planPackage checks: a name
// declared and not checked would clash with the user's code at compile time
// instead of being reported by the generator.
func TestDeclaredNamesAreTheModels(t *testing.T) {
	pkg := accountModel()
	_, f := render(t, pkg)
	var declared []string
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				declared = append(declared, d.Name.Name)
			}
		case *ast.GenDecl:
			if d.Tok == token.IMPORT {
				continue
			}
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					declared = append(declared, s.Name.Name)
				case *ast.ValueSpec:
					for _, n := range s.Names {
						declared = append(declared, n.Name)
					}
				}
			}
		}
	}
	want := []string{"Store", "NewStore"}
	for _, typ := range pkg.Types {
		want = append(want, typ.GeneratedNames()...)
		want = append(want, "schemaOf"+typ.Name)
	}
	for _, c := range pkg.Codecs {
		want = append(want, c.Var())
	}
	if codecRegistry(pkg) != nil {
		want = append(want, "init") // the registry of the codecs of recursive types
	}
	slices.Sort(declared)
	slices.Sort(want)
	if !slices.Equal(declared, want) {
		t.Errorf("the generated file declares %v, the model and plan name %v", declared, want)
	}
}
