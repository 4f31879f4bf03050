package generator_test

import (
	"bytes"
	"errors"
	"flag"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/txtar"
)

var updateBad = flag.Bool("update-bad", false, "rewrite the stderr files of the bad input corpus in ../testdata/bad")

// badBase is the valid module every bad input case starts from: two
// packages, each generated before the case breaks something.
var badBase = map[string]string{
	"p/p.go": `package p

import "go.mongodb.org/mongo-driver/v2/bson"

// Account is a balance.
//
//mongotxgen:collection accounts
type Account struct {
	ID      bson.ObjectID ` + "`bson:\"_id,omitempty\"`" + `
	Owner   string        ` + "`bson:\"owner\" mongotxgen:\"unique\"`" + `
	Balance int64         ` + "`bson:\"balance\"`" + `
}
`,
	"q/q.go": `package q

// Order is an order.
//
//mongotxgen:collection orders
type Order struct {
	ID    string ` + "`bson:\"_id\"`" + `
	Total int64  ` + "`bson:\"total\"`" + `
}
`,
}

// seedTime is the modification time given to the generated files of the
// base module, so that a rewrite shows even when its content is the same.
var seedTime = time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)

// positioned is one line of error output in the compiler's form.
var positioned = regexp.MustCompile(`^[^\s:][^:]*:[0-9]+:[0-9]+: \S`)

// TestBadInput runs the real mongotxgen command on every case of
// ../testdata/bad (see its README.md): each must exit 1 with only
// file:line:col errors, exactly those recorded, and leave the generated
// files of the module byte-identical, modification times included.
func TestBadInput(t *testing.T) {
	files, err := filepath.Glob("../testdata/bad/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no cases in ../testdata/bad")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "mongotxgen")
	build := exec.Command("go", "build", "-o", bin, "./cmd/mongotxgen")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/mongotxgen: %v\n%s", err, out)
	}

	seed := filepath.Join(tmp, "seed")
	env := writeBadModule(t, seed, root)
	if code, _, stderr := runCommand(t, bin, seed, env); code != 0 {
		t.Fatalf("mongotxgen on the valid base module: exit %d\n%s", code, stderr)
	}
	generated := []string{"p/mongotx_gen.go", "q/mongotx_gen.go"}
	for _, g := range generated {
		if err := os.Chtimes(filepath.Join(seed, g), seedTime, seedTime); err != nil {
			t.Fatal(err)
		}
	}

	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txtar")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(tmp, "case", name)
			if err := os.CopyFS(dir, os.DirFS(seed)); err != nil {
				t.Fatal(err)
			}
			for _, g := range generated {
				if err := os.Chtimes(filepath.Join(dir, g), seedTime, seedTime); err != nil {
					t.Fatal(err)
				}
			}
			c := applyBadCase(t, dir, ar)
			before := map[string][]byte{}
			for _, g := range generated {
				if !c.written[g] {
					before[g] = mustRead(t, filepath.Join(dir, g))
				}
			}

			code, stdout, stderr := runCommand(t, bin, dir, env)
			problems := outputProblems(code, stdout, stderr)
			switch {
			case *updateBad && c.knownBug == "":
				c.setStderr(stderr)
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
			case c.knownBug == "" && c.stderr == nil:
				problems = append(problems, "the case has no stderr file: run with -update-bad")
			case c.stderr != nil && stderr != *c.stderr:
				problems = append(problems, "stderr differs from the case's:\n got:\n"+stderr+"want:\n"+*c.stderr)
			}
			problems = append(problems, fileProblems(t, dir, before)...)

			switch {
			case c.knownBug != "" && len(problems) > 0:
				t.Skipf("generator bug: %s\n%s", c.knownBug, strings.Join(problems, "\n"))
			case c.knownBug != "":
				t.Errorf("the known bug %q no longer shows: remove the case's known-bug file and record its stderr with -update-bad", c.knownBug)
			case len(problems) > 0:
				t.Errorf("%s\nstderr:\n%s", strings.Join(problems, "\n"), stderr)
			}
		})
	}
}

// badCase is what an archive asks for beyond its files.
type badCase struct {
	ar       *txtar.Archive
	written  map[string]bool // module paths the archive wrote
	stderr   *string
	knownBug string
}

func (c *badCase) setStderr(s string) {
	for i, f := range c.ar.Files {
		if f.Name == "stderr" {
			c.ar.Files[i].Data = []byte(s)
			return
		}
	}
	c.ar.Files = append(c.ar.Files, txtar.File{Name: "stderr", Data: []byte(s)})
}

// applyBadCase writes the archive's files into dir and applies its chmod
// lines; it skips the test when a chmod cannot take effect.
func applyBadCase(t *testing.T, dir string, ar *txtar.Archive) *badCase {
	t.Helper()
	c := &badCase{ar: ar, written: map[string]bool{}}
	var chmods []string
	for _, f := range ar.Files {
		switch f.Name {
		case "stderr":
			s := string(f.Data)
			c.stderr = &s
		case "known-bug":
			c.knownBug = strings.TrimSpace(string(f.Data))
		case "chmod":
			chmods = strings.Split(strings.TrimSpace(string(f.Data)), "\n")
		default:
			name := strings.TrimSuffix(f.Name, ".txt")
			path := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
			c.written[name] = true
		}
	}
	for _, line := range chmods {
		mode, path, ok := strings.Cut(line, " ")
		m, err := strconv.ParseUint(mode, 8, 32)
		if !ok || err != nil {
			t.Fatalf("chmod line %q: want MODE PATH", line)
		}
		if os.Geteuid() == 0 {
			t.Skipf("running as root: chmod %s does not deny root access, so this case cannot fail the way it means to", line)
		}
		full := filepath.Join(dir, filepath.FromSlash(path))
		if err := os.Chmod(full, fs.FileMode(m)); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(full, 0o755) }) // so that TempDir can remove it
	}
	return c
}

// writeBadModule writes the base module into dir and returns the
// environment to run mongotxgen there: the repository replaces the
// mongotxgen module, the module cache provides the rest, nothing is
// fetched.
func writeBadModule(t *testing.T, dir, root string) []string {
	t.Helper()
	gomod := string(mustRead(t, filepath.Join(root, "go.mod")))
	gomod = regexp.MustCompile(`(?m)^module .*$`).ReplaceAllString(gomod, "module example.com/bad")
	gomod += "\nrequire github.com/mongotxgen/mongotxgen v0.0.0\n\nreplace github.com/mongotxgen/mongotxgen => " + root + "\n"
	files := map[string]string{"go.mod": gomod, "go.sum": string(mustRead(t, filepath.Join(root, "go.sum")))}
	for name, src := range badBase {
		files[name] = src
	}
	for name, data := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
}

// runCommand runs mongotxgen ./... in dir and returns its exit status and
// output.
func runCommand(t *testing.T, bin, dir string, env []string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(bin, "./...")
	cmd.Dir = dir
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatalf("running mongotxgen: %v", err)
	}
	return code, out.String(), errOut.String()
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// outputProblems lists what is wrong with a run's exit code and output:
// anything but exit 1 and distinct file:line:col errors on stderr alone.
func outputProblems(code int, stdout, stderr string) []string {
	var problems []string
	if code != 1 {
		problems = append(problems, "exit status "+strconv.Itoa(code)+", want 1")
	}
	if stdout != "" {
		problems = append(problems, "output on stdout: "+stdout)
	}
	if stderr == "" {
		problems = append(problems, "no error printed")
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(stderr, "\n"), "\n") {
		if line != "" && !positioned.MatchString(line) {
			problems = append(problems, "error without a file:line:col position: "+line)
		}
		if seen[line] {
			problems = append(problems, "error printed more than once: "+line)
		}
		seen[line] = true
	}
	return problems
}

// fileProblems lists the generated files of dir that differ from before or
// were rewritten, and temporary files left behind.
func fileProblems(t *testing.T, dir string, before map[string][]byte) []string {
	var problems []string
	for g, data := range before {
		path := filepath.Join(dir, g)
		if !bytes.Equal(mustRead(t, path), data) {
			problems = append(problems, g+" was changed")
		}
		if st, err := os.Stat(path); err != nil || !st.ModTime().Equal(seedTime) {
			problems = append(problems, g+" was rewritten (modification time changed)")
		}
	}
	if tmps, _ := filepath.Glob(filepath.Join(dir, "*", ".*.tmp")); len(tmps) > 0 {
		problems = append(problems, "temporary files left behind: "+strings.Join(tmps, " "))
	}
	return problems
}
