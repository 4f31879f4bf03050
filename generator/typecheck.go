package generator

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// source is one root package read from source: its files parsed, the
// generated file of an earlier run left out (it may be stale or broken, and
// its declarations are about to be replaced), and, when the generator needs
// them, its types.
type source struct {
	list  *listedPackage
	fset  *token.FileSet
	files []*ast.File
	// annotated reports a //mongotxgen: comment in a file: only such
	// packages, and the roots they import, are type-checked.
	annotated bool
	types     *types.Package // nil when not type-checked
	typeErrs  []types.Error
}

// parseRoots parses the Go files of every root but the generated one, all
// files in parallel, and reports their syntax errors, except in the files
// of unreadable.
func parseRoots(fset *token.FileSet, roots []*listedPackage, output string, unreadable map[string]bool, errs *errorSink) []*source {
	type job struct {
		src  *source
		path string
		file *ast.File
		err  error
	}
	srcs := make([]*source, len(roots))
	var jobs []*job
	for i, r := range roots {
		srcs[i] = &source{list: r, fset: fset}
		for _, name := range slices.Concat(r.GoFiles, r.CgoFiles) {
			if name != output {
				jobs = append(jobs, &job{src: srcs[i], path: filepath.Join(r.Dir, name)})
			}
		}
	}
	const mode = parser.AllErrors | parser.ParseComments | parser.SkipObjectResolution
	var wg sync.WaitGroup
	sem := make(chan struct{}, goruntime.GOMAXPROCS(0))
	for _, j := range jobs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			j.file, j.err = parser.ParseFile(fset, j.path, nil, mode)
		})
	}
	wg.Wait()
	for _, j := range jobs {
		if j.err != nil && !unreadable[j.path] {
			addParseError(j.path, j.err, errs)
		}
		if j.file != nil {
			j.src.files = append(j.src.files, j.file)
			j.src.annotated = j.src.annotated || hasDirective(j.file)
		}
	}
	return srcs
}

func addParseError(path string, err error, errs *errorSink) {
	var list scanner.ErrorList
	if !errors.As(err, &list) {
		errs.add(model.Pos{File: path, Line: 1, Col: 1}, "%v", err)
		return
	}
	for _, e := range list {
		errs.add(model.Pos{File: e.Pos.Filename, Line: e.Pos.Line, Col: e.Pos.Column}, "%s", e.Msg)
	}
}

// hasDirective reports whether f has a comment that is, or looks like, a
// //mongotxgen: directive.
func hasDirective(f *ast.File) bool {
	for _, g := range f.Comments {
		for _, c := range g.List {
			if strings.Contains(c.Text, "mongotxgen:") {
				return true
			}
		}
	}
	return false
}

// checkRoots type-checks the annotated roots, and every root they import
// (all roots when all is set), against the export data of their other
// imports, which it asks the go command for: the build cache keeps it, so
// only what changed is compiled. A root imported by a root is checked
// first, from source, and that result is what the importer sees.
func checkRoots(ctx context.Context, cfg *Config, srcs []*source, all bool) error {
	byPath := map[string]*source{}
	for _, s := range srcs {
		byPath[s.list.ImportPath] = s
	}
	var order []*source
	visited := map[*source]bool{}
	var visit func(s *source)
	visit = func(s *source) {
		if visited[s] {
			return
		}
		visited[s] = true
		for _, imp := range s.imports() {
			if dep := byPath[imp]; dep != nil {
				visit(dep)
			}
		}
		order = append(order, s)
	}
	for _, s := range srcs {
		if all || s.annotated {
			visit(s)
		}
	}
	if len(order) == 0 {
		return nil
	}
	var deps []string
	for _, s := range order {
		for _, imp := range s.imports() {
			if byPath[imp] == nil && imp != "unsafe" && imp != "C" {
				deps = append(deps, imp)
			}
		}
	}
	slices.Sort(deps)
	deps = slices.Compact(deps)
	exports := map[string]*listedPackage{}
	if len(deps) > 0 {
		listed, err := goList(ctx, cfg, "", append([]string{"-export", "--"}, deps...)...)
		if err != nil {
			return err
		}
		for _, p := range listed {
			exports[p.ImportPath] = p
		}
	}
	gc := importer.ForCompiler(order[0].fset, "gc", func(path string) (io.ReadCloser, error) {
		p := exports[path]
		switch {
		case p == nil:
			return nil, fmt.Errorf("package %s was not listed", path)
		case p.Export == "" && p.Error != nil:
			msg, _, _ := strings.Cut(strings.TrimSpace(p.Error.Err), "\n")
			return nil, errors.New(msg)
		case p.Export == "":
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(p.Export)
	}).(types.ImporterFrom)
	sizes := types.SizesFor("gc", goarch(cfg.Env))
	for _, s := range order {
		s.check(gc, byPath, sizes)
	}
	return nil
}

// imports returns the import paths of the packages s's files import,
// mapped as the go command resolves them (vendoring).
func (s *source) imports() []string {
	var out []string
	for _, f := range s.files {
		for _, spec := range f.Imports {
			path, err := strconv.Unquote(spec.Path.Value)
			if err != nil {
				continue
			}
			if p, ok := s.list.ImportMap[path]; ok {
				path = p
			}
			out = append(out, path)
		}
	}
	return out
}

// check type-checks s, importing the roots of byPath as checked from
// source and the other packages through gc.
func (s *source) check(gc types.ImporterFrom, byPath map[string]*source, sizes types.Sizes) {
	imp := importerFunc(func(path, dir string, mode types.ImportMode) (*types.Package, error) {
		if p, ok := s.list.ImportMap[path]; ok {
			path = p
		}
		if root := byPath[path]; root != nil {
			if root.types == nil {
				return nil, fmt.Errorf("package %s was not checked (an import cycle?)", path)
			}
			return root.types, nil
		}
		return gc.ImportFrom(path, dir, mode)
	})
	conf := &types.Config{
		Importer:    imp,
		Sizes:       sizes,
		FakeImportC: len(s.list.CgoFiles) > 0,
		Error: func(err error) {
			if te, ok := err.(types.Error); ok {
				s.typeErrs = append(s.typeErrs, te)
			}
		},
	}
	if m := s.list.Module; m != nil && m.GoVersion != "" {
		conf.GoVersion = "go" + m.GoVersion
	}
	// The errors are in s.typeErrs; Check returns the first of them.
	s.types, _ = conf.Check(s.list.ImportPath, s.fset, s.files, nil)
}

// goarch is the GOARCH of the go command run with env (nil: this
// process's environment), for the sizes of types in constant expressions.
func goarch(env []string) string {
	if env == nil {
		env = os.Environ()
	}
	arch := goruntime.GOARCH
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GOARCH="); ok && v != "" {
			arch = v
		}
	}
	return arch
}

type importerFunc func(path, dir string, mode types.ImportMode) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path, "", 0) }
func (f importerFunc) ImportFrom(path, dir string, mode types.ImportMode) (*types.Package, error) {
	return f(path, dir, mode)
}
