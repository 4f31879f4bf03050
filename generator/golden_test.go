package generator_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/mongotxgen/mongotxgen/generator"
	"github.com/mongotxgen/mongotxgen/generator/model"
	"github.com/mongotxgen/mongotxgen/templates"
)

var update = flag.Bool("update", false, "rewrite the expected output of the golden cases in ../testdata")

// goldenModule is the module path of the golden cases: a case's own
// packages import each other as example.com/case/...
const goldenModule = "example.com/case"

// goldenCase is one testdata/*.txtar archive.
//
// An archive holds a Go package (files at the top) and possibly more
// packages in subdirectories; an optional "args" file with command-line
// flags and package patterns as for mongotxgen (-type, -output, -tags,
// patterns; default "."); and the expectation: either the generated files,
// by their path in the case (mongotx_gen.go, or as -output names it), or an
// "errors" file with the expected errors, one per line, positions relative
// to the case directory; and a "warnings" file when the run warns.
type goldenCase struct {
	name    string
	file    string
	archive *txtar.Archive
	cfg     *generator.Config
	dir     string // where the case's sources are written

	out      map[string][]byte // generated files by slash path in the case
	errText  string            // or the errors
	warnings []string          // warnings, positions relative to the case
}

// TestGolden generates every case of ../testdata and compares the result
// with the archive; with -update it rewrites the archives instead. The
// generated files of all successful cases are then compiled and vetted
// together, in one temporary module, with one go vet run.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("../testdata/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden cases in ../testdata")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	env := writeGoldenModule(t, tmp, root)

	var cases []*goldenCase
	for _, file := range files {
		cases = append(cases, loadGoldenCase(t, file, tmp, env))
	}

	t.Run("case", func(t *testing.T) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				c.run(t)
			})
		}
	})
	if t.Failed() {
		return
	}

	// Compile and vet every successful case in one go.
	var patterns []string
	for _, c := range cases {
		if c.out == nil {
			continue
		}
		// c.out was generated in the shared module: its imports of the
		// case's own packages already have the module's form.
		for rel, data := range c.out {
			if err := os.WriteFile(filepath.Join(c.dir, filepath.FromSlash(rel)), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		patterns = append(patterns, "./"+c.name+"/...")
	}
	if len(patterns) == 0 {
		return
	}
	cmd := exec.Command("go", append([]string{"vet"}, patterns...)...)
	cmd.Dir = tmp
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("go vet of the generated code failed: %v\n%s", err, out)
	}
}

// writeGoldenModule writes the go.mod and go.sum of the module holding the
// cases and returns the environment for the go command there: the
// repository replaces the mongotxgen module, the module cache provides the
// rest, and nothing is fetched from the network.
func writeGoldenModule(t testing.TB, dir, root string) []string {
	t.Helper()
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	gosum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	mod := regexp.MustCompile(`(?m)^module .*$`).ReplaceAllString(string(gomod), "module "+goldenModule)
	mod += "\nrequire github.com/mongotxgen/mongotxgen v0.0.0\n\nreplace github.com/mongotxgen/mongotxgen => " + root + "\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), gosum, 0o644); err != nil {
		t.Fatal(err)
	}
	return append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
}

func loadGoldenCase(t *testing.T, file, tmp string, env []string) *goldenCase {
	t.Helper()
	ar, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	c := &goldenCase{
		name:    strings.TrimSuffix(filepath.Base(file), ".txtar"),
		file:    file,
		archive: ar,
	}
	c.dir = filepath.Join(tmp, c.name)
	c.cfg = &generator.Config{Dir: c.dir, Env: env, Render: renderTwice}
	var mu sync.Mutex
	c.cfg.Warn = func(e *generator.Error) {
		mu.Lock()
		defer mu.Unlock()
		c.warnings = append(c.warnings, e.Rel(c.dir))
	}
	for _, f := range ar.Files {
		if f.Name == "args" {
			fs := flag.NewFlagSet("args", flag.ContinueOnError)
			typeList := fs.String("type", "", "")
			fs.StringVar(&c.cfg.Output, "output", "", "")
			fs.StringVar(&c.cfg.Tags, "tags", "", "")
			if err := fs.Parse(strings.Fields(string(f.Data))); err != nil {
				t.Fatalf("%s: args: %v", file, err)
			}
			if *typeList != "" {
				c.cfg.Types = strings.Split(*typeList, ",")
			}
			c.cfg.Patterns = fs.Args()
		}
	}
	for _, f := range ar.Files {
		if c.isExpectation(f.Name) || f.Name == "args" {
			continue
		}
		path := filepath.Join(c.dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, c.toModule(f.Data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return c
}

// isExpectation reports whether the archive file name is expected output
// rather than input.
func (c *goldenCase) isExpectation(name string) bool {
	out := c.cfg.Output
	if out == "" {
		out = generator.DefaultOutput
	}
	return name == "errors" || name == "warnings" || filepath.Base(name) == out
}

// toModule and fromModule move import paths between the archive's view
// (example.com/case/sub) and the shared module's (example.com/case/NAME/sub).
func (c *goldenCase) toModule(data []byte) []byte {
	s := strings.ReplaceAll(string(data), `"`+goldenModule+`/`, `"`+goldenModule+`/`+c.name+`/`)
	return []byte(strings.ReplaceAll(s, `"`+goldenModule+`"`, `"`+goldenModule+`/`+c.name+`"`))
}

func (c *goldenCase) fromModule(data []byte) []byte {
	s := strings.ReplaceAll(string(data), `"`+goldenModule+`/`+c.name+`/`, `"`+goldenModule+`/`)
	return []byte(strings.ReplaceAll(s, `"`+goldenModule+`/`+c.name+`"`, `"`+goldenModule+`"`))
}

func (c *goldenCase) run(t *testing.T) {
	got, err := c.generate(t)
	if err == nil {
		c.out = got
	} else {
		c.errText = err.Error()
	}

	if *update {
		c.rewrite(t)
		return
	}
	want := map[string][]byte{}
	wantErrs, hasErrs := "", false
	wantWarnings := ""
	for _, f := range c.archive.Files {
		switch {
		case f.Name == "errors":
			wantErrs, hasErrs = string(f.Data), true
		case f.Name == "warnings":
			wantWarnings = string(f.Data)
		case c.isExpectation(f.Name):
			want[f.Name] = f.Data
		}
	}
	if d := generator.UnifiedDiff("want/warnings", "got/warnings", []byte(wantWarnings), []byte(c.warningText())); d != "" {
		t.Errorf("warnings differ (-want +got):\n%s", d)
	}
	if hasErrs {
		if err == nil {
			t.Fatalf("generated %d files, want errors:\n%s", len(got), wantErrs)
		}
		if d := generator.UnifiedDiff("want/errors", "got/errors", []byte(wantErrs), []byte(c.errText+"\n")); d != "" {
			t.Errorf("errors differ (-want +got):\n%s", d)
		}
		return
	}
	if err != nil {
		t.Fatalf("generation failed:\n%s", c.errText)
	}
	if len(want) == 0 {
		t.Fatalf("archive has neither expected files nor an errors file (run with -update)")
	}
	for _, name := range sortedNames(want, got) {
		w, okW := want[name]
		g, okG := got[name]
		switch {
		case !okG:
			t.Errorf("%s: expected but not generated", name)
		case !okW:
			t.Errorf("%s: generated but not in the archive (run with -update)", name)
		default:
			if d := generator.UnifiedDiff("want/"+name, "got/"+name, w, c.fromModule(g)); d != "" {
				t.Errorf("%s differs (-want +got):\n%s", name, d)
			}
		}
	}
}

// renderTwice is templates.Render, checked to be deterministic: two
// renderings of one model give the same bytes. (TestLoadDeterministic
// checks the loader's half.)
func renderTwice(p *model.Package) ([]byte, error) {
	a, err := templates.Render(p)
	if err != nil {
		return nil, err
	}
	b, err := templates.Render(p)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(a, b) {
		return nil, fmt.Errorf("two renderings of package %s differ:\n%s", p.Path, generator.UnifiedDiff("first", "second", a, b))
	}
	return a, nil
}

// generate runs the generator on the case and returns the files by slash
// path relative to the case directory, or the errors formatted relative to
// it.
func (c *goldenCase) generate(t *testing.T) (map[string][]byte, error) {
	out, err := generator.Generate(context.Background(), c.cfg)
	if err != nil {
		var list generator.ErrorList
		if errors.As(err, &list) {
			// Import paths in messages are shown as the archive writes them.
			msg := strings.ReplaceAll(list.Rel(c.dir), goldenModule+"/"+c.name, goldenModule)
			return nil, errors.New(msg)
		}
		t.Fatalf("generate: %v", err)
	}
	got := map[string][]byte{}
	for path, data := range out.Files {
		rel, err := filepath.Rel(c.dir, path)
		if err != nil {
			t.Fatal(err)
		}
		got[filepath.ToSlash(rel)] = data
	}
	return got, nil
}

// rewrite replaces the expectations in the archive with what this run
// produced.
func (c *goldenCase) rewrite(t *testing.T) {
	ar := &txtar.Archive{Comment: c.archive.Comment}
	for _, f := range c.archive.Files {
		if !c.isExpectation(f.Name) {
			ar.Files = append(ar.Files, f)
		}
	}
	if len(c.warnings) > 0 {
		ar.Files = append(ar.Files, txtar.File{Name: "warnings", Data: []byte(c.warningText())})
	}
	if c.out != nil {
		for _, name := range sortedNames(c.out, nil) {
			ar.Files = append(ar.Files, txtar.File{Name: name, Data: c.fromModule(c.out[name])})
		}
	} else {
		ar.Files = append(ar.Files, txtar.File{Name: "errors", Data: []byte(c.errText + "\n")})
	}
	data := txtar.Format(ar)
	old, _ := os.ReadFile(c.file)
	if bytes.Equal(old, data) {
		return
	}
	if err := os.WriteFile(c.file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("updated %s", c.file)
}

// warningText is the warnings of the run, one per line.
func (c *goldenCase) warningText() string {
	if len(c.warnings) == 0 {
		return ""
	}
	return strings.Join(c.warnings, "\n") + "\n"
}

func sortedNames(a, b map[string][]byte) []string {
	var names []string
	for n := range a {
		names = append(names, n)
	}
	for n := range b {
		if _, ok := a[n]; !ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}
