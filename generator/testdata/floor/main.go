// Command floor is the baseline of the generator benchmarks: the work that
// any generator run after an edit of a model file cannot avoid, and nothing
// more. It lists the packages its arguments name (go list, without export
// data: nothing is compiled), parses their files but the generated one
// (mongotx_gen.go), asks the go command for the export data of the packages
// those files import (the build cache keeps it) and type-checks the files
// against it. It exits 1 when a
// package does not list or parse.
//
// It uses the standard library only, so that it measures the floor rather
// than the generator's own loader.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
)

type listed struct {
	ImportPath string
	Name       string
	Dir        string
	GoFiles    []string
	Imports    []string
	ImportMap  map[string]string
	DepOnly    bool
	Export     string
	Error      *struct{ Err string }
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

func run(patterns []string) error {
	all, err := goList(append([]string{"-e", "-json=ImportPath,Name,Dir,GoFiles,Imports,ImportMap,DepOnly,Error", "--"}, patterns...))
	if err != nil {
		return err
	}
	var roots []*listed
	isRoot := map[string]bool{}
	for _, p := range all {
		if p.Error != nil {
			return fmt.Errorf("%s: %s", p.ImportPath, p.Error.Err)
		}
		if !p.DepOnly {
			roots = append(roots, p)
			isRoot[p.ImportPath] = true
		}
	}
	fset := token.NewFileSet()
	files := make([][]*ast.File, len(roots))
	var direct []string
	seen := map[string]bool{}
	for i, r := range roots {
		if files[i], err = parse(fset, r); err != nil {
			return err
		}
		for _, f := range files[i] {
			for _, spec := range f.Imports {
				path, _ := strconv.Unquote(spec.Path.Value)
				if p, ok := r.ImportMap[path]; ok {
					path = p
				}
				if !isRoot[path] && !seen[path] && path != "unsafe" {
					seen[path] = true
					direct = append(direct, path)
				}
			}
		}
	}
	exports := map[string]string{}
	if len(direct) > 0 {
		deps, err := goList(append([]string{"-e", "-json=ImportPath,Export,Error", "-export", "--"}, direct...))
		if err != nil {
			return err
		}
		for _, p := range deps {
			if p.Error != nil {
				return fmt.Errorf("%s: %s", p.ImportPath, p.Error.Err)
			}
			exports[p.ImportPath] = p.Export
		}
	}
	for i, r := range roots {
		check(fset, r, files[i], exports)
	}
	return nil
}

// parse parses r's files but the generated one, in parallel.
func parse(fset *token.FileSet, r *listed) ([]*ast.File, error) {
	var names []string
	for _, f := range r.GoFiles {
		if f != "mongotx_gen.go" {
			names = append(names, filepath.Join(r.Dir, f))
		}
	}
	files := make([]*ast.File, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() {
			files[i], errs[i] = parser.ParseFile(fset, name, nil, parser.ParseComments|parser.SkipObjectResolution)
		})
	}
	wg.Wait()
	return files, errors.Join(errs...)
}

// check type-checks r's files.
func check(fset *token.FileSet, r *listed, files []*ast.File, exports map[string]string) {
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		if p, ok := r.ImportMap[path]; ok {
			path = p
		}
		file, ok := exports[path]
		if !ok {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(file)
	})
	// Type errors do not stop the check, as they do not stop the generator:
	// code that uses generated names does not type-check without them.
	conf := &types.Config{Importer: imp, Error: func(error) {}}
	conf.Check(r.ImportPath, fset, files, nil)
}

func goList(args []string) ([]*listed, error) {
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %v\n%s", err, stderr.Bytes())
	}
	var pkgs []*listed
	for dec := json.NewDecoder(bytes.NewReader(out)); dec.More(); {
		p := new(listed)
		if err := dec.Decode(p); err != nil {
			return nil, err
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}
