package conformance

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Expected is the content of testdata/expected.txt: how many tests of each
// suite pass, and every test that does not.
type Expected struct {
	Passed  map[string]int    // by suite
	NonPass map[string]Listed // by test name
}

// Listed is a test expected not to pass.
type Listed struct {
	Status string // "fail" or "skip"
	Reason string // see the package documentation
	Note   string
}

// Suites are the suites run, in the order of the README's table.
var Suites = []string{
	"transactions-convenient-api", "transactions", "sessions", "crud", "retryable-writes",
	"retryable-reads", "index-management", "collection-management", "command-logging-and-monitoring",
}

const header = `# Expected outcomes of MongoDB's driver specification tests against mongotest
# (see the package documentation; regenerate with
#   go test ./internal/conformance -run TestSpecSuites -update
# which keeps the reasons and notes of tests still listed).
#
# <suite> passed <n>
# <fail|skip> <reason> <test> -- <note>
`

// ParseExpected reads the format Format writes.
func ParseExpected(r io.Reader) (*Expected, error) {
	e := &Expected{Passed: map[string]int{}, NonPass: map[string]Listed{}}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields, note, _ := strings.Cut(line, " -- ")
		f := strings.Fields(fields)
		switch {
		case len(f) == 3 && f[1] == "passed":
			count, err := strconv.Atoi(f[2])
			if err != nil || !slices.Contains(Suites, f[0]) {
				return nil, fmt.Errorf("expected.txt:%d: want \"<suite> passed <n>\", got %q", n, line)
			}
			e.Passed[f[0]] = count
		case len(f) == 3 && (f[0] == "fail" || f[0] == "skip"):
			if _, dup := e.NonPass[f[2]]; dup {
				return nil, fmt.Errorf("expected.txt:%d: %s listed twice", n, f[2])
			}
			e.NonPass[f[2]] = Listed{Status: f[0], Reason: f[1], Note: note}
		default:
			return nil, fmt.Errorf("expected.txt:%d: want \"<fail|skip> <reason> <test> -- <note>\", got %q", n, line)
		}
	}
	return e, sc.Err()
}

// Format writes e, suite by suite, tests sorted.
func (e *Expected) Format(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(header)
	for _, suite := range Suites {
		fmt.Fprintf(bw, "\n%s passed %d\n", suite, e.Passed[suite])
		for _, test := range slices.Sorted(maps.Keys(e.NonPass)) {
			if Suite(test) != suite {
				continue
			}
			l := e.NonPass[test]
			fmt.Fprintf(bw, "%s %s %s -- %s\n", l.Status, l.Reason, test, l.Note)
		}
	}
	return bw.Flush()
}

// FromRun is the expected file a run gives: outcomes classified, keeping
// the reason and note old gives a test that is still listed the same way.
func FromRun(outcomes []Outcome, old *Expected) *Expected {
	e := &Expected{Passed: map[string]int{}, NonPass: map[string]Listed{}}
	for _, o := range outcomes {
		if o.Status == "pass" {
			e.Passed[Suite(o.Test)]++
			continue
		}
		if l, ok := old.NonPass[o.Test]; ok && l.Status == o.Status {
			e.NonPass[o.Test] = l
			continue
		}
		reason, note := Classify(o)
		e.NonPass[o.Test] = Listed{Status: o.Status, Reason: reason, Note: note}
	}
	return e
}

// Diff lists how a run differs from e: each new failure or skip, each
// listed test that now passes or is gone, and each changed pass count.
func (e *Expected) Diff(outcomes []Outcome) []string {
	var diffs []string
	seen := map[string]bool{}
	passed := map[string]int{}
	for _, o := range outcomes {
		seen[o.Test] = true
		l, listed := e.NonPass[o.Test]
		switch {
		case o.Status == "pass":
			passed[Suite(o.Test)]++
			if listed {
				diffs = append(diffs, fmt.Sprintf("now passes, listed as %s %s: %s", l.Status, l.Reason, o.Test))
			}
		case !listed:
			diffs = append(diffs, fmt.Sprintf("new %s: %s: %s", o.Status, o.Test, o.Message))
		case l.Status != o.Status:
			diffs = append(diffs, fmt.Sprintf("now %s, listed as %s: %s: %s", o.Status, l.Status, o.Test, o.Message))
		}
	}
	for _, test := range slices.Sorted(maps.Keys(e.NonPass)) {
		if !seen[test] {
			diffs = append(diffs, "listed but not run: "+test)
		}
	}
	for _, suite := range Suites {
		if passed[suite] != e.Passed[suite] {
			diffs = append(diffs, fmt.Sprintf("%s: %d tests pass, expected.txt says %d", suite, passed[suite], e.Passed[suite]))
		}
	}
	return diffs
}
