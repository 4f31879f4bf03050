package runtime_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// misuse holds one mistake per line from line 17 on, each a use of a field
// kind its Go type does not allow.
const misuse = `package use

import (
	"time"

	"github.com/mongotxgen/mongotxgen/runtime"
)

type edition struct{ Year int }

var book struct {
	Title    runtime.StringField[string]
	Tags     runtime.SliceField[string]
	Copies   runtime.NumberField[int]
	Added    runtime.OrderedField[time.Time]
	Editions struct {
		runtime.StructSliceField[edition]
		Year runtime.NumberField[int]
	}
}

var (
	_ = book.Title.Inc("x")
	_ = book.Tags.Contains(3)
	_ = book.Copies.HasPrefix("x")
	_ = book.Added.Inc(time.Time{})
	_ = book.Tags.Push(1)
	_ = book.Tags.Eq("go")
	_ = book.Copies.Eq("2")
	_ = book.Editions.Year.Regex("^1", "")
	_ = book.Tags.ElemMatch()
	_ = book.Editions.Push(1999)
	_ = runtime.NewNumberField[string]("n")
	_ = runtime.NewStringField[int]("s")
)
`

// TestFieldKindsRejectMisuse builds misuse in a temporary module that
// requires this repository by replacement, and requires exactly these
// compiler errors: the field kinds make wrong use a compile error.
func TestFieldKindsRejectMisuse(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a temporary module")
	}
	// The compiler spells the runtime package by its import path here.
	const rt = `"github.com/mongotxgen/mongotxgen/runtime".`
	want := []string{
		"23: book.Title.Inc undefined (type " + rt + "StringField[string] has no field or method Inc)",
		"24: cannot use 3 (untyped int constant) as string value in argument to book.Tags.Contains",
		"25: book.Copies.HasPrefix undefined (type " + rt + "NumberField[int] has no field or method HasPrefix)",
		"26: book.Added.Inc undefined (type " + rt + `OrderedField["time".Time] has no field or method Inc)`,
		"27: cannot use 1 (untyped int constant) as string value in argument to book.Tags.Push",
		`28: cannot use "go" (untyped string constant) as []string value in argument to book.Tags.Eq`,
		`29: cannot use "2" (untyped string constant) as int value in argument to book.Copies.Eq`,
		"30: book.Editions.Year.Regex undefined (type " + rt + "NumberField[int] has no field or method Regex)",
		"31: book.Tags.ElemMatch undefined (type " + rt + "SliceField[string] has no field or method ElemMatch)",
		"32: cannot use 1999 (untyped int constant) as edition value in argument to book.Editions.Push",
		"33: string does not satisfy " + rt + "Number (string missing in ~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr | ~float32 | ~float64)",
		"34: int does not satisfy ~string (int missing in ~string)",
	}
	got, out := misuseErrors(t, misuse)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("compiler errors (-want +got):\n%s\ncompiler output:\n%s", diff, out)
	}
}

// misuseErrors builds src as use.go of a temporary module and returns the
// compiler's errors in it, as "line: message", and its whole output.
func misuseErrors(t *testing.T, src string) (got []string, out []byte) {
	t.Helper()
	dir := useModule(t, src)
	cmd := exec.Command("go", "build", "-gcflags=-e", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOPROXY=off", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatal("the misuse compiled")
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if strings.HasPrefix(line, "# ") {
			continue
		}
		m := useError.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("unexpected compiler output: %s", line)
			continue
		}
		got = append(got, m[1]+": "+m[2])
	}
	return got, out
}

// useError is a compiler error in use.go: line and message.
var useError = regexp.MustCompile(`^(?:\./)?use\.go:(\d+):\d+: (.*)$`)

// useModule writes a module holding use.go that requires this repository
// through a replace directive, with this repository's go.sum.
func useModule(t *testing.T, src string) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.GoVersion}} {{.Path}}").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	goVersion, module, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	requires, err := exec.Command("go", "list", "-m", "-f", "{{if not .Main}}{{.Path}} {{.Version}}{{end}}", "all").Output()
	if err != nil {
		t.Fatalf("go list -m all: %v", err)
	}
	mod := "module example.com/use\n\ngo " + goVersion + "\n\nrequire (\n\t" + module + " v0.0.0\n"
	for _, line := range strings.Split(strings.TrimSpace(string(requires)), "\n") {
		if line != "" {
			mod += "\t" + line + "\n"
		}
	}
	mod += ")\n\nreplace " + module + " => " + root + "\n"
	dir := t.TempDir()
	for name, text := range map[string]string{"go.mod": mod, "go.sum": string(sum), "use.go": src} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
