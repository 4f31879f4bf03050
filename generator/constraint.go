package generator

import (
	"go/ast"
	"go/build/constraint"
	"go/token"
	"go/types"
	"slices"
	"strings"
)

// noteDecl records the file declaring obj, a type the generated code names:
// the generated file needs that file's build constraint.
func (b *builder) noteDecl(obj types.Object) {
	if obj == nil || obj.Pkg() != b.pkg || !obj.Pos().IsValid() {
		return
	}
	if b.declFiles == nil {
		b.declFiles = map[string]bool{}
	}
	b.declFiles[b.fset.File(obj.Pos()).Name()] = true
}

// buildConstraint returns the //go:build expression the generated file
// needs: the conjunction of those of the files declaring the types it names
// (with -tags pro, a type in a //go:build pro file is generated, and the
// generated file must be built only with pro too), or "" when none has one.
func (b *builder) buildConstraint() string {
	var exprs []constraint.Expr
	seen := map[string]bool{}
	for _, f := range b.files {
		if !b.declFiles[b.fset.File(f.Package).Name()] {
			continue
		}
		x := fileConstraint(b.fset, f)
		if x == nil || seen[x.String()] {
			continue
		}
		seen[x.String()] = true
		exprs = append(exprs, x)
	}
	if len(exprs) == 0 {
		return ""
	}
	slices.SortFunc(exprs, func(a, b constraint.Expr) int { return strings.Compare(a.String(), b.String()) })
	x := exprs[0]
	for _, y := range exprs[1:] {
		x = &constraint.AndExpr{X: x, Y: y}
	}
	return x.String()
}

// fileConstraint returns the //go:build expression of f, or nil. Like the
// go command, it reads only comments before the package clause.
func fileConstraint(fset *token.FileSet, f *ast.File) constraint.Expr {
	for _, g := range f.Comments {
		if g.Pos() >= f.Package {
			break
		}
		for _, c := range g.List {
			if constraint.IsGoBuild(c.Text) {
				if x, err := constraint.Parse(c.Text); err == nil {
					return x
				}
			}
		}
	}
	return nil
}
