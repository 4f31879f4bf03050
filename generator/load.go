package generator

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// DefaultOutput is the file name generated code is written to in each
// package directory.
const DefaultOutput = "mongotx_gen.go"

// LoadMode is what the generator asks of go/packages: syntax for the
// directives and types for the fields. Types of imported packages come from
// export data (no NeedDeps), and no types.Info is needed because annotated
// types are found through the package scope. The benchmark compares the
// generator with a bare packages.Load in this mode.
const LoadMode = packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes

// Config is one run of the generator.
type Config struct {
	// Dir is the directory patterns are resolved in; "" means the current
	// directory.
	Dir string
	// Patterns are go/packages patterns ("." when empty).
	Patterns []string
	// Types, when not empty, restricts generation to these type names, in
	// every package; a name that is not an annotated type of a loaded
	// package is an error.
	Types []string
	// Output is the base name of the generated file (DefaultOutput when
	// empty).
	Output string
	// Tags are build tags, comma- or space-separated as for go build -tags.
	Tags string
	// Env is the environment of the go command (nil: this process's).
	Env []string
	// Log receives a line per step (what is loaded, skipped, written) when
	// not nil.
	Log io.Writer
	// Render renders one package's generated file; it is templates.Render
	// in the mongotxgen command.
	Render func(*model.Package) ([]byte, error)
}

func (c *Config) output() string {
	if c.Output == "" {
		return DefaultOutput
	}
	return c.Output
}

// absDir returns the absolute directory patterns are resolved in, where
// the go command runs; "" when it cannot be known.
func (c *Config) absDir() string {
	dir, err := filepath.Abs(c.Dir) // the current directory when c.Dir is ""
	if err != nil {
		return ""
	}
	return dir
}

func (c *Config) logf(format string, args ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, format+"\n", args...)
	}
}

// CheckOutputName reports whether name can be the generated file's name: a
// plain file name (no directory) of a Go source file the go command builds.
func CheckOutputName(name string) error {
	switch {
	case name == "":
		return errors.New("empty output file name")
	case strings.ContainsAny(name, `/\`) || name != filepath.Base(name):
		return fmt.Errorf("output %q must be a file name without a directory: the file is written in each package's directory", name)
	case !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go"):
		return fmt.Errorf("output %q must be a Go file name ending in .go (and not _test.go)", name)
	case strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_"):
		return fmt.Errorf("output %q starts with %q, so the go command would ignore it", name, name[:1])
	}
	return nil
}

// Load loads the packages cfg names and builds the validated model of every
// package that has annotated types, sorted by import path. The error, when
// not nil, is an [ErrorList] holding every problem found, or an error of
// the go command itself.
func Load(ctx context.Context, cfg *Config) ([]*model.Package, error) {
	if err := CheckOutputName(cfg.output()); err != nil {
		return nil, err
	}
	patterns := cfg.Patterns
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	output := cfg.output()
	pcfg := &packages.Config{
		Context: ctx,
		Mode:    LoadMode,
		Dir:     cfg.Dir,
		Env:     cfg.Env,
		// The generated file of an earlier run is read as its package
		// clause only: it may be stale or broken, and its declarations
		// are about to be replaced anyway. (An Overlay would also keep it
		// from the go command, which compiles root packages for export
		// data go/packages does not use; but any overlay makes go/packages
		// type-check every dependency from source, which costs more.)
		ParseFile: func(fset *token.FileSet, filename string, src []byte) (*ast.File, error) {
			const mode = parser.AllErrors | parser.ParseComments | parser.SkipObjectResolution
			if filepath.Base(filename) == output {
				if f, err := parser.ParseFile(fset, filename, src, parser.PackageClauseOnly); err == nil {
					return f, nil
				}
			}
			return parser.ParseFile(fset, filename, src, mode)
		},
	}
	if tags := strings.TrimSpace(cfg.Tags); tags != "" {
		pcfg.BuildFlags = []string{"-tags=" + tags}
	}
	cfg.logf("loading %s", strings.Join(patterns, " "))
	pkgs, err := packages.Load(pcfg, patterns...)
	if err != nil {
		return nil, fmt.Errorf("loading packages: %w", err)
	}
	errs := &errorSink{}
	// A generated file of an earlier run that the go command cannot read
	// (a broken package clause or import block) makes it drop the
	// package's imports, and every later error follows from that. Load
	// again with the file seen as its package clause alone: the cost of
	// an overlay (dependencies type-checked from source) is paid only here.
	broken, unreadable := brokenOutputs(pkgs, cfg.absDir(), output, errs)
	if len(broken) > 0 {
		cfg.logf("reloading with %d unreadable generated %s replaced by a package clause", len(broken), plural(len(broken), "file", "files"))
		pcfg.Overlay = broken
		if pkgs, err = packages.Load(pcfg, patterns...); err != nil {
			return nil, fmt.Errorf("loading packages: %w", err)
		}
	}
	if len(pkgs) == 0 {
		// The go command says why on its standard error (a missing go.mod,
		// a pattern that matches nothing), which go/packages drops.
		return nil, ErrorList{{Msg: fmt.Sprintf("no Go package matches %s (run go list %[1]s to see why)", strings.Join(patterns, " "))}}
	}
	slices.SortFunc(pkgs, func(a, b *packages.Package) int { return strings.Compare(a.PkgPath, b.PkgPath) })

	wanted := map[string]bool{}
	for _, name := range cfg.Types {
		wanted[name] = true
	}
	found := map[string]bool{}            // -type names that are annotated types somewhere
	unannotated := map[string]model.Pos{} // -type names that are other declarations
	var out []*model.Package
	for _, pkg := range pkgs {
		mp := buildPackage(pkg, cfg, wanted, unreadable, errs)
		if pkg.Types != nil {
			for name := range wanted {
				if _, ok := mp.annotated[name]; ok {
					found[name] = true
				} else if obj := pkg.Types.Scope().Lookup(name); obj != nil {
					if _, seen := unannotated[name]; !seen {
						unannotated[name] = position(pkg.Fset, obj.Pos())
					}
				}
			}
		}
		if mp.pkg == nil {
			continue
		}
		out = append(out, mp.pkg)
	}
	for _, name := range sortedKeys(wanted) {
		if found[name] {
			continue
		}
		if pos, ok := unannotated[name]; ok {
			errs.add(pos, "-type %s: %s has no //mongotxgen:collection directive", name, name)
		} else {
			errs.add(model.Pos{}, "-type %s: no type %s in %s", name, name, strings.Join(patterns, " "))
		}
	}
	if err := errs.result(); err != nil {
		return nil, err
	}
	if len(out) == 0 && len(cfg.Types) == 0 {
		return nil, ErrorList{{Msg: fmt.Sprintf("no type with a //mongotxgen:collection directive in %s", strings.Join(patterns, " "))}}
	}
	return out, nil
}

// builtPackage is the outcome of building one loaded package.
type builtPackage struct {
	pkg       *model.Package       // nil when nothing is generated for it
	annotated map[string]model.Pos // names of its annotated types
}

// buildPackage reports pkg's load errors and builds its model; the model is
// nil when the package has no (selected) annotated types or has errors.
// Errors in the files of unreadable are left out: brokenOutputs reported
// them.
func buildPackage(pkg *packages.Package, cfg *Config, wanted map[string]bool, unreadable map[string]bool, errs *errorSink) builtPackage {
	res := builtPackage{annotated: map[string]model.Pos{}}
	before := len(errs.list)
	var typeErrs []packages.Error
	for _, e := range pkg.Errors {
		if e.Kind == packages.TypeError || isOwnCompileError(pkg, e) {
			typeErrs = append(typeErrs, e)
			continue
		}
		pos, msg := loadErrorPos(e.Pos, e.Msg, cfg.absDir())
		if unreadable[pos.File] {
			continue // reported once, at line 1, by brokenOutputs
		}
		errs.add(pos, "%s", msg)
	}
	if pkg.Types == nil || len(pkg.Syntax) == 0 {
		return res
	}
	b := &builder{fset: pkg.Fset, pkg: pkg.Types, files: pkg.Syntax, errs: errs}
	found := b.scan()
	var types_ []*model.Type
	var specs []*annotated
	collections := map[string]string{} // collection → the type that has it
	collectionPos := map[string]model.Pos{}
	for _, a := range found {
		cs, ok := b.parseDirectives(a)
		if cs == nil {
			continue
		}
		if cs.hasCollection {
			res.annotated[a.name] = cs.pos
		}
		if len(wanted) > 0 && !wanted[a.name] {
			continue
		}
		if cs.name != "" {
			// Directives are found in file and source order.
			if prev, dup := collections[cs.name]; dup {
				errs.add(cs.pos, "type %s uses collection %q, already used by type %s at %s", a.name, cs.name, prev, posString(collectionPos[cs.name]))
			} else {
				collections[cs.name], collectionPos[cs.name] = a.name, cs.pos
			}
		}
		specs = append(specs, a)
		obj, _ := pkg.Types.Scope().Lookup(a.name).(*types.TypeName)
		if obj == nil {
			continue // a declaration the type checker rejected: reported below
		}
		named, _ := obj.Type().(*types.Named)
		st, isStruct := obj.Type().Underlying().(*types.Struct)
		if named == nil || !isStruct {
			errs.add(cs.pos, "//mongotxgen:%s on %s, which is not a struct type", a.directives[0].name, a.name)
			continue
		}
		if t := b.buildType(a, cs, st, named); t != nil && ok {
			types_ = append(types_, t)
		}
	}

	// Type errors elsewhere in the package are not ours to report: code
	// that uses the generated names does not type-check before the first
	// run, or after a type is renamed. Those inside an annotated type, or
	// any when a field's type could not be resolved, are.
	for _, e := range typeErrs {
		if isOwnCompileError(pkg, e) {
			continue
		}
		pos, msg := loadErrorPos(e.Pos, e.Msg, cfg.absDir())
		if unreadable[pos.File] {
			continue
		}
		if b.sawInvalid || insideAny(pkg.Fset, pos, specs) {
			errs.add(pos, "%s", msg)
		} else {
			cfg.logf("%s: ignoring type error outside the annotated types: %s", pkg.PkgPath, e)
		}
	}
	if len(errs.list) > before {
		return res
	}
	if len(found) == 0 {
		cfg.logf("%s: no annotated types, skipped", pkg.PkgPath)
		return res
	}
	if len(types_) == 0 {
		cfg.logf("%s: no type selected by -type, skipped", pkg.PkgPath)
		return res
	}
	slices.SortFunc(types_, func(a, b *model.Type) int { return strings.Compare(a.Name, b.Name) })

	checkNames(pkg, types_, cfg.output(), errs)
	if len(errs.list) > before {
		return res
	}

	dir := pkg.Dir
	if dir == "" && len(pkg.GoFiles) > 0 {
		dir = filepath.Dir(pkg.GoFiles[0])
	}
	res.pkg = &model.Package{
		Name:   pkg.Name,
		Path:   pkg.PkgPath,
		Dir:    dir,
		Output: filepath.Join(dir, cfg.output()),
		Types:  types_,
		Codecs: b.codecs(types_),
	}
	cfg.logf("%s: %d annotated types", pkg.PkgPath, len(types_))
	return res
}

// brokenOutputs finds the generated files of an earlier run (named output,
// with mongotxgen's header) in which the go command found errors, and
// returns an overlay replacing each by its package clause alone. A file
// whose package clause itself cannot be read is reported once, at line 1,
// and is listed in unreadable: nothing says for sure what it was, so it is
// left for the user to delete; it gets an overlay when its package's name
// is known from the other files, so that the rest of the package is still
// checked.
func brokenOutputs(pkgs []*packages.Package, dir, output string, errs *errorSink) (overlay map[string][]byte, unreadable map[string]bool) {
	overlay, unreadable = map[string][]byte{}, map[string]bool{}
	for _, pkg := range pkgs {
		for _, e := range pkg.Errors {
			if e.Kind == packages.TypeError || isOwnCompileError(pkg, e) {
				continue
			}
			pos, _ := loadErrorPos(e.Pos, e.Msg, dir)
			path, name := pos.File, pkg.Name
			if m := mixedPackages.FindStringSubmatch(e.Msg); m != nil && e.Pos == "" {
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

// isOwnCompileError reports whether e is the compiler's output for pkg
// itself. go/packages has the go command compile every listed package for
// export data, roots included, although it type-checks roots from source;
// the type errors of that check say the same with positions, and the
// compiler saw the generated file of an earlier run that the type check
// ignores.
func isOwnCompileError(pkg *packages.Package, e packages.Error) bool {
	return e.Kind != packages.TypeError && strings.HasPrefix(e.Msg, "# "+pkg.PkgPath+"\n")
}

// checkNames reports declarations of the package that the generated file
// would declare again.
func checkNames(pkg *packages.Package, ts []*model.Type, output string, errs *errorSink) {
	scope := pkg.Types.Scope()
	check := func(name string, t *model.Type) {
		obj := scope.Lookup(name)
		if obj == nil {
			return
		}
		pos := position(pkg.Fset, obj.Pos())
		if filepath.Base(pos.File) == output {
			return
		}
		what := "the generated Store"
		if t != nil {
			what = "generated code for type " + t.Name
		}
		errs.add(pos, "%s is declared here and by %s: rename it", name, what)
	}
	check("Store", nil)
	check("NewStore", nil)
	for _, t := range ts {
		for _, n := range []string{t.Name + "Repo", "New" + t.Name + "Repo", t.Name + "Fields"} {
			check(n, t)
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

func position(fset *token.FileSet, p token.Pos) model.Pos {
	if !p.IsValid() {
		return model.Pos{}
	}
	pp := fset.Position(p)
	return model.Pos{File: pp.Filename, Line: pp.Line, Col: pp.Column}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
