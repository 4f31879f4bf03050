package generator

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func TestUnifiedDiffFormat(t *testing.T) {
	old := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n"
	new := "a\nb\nc\nD\ne\nf\ng\nh\ni\nj\nk\n"
	want := `--- a/x
+++ b/x
@@ -1,10 +1,11 @@
 a
 b
 c
-d
+D
 e
 f
 g
 h
 i
 j
+k
`
	if got := UnifiedDiff("a/x", "b/x", []byte(old), []byte(new)); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}

	// Changes far apart make two hunks.
	old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n"
	new = "0\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n"
	want = `--- a
+++ b
@@ -1,4 +1,4 @@
-1
+0
 2
 3
 4
@@ -9,4 +9,3 @@
 9
 10
 11
-12
`
	if got := UnifiedDiff("a", "b", []byte(old), []byte(new)); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}

	// A missing file, and a last line without newline.
	want = "--- /dev/null\n+++ b\n@@ -0,0 +1,2 @@\n+x\n+y\n\\ No newline at end of file\n"
	if got := UnifiedDiff("/dev/null", "b", nil, []byte("x\ny")); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	if got := UnifiedDiff("a", "b", []byte("same\n"), []byte("same\n")); got != "" {
		t.Errorf("equal inputs: got %q, want no diff", got)
	}
}

// TestUnifiedDiffApplies applies the diffs of random edits and checks that
// they turn the old text into the new one, with correct hunk headers.
func TestUnifiedDiffApplies(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 500 {
		old := randomLines(r, r.IntN(40))
		new := mutate(r, old)
		a, b := strings.Join(old, ""), strings.Join(new, "")
		d := UnifiedDiff("a", "b", []byte(a), []byte(b))
		got, err := applyUnified(a, d)
		if err != nil {
			t.Fatalf("case %d: %v\nold:\n%s\nnew:\n%s\ndiff:\n%s", i, err, a, b, d)
		}
		if got != b {
			t.Fatalf("case %d: applying the diff gives\n%s\nwant\n%s\ndiff:\n%s", i, got, b, d)
		}
		if (a == b) != (d == "") {
			t.Fatalf("case %d: equal=%v but diff %q", i, a == b, d)
		}
	}
}

func TestDiffLinesMinimal(t *testing.T) {
	// Myers finds a shortest script: one deletion and one insertion here.
	a := splitLines("x\na\nb\nc\n")
	b := splitLines("a\nb\nc\ny\n")
	n := 0
	for _, e := range diffLines(a, b) {
		if e.kind != editEq {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d edits, want 2", n)
	}
}

func randomLines(r *rand.Rand, n int) []string {
	lines := make([]string, n)
	for i := range lines {
		lines[i] = strconv.Itoa(r.IntN(6)) + "\n"
	}
	if n > 0 && r.IntN(4) == 0 {
		lines[n-1] = strings.TrimSuffix(lines[n-1], "\n")
	}
	return lines
}

func mutate(r *rand.Rand, lines []string) []string {
	out := append([]string(nil), lines...)
	for range r.IntN(6) {
		switch op := r.IntN(3); {
		case op == 0 && len(out) > 0:
			i := r.IntN(len(out))
			out = append(out[:i], out[i+1:]...)
		case op == 1:
			i := r.IntN(len(out) + 1)
			out = append(out[:i], append([]string{strconv.Itoa(r.IntN(6)) + "\n"}, out[i:]...)...)
		case len(out) > 0:
			out[r.IntN(len(out))] = "x" + strconv.Itoa(r.IntN(3)) + "\n"
		}
	}
	// Only the last line may lack its newline.
	for i := 0; i < len(out)-1; i++ {
		if !strings.HasSuffix(out[i], "\n") {
			out[i] += "\n"
		}
	}
	return out
}

// applyUnified applies a unified diff to text, checking every context and
// deleted line and every hunk header.
func applyUnified(text, diff string) (string, error) {
	if diff == "" {
		return text, nil
	}
	old := splitLines(text)
	lines := splitLines(diff)
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "--- ") || !strings.HasPrefix(lines[1], "+++ ") {
		return "", fmt.Errorf("no file header")
	}
	var out []string
	pos := 0 // next old line to copy
	for i := 2; i < len(lines); {
		var aStart, aLen, bStart, bLen int
		if _, err := fmt.Sscanf(normalizeHeader(lines[i]), "@@ -%d,%d +%d,%d @@", &aStart, &aLen, &bStart, &bLen); err != nil {
			return "", fmt.Errorf("bad hunk header %q: %v", lines[i], err)
		}
		i++
		from := aStart - 1
		if aLen == 0 {
			from = aStart
		}
		if from < pos {
			return "", fmt.Errorf("hunk at %d overlaps", aStart)
		}
		if bStartWant := len(out) + (from - pos) + 1; bLen > 0 && bStart != bStartWant {
			return "", fmt.Errorf("hunk +%d, want +%d", bStart, bStartWant)
		}
		out = append(out, old[pos:from]...)
		pos = from
		gotA, gotB := 0, 0
		for i < len(lines) && !strings.HasPrefix(lines[i], "@@") {
			l := lines[i]
			i++
			body := l[1:]
			if i < len(lines) && lines[i] == "\\ No newline at end of file\n" {
				body = strings.TrimSuffix(body, "\n")
				i++
			}
			switch l[0] {
			case ' ', '-':
				if pos >= len(old) || old[pos] != body {
					return "", fmt.Errorf("line %d: context or deletion %q does not match %q", pos+1, body, old[min(pos, len(old)-1)])
				}
				pos++
				gotA++
				if l[0] == ' ' {
					out = append(out, body)
					gotB++
				}
			case '+':
				out = append(out, body)
				gotB++
			default:
				return "", fmt.Errorf("bad line %q", l)
			}
		}
		if gotA != aLen || gotB != bLen {
			return "", fmt.Errorf("hunk header says -%d +%d, body has -%d +%d", aLen, bLen, gotA, gotB)
		}
	}
	out = append(out, old[pos:]...)
	return strings.Join(out, ""), nil
}

// normalizeHeader adds the ",1" that unified diffs leave out.
func normalizeHeader(h string) string {
	f := strings.Fields(h)
	if len(f) < 4 {
		return h
	}
	for i := 1; i <= 2; i++ {
		if !strings.Contains(f[i], ",") {
			f[i] += ",1"
		}
	}
	return strings.Join(f, " ")
}

// TestUnifiedDiffLarge exercises the bound on the diff's work: completely
// different large files come out as one correct replacement.
func TestUnifiedDiffLarge(t *testing.T) {
	var a, b strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&a, "old %d\n", i)
		fmt.Fprintf(&b, "new %d\n", i)
	}
	d := UnifiedDiff("a", "b", []byte(a.String()), []byte(b.String()))
	got, err := applyUnified(a.String(), d)
	if err != nil {
		t.Fatal(err)
	}
	if got != b.String() {
		t.Error("applying the diff does not give the new file")
	}
}
