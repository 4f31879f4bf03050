package generator

import (
	"go/ast"
	"go/build/constraint"
	"go/token"
	"go/types"
	"path/filepath"
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
// generated file must be built only with pro too) and of their names
// (model_linux.go: linux), or "" when none has one.
func (b *builder) buildConstraint() string {
	var exprs []constraint.Expr
	seen := map[string]bool{}
	for _, f := range b.files {
		if !b.declFiles[b.fset.File(f.Package).Name()] {
			continue
		}
		for _, x := range []constraint.Expr{fileConstraint(b.fset, f), nameConstraint(b.fset.File(f.Package).Name())} {
			if x == nil || seen[x.String()] {
				continue
			}
			seen[x.String()] = true
			exprs = append(exprs, x)
		}
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

// nameConstraint returns the constraint the go command reads in the name of
// a Go file, as go/build's goodOSArchFile does: a GOOS, a GOARCH or both at
// the end of its name after an underscore (model_linux.go,
// model_linux_arm64.go), or nil.
func nameConstraint(path string) constraint.Expr {
	name := filepath.Base(path)
	name, _, _ = strings.Cut(name, ".")
	i := strings.Index(name, "_")
	if i < 0 {
		return nil
	}
	l := strings.Split(name[i:], "_")
	if n := len(l); n > 0 && l[n-1] == "test" {
		l = l[:n-1]
	}
	n := len(l)
	switch {
	case n >= 2 && knownOS[l[n-2]] && knownArch[l[n-1]]:
		return &constraint.AndExpr{X: &constraint.TagExpr{Tag: l[n-2]}, Y: &constraint.TagExpr{Tag: l[n-1]}}
	case n >= 1 && (knownOS[l[n-1]] || knownArch[l[n-1]]):
		return &constraint.TagExpr{Tag: l[n-1]}
	}
	return nil
}

// knownOS and knownArch are the GOOS and GOARCH values the go command
// recognises in file names (go/build's lists).
var (
	knownOS   = setOf("aix android darwin dragonfly freebsd hurd illumos ios js linux nacl netbsd openbsd plan9 solaris wasip1 windows zos")
	knownArch = setOf("386 amd64 amd64p32 arm armbe arm64 arm64be loong64 mips mipsle mips64 mips64le mips64p32 mips64p32le ppc ppc64 ppc64le riscv riscv64 s390 s390x sparc sparc64 wasm")
)

func setOf(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}
