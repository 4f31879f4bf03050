package generator

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"os"
	"path/filepath"
	"strings"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// A generated file of an earlier run never blocks the next one: it is not
// parsed or type-checked (see parseRoots), and when the go command cannot
// even read its package clause or imports, the packages are listed again
// with the file replaced by a package clause (an overlay), so that the
// rest of its package is still read.

// brokenOutputs finds the generated files of an earlier run (named output,
// with mongotxgen's header) in which the go command found errors, and
// returns an overlay replacing each by its package clause alone. A file
// whose package clause itself cannot be read is reported once, at line 1,
// and is listed in unreadable: nothing says for sure what it was, so it is
// left for the user to delete; it gets an overlay when its package's name
// is known from the other files, so that the rest of the package is still
// checked.
func brokenOutputs(roots []*listedPackage, dir, output string, errs *errorSink) (overlay map[string][]byte, unreadable map[string]bool) {
	overlay, unreadable = map[string][]byte{}, map[string]bool{}
	for _, pkg := range roots {
		for _, e := range pkg.errors() {
			pos, _ := loadErrorPos(e.Pos, e.Err, dir)
			path, name := pos.File, pkg.Name
			if m := mixedPackages.FindStringSubmatch(e.Err); m != nil && e.Pos == "" {
				// Perhaps the package was renamed since the file was
				// generated: when every other file agrees on a name, it
				// is the package's.
				if m[2] != output && m[4] != output {
					continue
				}
				path = filepath.Join(absPath(m[5], dir), output)
				if name = otherFilesPackage(path); name == "" {
					continue
				}
			}
			if filepath.Base(path) != output || overlay[path] != nil || unreadable[path] || notOurs(path) != "" {
				continue
			}
			src, err := os.ReadFile(path)
			if err == nil {
				var f *ast.File
				f, err = parser.ParseFile(token.NewFileSet(), path, src, parser.PackageClauseOnly)
				if err == nil && name == "" {
					name = f.Name.Name
				}
			}
			if err != nil {
				var list scanner.ErrorList
				if errors.As(err, &list) && len(list) > 0 {
					err = fmt.Errorf("%d:%d: %s", list[0].Pos.Line, list[0].Pos.Column, list[0].Msg)
				}
				errs.add(model.Pos{File: path, Line: 1, Col: 1}, "generated file of an earlier run has no readable package clause (%v): delete it and run mongotxgen again", err)
				unreadable[path] = true
			}
			if name != "" {
				overlay[path] = []byte("package " + name + "\n")
			}
		}
	}
	return overlay, unreadable
}

// otherFilesPackage returns the package name that every Go file (tests
// excluded) in the directory of output other than output declares, or ""
// when they do not agree or one cannot be read.
func otherFilesPackage(output string) string {
	files, err := filepath.Glob(filepath.Join(filepath.Dir(output), "*.go"))
	if err != nil {
		return ""
	}
	name := ""
	fset := token.NewFileSet()
	for _, file := range files {
		if file == output || strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, parser.PackageClauseOnly)
		if err != nil || (name != "" && f.Name.Name != name) {
			return ""
		}
		name = f.Name.Name
	}
	return name
}
