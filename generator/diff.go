package generator

import (
	"fmt"
	"strings"
)

// diffContext is the number of unchanged lines shown around each change.
const diffContext = 3

// maxDiffCost bounds the work of the line diff: past this many inserted and
// deleted lines the files are shown as one replacement, which is what a
// reader of such a diff needs anyway.
const maxDiffCost = 4000

type editKind byte

const (
	editEq editKind = iota
	editDel
	editIns
)

type edit struct {
	kind editKind
	a, b int // line index in the old (eq, del) and the new (eq, ins) file
}

// UnifiedDiff returns the unified diff (as diff -u prints it) that turns
// old into new, with names in the --- and +++ lines, or "" when they are
// equal. A nil old with oldName "/dev/null" describes a missing file.
func UnifiedDiff(oldName, newName string, old, new []byte) string {
	a, b := splitLines(string(old)), splitLines(string(new))
	edits := diffLines(a, b)
	var sb strings.Builder
	for i := 0; i < len(edits); {
		// Find the next change and extend the hunk while the changes are
		// separated by at most 2*diffContext equal lines.
		for i < len(edits) && edits[i].kind == editEq {
			i++
		}
		if i == len(edits) {
			break
		}
		start := max(i-diffContext, 0)
		for start > 0 && edits[start-1].kind != editEq {
			start--
		}
		end := i
		for end < len(edits) {
			if edits[end].kind != editEq {
				end++
				continue
			}
			run := end
			for run < len(edits) && edits[run].kind == editEq {
				run++
			}
			if run == len(edits) || run-end > 2*diffContext {
				end = min(end+diffContext, len(edits))
				break
			}
			end = run
		}
		if sb.Len() == 0 {
			fmt.Fprintf(&sb, "--- %s\n+++ %s\n", oldName, newName)
		}
		writeHunk(&sb, edits[start:end], a, b)
		i = end
	}
	return sb.String()
}

func writeHunk(sb *strings.Builder, hunk []edit, a, b []string) {
	aStart, bStart, aLen, bLen := -1, -1, 0, 0
	for _, e := range hunk {
		if e.kind != editIns {
			if aStart < 0 {
				aStart = e.a
			}
			aLen++
		}
		if e.kind != editDel {
			if bStart < 0 {
				bStart = e.b
			}
			bLen++
		}
	}
	// Line numbers are 1-based; a side without lines in the hunk is shown
	// as the line before it (0 at the top), which is the index the first
	// edit records for it.
	if aStart < 0 {
		aStart = hunk[0].a
	} else {
		aStart++
	}
	if bStart < 0 {
		bStart = hunk[0].b
	} else {
		bStart++
	}
	fmt.Fprintf(sb, "@@ -%s +%s @@\n", hunkRange(aStart, aLen), hunkRange(bStart, bLen))
	for _, e := range hunk {
		switch e.kind {
		case editEq:
			writeLine(sb, ' ', a[e.a])
		case editDel:
			writeLine(sb, '-', a[e.a])
		case editIns:
			writeLine(sb, '+', b[e.b])
		}
	}
}

func hunkRange(start, n int) string {
	if n == 1 {
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, n)
}

func writeLine(sb *strings.Builder, prefix byte, line string) {
	sb.WriteByte(prefix)
	sb.WriteString(line)
	if !strings.HasSuffix(line, "\n") {
		sb.WriteString("\n\\ No newline at end of file\n")
	}
}

// splitLines splits s into lines that keep their "\n"; the last line lacks
// it when s does not end in a newline.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// diffLines returns a shortest edit script from a to b (Myers' O(ND)
// algorithm). Every edit records positions on both sides: an insertion's a
// is the index of the old line it comes before, a deletion's b likewise.
func diffLines(a, b []string) []edit {
	n, m := len(a), len(b)
	// Common prefix and suffix cost nothing; trim them first.
	pre := 0
	for pre < n && pre < m && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < n-pre && suf < m-pre && a[n-1-suf] == b[m-1-suf] {
		suf++
	}
	var edits []edit
	for i := range pre {
		edits = append(edits, edit{editEq, i, i})
	}
	edits = append(edits, myers(a[pre:n-suf], b[pre:m-suf], pre, pre)...)
	for i := range suf {
		edits = append(edits, edit{editEq, n - suf + i, m - suf + i})
	}
	return edits
}

// myers diffs a and b, whose first lines are lines aOff and bOff of the
// whole files.
func myers(a, b []string, aOff, bOff int) []edit {
	n, m := len(a), len(b)
	maxD := n + m
	off := maxD + 1
	v := make([]int, 2*maxD+3)
	// trace[d] holds v[k] for k in [-d-1, d+1] as it was before step d.
	var trace [][]int
	found := false
	for d := 0; d <= maxD && !found; d++ {
		if d > maxDiffCost {
			return replaceAll(n, m, aOff, bOff)
		}
		trace = append(trace, append([]int(nil), v[off-d-1:off+d+2]...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				found = true
				break
			}
		}
	}
	// Walk back from (n, m) through the snapshots.
	var rev []edit
	x, y := n, m
	for d := len(trace) - 1; d >= 0; d-- {
		snap := trace[d]
		at := func(k int) int { return snap[k+d+1] }
		k := x - y
		var prevK int
		if k == -d || (k != d && at(k-1) < at(k+1)) {
			prevK = k + 1
		} else {
			prevK = k - 1
		}
		prevX := at(prevK)
		prevY := prevX - prevK
		for x > prevX && y > prevY && x > 0 && y > 0 {
			x--
			y--
			rev = append(rev, edit{editEq, aOff + x, bOff + y})
		}
		if d > 0 {
			if x == prevX {
				y--
				rev = append(rev, edit{editIns, aOff + x, bOff + y})
			} else {
				x--
				rev = append(rev, edit{editDel, aOff + x, bOff + y})
			}
		}
	}
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return rev
}

// replaceAll is the edit script that deletes all of a and inserts all of b.
func replaceAll(n, m, aOff, bOff int) []edit {
	edits := make([]edit, 0, n+m)
	for i := range n {
		edits = append(edits, edit{editDel, aOff + i, bOff})
	}
	for j := range m {
		edits = append(edits, edit{editIns, aOff + n, bOff + j})
	}
	return edits
}
