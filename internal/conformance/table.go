package conformance

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// The README's compatibility table lies between these markers.
const (
	beginTable = "<!-- BEGIN conformance table: generated from internal/conformance/testdata/expected.txt -->"
	endTable   = "<!-- END conformance table -->"
)

// columns of the table: the reasons of failures, then all skips together.
var columns = []struct{ reason, title string }{
	{"refused", "refused by design"},
	{"secondary", "needs a secondary"},
	{"mismatch", "driver/spec mismatch"},
	{"todo", "not yet implemented"},
}

// Table renders the README's compatibility table from e.
func (e *Expected) Table() string {
	var b strings.Builder
	b.WriteString(beginTable + "\n")
	b.WriteString("| suite | passed |")
	for _, c := range columns {
		b.WriteString(" " + c.title + " |")
	}
	b.WriteString(" skipped by the runner |\n|---|---:|")
	b.WriteString(strings.Repeat("---:|", len(columns)+1) + "\n")
	for _, suite := range Suites {
		count := map[string]int{}
		for test, l := range e.NonPass {
			if Suite(test) != suite {
				continue
			}
			if l.Status == "skip" {
				count["skip"]++
			} else {
				count[l.Reason]++
			}
		}
		fmt.Fprintf(&b, "| %s | %d |", suite, e.Passed[suite])
		for _, c := range columns {
			fmt.Fprintf(&b, " %d |", count[c.reason])
		}
		fmt.Fprintf(&b, " %d |\n", count["skip"])
	}
	b.WriteString("\nWhy the others fail, per suite (reason, number of tests: note):\n\n")
	for _, suite := range Suites {
		if why := e.why(suite); why != "" {
			fmt.Fprintf(&b, "- **%s**\n%s", suite, why)
		}
	}
	b.WriteString(endTable)
	return b.String()
}

// why lists the failures of suite by reason and note, most first.
func (e *Expected) why(suite string) string {
	type key struct{ reason, note string }
	n := map[key]int{}
	for test, l := range e.NonPass {
		if Suite(test) == suite && l.Status == "fail" {
			n[key{l.Reason, l.Note}]++
		}
	}
	keys := slices.SortedFunc(maps.Keys(n), func(a, b key) int {
		return cmp.Or(n[b]-n[a], cmp.Compare(a.reason, b.reason), cmp.Compare(a.note, b.note))
	})
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "  - %s, %d: %s\n", k.reason, n[k], strings.ReplaceAll(k.note, "|", `\|`))
	}
	return b.String()
}

// ReplaceTable returns readme with its table replaced by table.
func ReplaceTable(readme, table string) (string, error) {
	start := strings.Index(readme, beginTable)
	end := strings.Index(readme, endTable)
	if start < 0 || end < start {
		return "", errors.New("README.md has no conformance table between its markers")
	}
	return readme[:start] + table + readme[end+len(endTable):], nil
}

// CurrentTable is the table in readme, markers included.
func CurrentTable(readme string) (string, error) {
	start := strings.Index(readme, beginTable)
	end := strings.Index(readme, endTable)
	if start < 0 || end < start {
		return "", errors.New("README.md has no conformance table between its markers")
	}
	return readme[start : end+len(endTable)], nil
}
