package generator

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// Error is one problem found in the input: a package that does not load, a
// malformed annotation, a field the driver cannot store. Pos is the zero
// value for problems that have no place in the source (a -type name that
// matches nothing).
type Error struct {
	Pos model.Pos
	Msg string
}

// Error formats the error as file:line:col: message with an absolute file
// name. Use [Error.Rel] for the form a user reads.
func (e *Error) Error() string { return e.Rel("") }

// Rel formats the error as file:line:col: message, with the file name
// relative to dir when the file lies under dir (dir "" keeps it as is).
func (e *Error) Rel(dir string) string {
	if e.Pos.File == "" {
		return e.Msg
	}
	file := e.Pos.File
	if dir != "" {
		if rel, err := filepath.Rel(dir, file); err == nil && !strings.HasPrefix(rel, "..") {
			file = rel
		}
	}
	p := e.Pos
	p.File = file
	return p.String() + ": " + e.Msg
}

// ErrorList is every problem of one run, sorted by position (errors without
// a position first) and free of duplicates. Generation stops at the end of
// the validation phase when the list is not empty, so a user sees all
// problems at once rather than one per run.
type ErrorList []*Error

// Error returns the errors one per line.
func (l ErrorList) Error() string { return l.Rel("") }

// Rel returns the errors one per line, file names relative to dir.
func (l ErrorList) Rel(dir string) string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Rel(dir)
	}
	return strings.Join(lines, "\n")
}

// errorSink collects errors during a run.
type errorSink struct {
	list ErrorList
}

func (s *errorSink) add(pos model.Pos, format string, args ...any) {
	s.list = append(s.list, &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// result returns the sorted, deduplicated list, or nil when there is none.
func (s *errorSink) result() error {
	if len(s.list) == 0 {
		return nil
	}
	l := slices.Clone(s.list)
	slices.SortStableFunc(l, func(a, b *Error) int {
		return cmp.Or(
			cmp.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col),
			cmp.Compare(a.Msg, b.Msg),
		)
	})
	l = slices.CompactFunc(l, func(a, b *Error) bool { return *a == *b })
	return l
}

// parsePos parses the position string of a go/packages error: "file:line:col",
// "file:line", "file" or "" / "-".
func parsePos(s string) model.Pos {
	if s == "" || s == "-" {
		return model.Pos{}
	}
	var nums []int
	rest := s
	for len(nums) < 2 {
		i := strings.LastIndexByte(rest, ':')
		if i < 0 {
			break
		}
		n, err := strconv.Atoi(rest[i+1:])
		if err != nil {
			break
		}
		nums = append(nums, n)
		rest = rest[:i]
	}
	p := model.Pos{File: rest}
	switch len(nums) {
	case 1:
		p.Line = nums[0]
	case 2:
		p.Line, p.Col = nums[1], nums[0]
	}
	return p
}

// patternError is how the go command reports a directory it cannot read
// while expanding a pattern ("pattern ./...: open p/sub: permission
// denied"): an error without a position, on a pseudo-package named after
// the pattern.
var patternError = regexp.MustCompile(`^pattern .*?: (open|lstat|stat|readdirent|readdir) (.+): (.+)$`)

// loadErrorPos returns the position and message to report for an error
// of go/packages. The go command gives file names relative to the
// directory it ran in, dir (absolute); they are made absolute here, so that
// one error seen both by the go command and by the parser is reported
// once. A directory the go command cannot read is reported at its line 1,
// column 1, the convention for problems of a whole file or directory, so
// that every error has the file:line:col form.
func loadErrorPos(pos, msg, dir string) (model.Pos, string) {
	p := parsePos(pos)
	if p.File == "" {
		if m := patternError.FindStringSubmatch(msg); m != nil {
			what := "cannot read directory"
			if m[1] == "lstat" || m[1] == "stat" {
				what = "cannot read"
			}
			return model.Pos{File: absPath(m[2], dir), Line: 1, Col: 1}, what + ": " + m[3]
		}
		if m := mixedPackages.FindStringSubmatch(msg); m != nil {
			return model.Pos{File: filepath.Join(absPath(m[5], dir), m[4]), Line: 1, Col: 1},
				fmt.Sprintf("package %s, but %s in the same directory is package %s: a directory holds one package", m[3], m[2], m[1])
		}
		if m := readError.FindStringSubmatch(msg); m != nil {
			file := absPath(m[1], dir)
			return nulPos(file), m[2]
		}
		return p, msg
	}
	p.File = absPath(p.File, dir)
	return p, msg
}

// mixedPackages is how the go command reports package clauses that
// disagree, without a position: "found packages p (p.go) and q (q.go) in
// DIR". It is reported at the second file, line 1, column 1.
var mixedPackages = regexp.MustCompile(`^found packages (\S+) \((.+?)\) and (\S+) \((.+?)\) in (.+)$`)

// readError is how the go command reports a file it cannot read the
// imports of ("read FILE: unexpected NUL in input"), without a position.
var readError = regexp.MustCompile(`^read (.+?\.go): (.+)$`)

// nulPos returns the position of the first NUL byte in file, where the go
// command stops reading it, or line 1, column 1 when there is none.
func nulPos(file string) model.Pos {
	p := model.Pos{File: file, Line: 1, Col: 1}
	src, err := os.ReadFile(file)
	if err != nil {
		return p
	}
	i := bytes.IndexByte(src, 0)
	if i < 0 {
		return p
	}
	p.Line = 1 + bytes.Count(src[:i], []byte("\n"))
	p.Col = i - bytes.LastIndexByte(src[:i], '\n')
	return p
}

func absPath(file, dir string) string {
	if filepath.IsAbs(file) || dir == "" {
		return file
	}
	return filepath.Join(dir, file)
}
