package generator

import (
	"context"
	"fmt"
	"go/token"
	"slices"
	"strings"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// Load loads the packages cfg names and builds the validated model of every
// package that has annotated types, sorted by import path. The error, when
// not nil, is an [ErrorList] holding every problem found, or an error of
// the go command itself.
//
// Loading costs what it cannot avoid and no more: the go command lists the
// packages (nothing is compiled), their files are parsed, and the packages
// with directives are type-checked from source against the export data of
// their imports, which the build cache keeps. The packages themselves are
// never compiled, so a run after an edit costs what the first one does.
func Load(ctx context.Context, cfg *Config) ([]*model.Package, error) {
	if err := CheckOutputName(cfg.output()); err != nil {
		return nil, err
	}
	patterns := cfg.Patterns
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	cfg.logf("loading %s", strings.Join(patterns, " "))
	errs := &errorSink{}
	roots, unreadable, err := listRoots(ctx, cfg, patterns, errs)
	if err != nil {
		return nil, fmt.Errorf("loading packages: %w", err)
	}
	if len(roots) == 0 {
		// The go command says why on its standard error (a missing go.mod,
		// a pattern that matches nothing).
		return nil, ErrorList{{Msg: fmt.Sprintf("no Go package matches %s (run go list %[1]s to see why)", strings.Join(patterns, " "))}}
	}
	srcs := parseRoots(token.NewFileSet(), roots, cfg.output(), unreadable, errs)
	if err := checkRoots(ctx, cfg, srcs, len(cfg.Types) > 0); err != nil {
		return nil, fmt.Errorf("loading packages: %w", err)
	}
	sel := newSelection(cfg.Types)
	var out []*model.Package
	for _, s := range srcs {
		if mp := buildPackage(s, cfg, sel, unreadable, errs); mp != nil {
			out = append(out, mp)
		}
	}
	sel.report(patterns, errs)
	if err := errs.result(); err != nil {
		return nil, err
	}
	if len(out) == 0 && len(cfg.Types) == 0 {
		return nil, ErrorList{{Msg: fmt.Sprintf("no type with a //mongotxgen:collection directive in %s", strings.Join(patterns, " "))}}
	}
	return out, nil
}

// listRoots lists the packages the patterns match, sorted by import path,
// and reports their errors. A generated file of an earlier run that the go
// command cannot read (a broken package clause or import block) makes it
// drop the package's imports, and every later error follows from that: the
// packages are then listed again with the file seen as its package clause
// alone. unreadable holds the generated files whose package clause is
// unreadable; they are reported once, at line 1.
func listRoots(ctx context.Context, cfg *Config, patterns []string, errs *errorSink) (roots []*listedPackage, unreadable map[string]bool, err error) {
	args := append([]string{"--"}, patterns...)
	if roots, err = goList(ctx, cfg, "", args...); err != nil {
		return nil, nil, err
	}
	broken, unreadable := brokenOutputs(roots, cfg.absDir(), cfg.output(), errs)
	if len(broken) > 0 {
		cfg.logf("listing again with %d unreadable generated %s replaced by a package clause", len(broken), plural(len(broken), "file", "files"))
		overlay, cleanup, err := writeOverlay(broken)
		if err != nil {
			return nil, nil, err
		}
		defer cleanup()
		if roots, err = goList(ctx, cfg, overlay, args...); err != nil {
			return nil, nil, err
		}
	}
	for _, r := range roots {
		for _, e := range r.errors() {
			pos, msg := loadErrorPos(e.Pos, e.Err, cfg.absDir())
			if !unreadable[pos.File] {
				errs.add(pos, "%s", msg)
			}
		}
	}
	slices.SortFunc(roots, func(a, b *listedPackage) int { return strings.Compare(a.ImportPath, b.ImportPath) })
	return roots, unreadable, nil
}

// selection is the -type names of a run and what became of them.
type selection struct {
	wanted      map[string]bool
	found       map[string]bool      // annotated types somewhere
	unannotated map[string]model.Pos // other declarations of those names
}

func newSelection(names []string) *selection {
	s := &selection{wanted: map[string]bool{}, found: map[string]bool{}, unannotated: map[string]model.Pos{}}
	for _, n := range names {
		s.wanted[n] = true
	}
	return s
}

// selects reports whether the annotated type name is generated.
func (s *selection) selects(name string) bool { return len(s.wanted) == 0 || s.wanted[name] }

// see records what the package s declares under the wanted names.
func (s *selection) see(src *source, annotated map[string]bool) {
	for name := range s.wanted {
		if annotated[name] {
			s.found[name] = true
		} else if src.types != nil {
			if obj := src.types.Scope().Lookup(name); obj != nil {
				if _, seen := s.unannotated[name]; !seen {
					s.unannotated[name] = position(src.fset, obj.Pos())
				}
			}
		}
	}
}

// report adds an error for every wanted name that is not an annotated type.
func (s *selection) report(patterns []string, errs *errorSink) {
	for _, name := range sortedKeys(s.wanted) {
		if s.found[name] {
			continue
		}
		if pos, ok := s.unannotated[name]; ok {
			errs.add(pos, "-type %s: %s has no //mongotxgen:collection directive", name, name)
		} else {
			errs.add(model.Pos{}, "-type %s: no type %s in %s", name, name, strings.Join(patterns, " "))
		}
	}
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
