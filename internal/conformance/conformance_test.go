package conformance

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	// Imported so that go test's cache of this package's result is keyed
	// on the server's code, which the test runs as cmd/mongotest.
	_ "github.com/mongotxgen/mongotxgen/runtime/mongotest"
)

var update = flag.Bool("update", false, "rewrite testdata/expected.txt and the README's table from the run")

const (
	specsDir     = "../../../shared/specs"
	expectedFile = "testdata/expected.txt"
	readmeFile   = "../../README.md"
)

func readExpected(t *testing.T) *Expected {
	t.Helper()
	f, err := os.Open(expectedFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	e, err := ParseExpected(f)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestSpecSuites runs the nine suites against cmd/mongotest and compares
// every test's outcome with testdata/expected.txt.
func TestSpecSuites(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the driver's spec suites take a minute")
	}
	if raceEnabled {
		t.Skip("-race: the spec suites run in other processes, which the race detector does not see; run without -race")
	}
	if _, err := os.Stat(filepath.Join(specsDir, "source")); err != nil {
		t.Skipf("no driver specs at %s (they are not part of this repository): %v", specsDir, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Build(ctx, root, specsDir, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	outcomes, err := r.Run(ctx, Suites)
	if err != nil {
		t.Fatal(err)
	}
	old := readExpected(t)
	if *update {
		writeExpected(t, FromRun(outcomes, old))
		return
	}
	for _, d := range old.Diff(outcomes) {
		t.Error(d)
	}
	if t.Failed() {
		t.Log("if the change is intended: go test ./internal/conformance -run TestSpecSuites -update, then give new entries their reasons")
	}
}

func writeExpected(t *testing.T, e *Expected) {
	t.Helper()
	var b bytes.Buffer
	if err := e.Format(&b); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(expectedFile, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(readmeFile)
	if err != nil {
		t.Fatal(err)
	}
	out, err := ReplaceTable(string(readme), e.Table())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(readmeFile, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestREADMETable: the README's compatibility table is the one
// testdata/expected.txt gives, so what CI checks is what users read.
func TestREADMETable(t *testing.T) {
	readme, err := os.ReadFile(readmeFile)
	if err != nil {
		t.Fatal(err)
	}
	got, err := CurrentTable(string(readme))
	if err != nil {
		t.Fatal(err)
	}
	if want := readExpected(t).Table(); got != want {
		t.Errorf("README.md's conformance table is stale; go test ./internal/conformance -run TestSpecSuites -update rewrites it.\ngot:\n%s\nwant:\n%s", got, want)
	}
}

// TestExpectedRoundTrip: the committed file is in the canonical form.
func TestExpectedRoundTrip(t *testing.T) {
	raw, err := os.ReadFile(expectedFile)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := readExpected(t).Format(&b); err != nil {
		t.Fatal(err)
	}
	if b.String() != string(raw) {
		t.Error("testdata/expected.txt is not in the form Format writes; go test ./internal/conformance -run TestSpecSuites -update rewrites it")
	}
}

func TestParseExpectedErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"crud passed x\n", `expected.txt:1: want "<suite> passed <n>"`},
		{"nosuite passed 3\n", `expected.txt:1: want "<suite> passed <n>"`},
		{"fail todo crud/a -- x\nfail todo crud/a -- y\n", "expected.txt:2: crud/a listed twice"},
		{"# c\nbroken line\n", `expected.txt:2: want "<fail|skip> <reason> <test> -- <note>"`},
	} {
		_, err := ParseExpected(strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.in, err, tc.want)
		}
	}
}
