package generator

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

func TestParsePos(t *testing.T) {
	for _, c := range []struct {
		in   string
		want model.Pos
	}{
		{"", model.Pos{}},
		{"-", model.Pos{}},
		{"/a/b.go", model.Pos{File: "/a/b.go"}},
		{"/a/b.go:12", model.Pos{File: "/a/b.go", Line: 12}},
		{"/a/b.go:12:3", model.Pos{File: "/a/b.go", Line: 12, Col: 3}},
		{`C:\a\b.go:12:3`, model.Pos{File: `C:\a\b.go`, Line: 12, Col: 3}},
		{"/a/b:c.go:1:2", model.Pos{File: "/a/b:c.go", Line: 1, Col: 2}},
	} {
		if got := parsePos(c.in); got != c.want {
			t.Errorf("parsePos(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

func TestErrorListSortedAndRelative(t *testing.T) {
	dir := filepath.FromSlash("/w/mod")
	s := &errorSink{}
	s.add(model.Pos{File: filepath.Join(dir, "b.go"), Line: 2, Col: 1}, "second file")
	s.add(model.Pos{File: filepath.Join(dir, "a.go"), Line: 10, Col: 2}, "later line")
	s.add(model.Pos{File: filepath.Join(dir, "a.go"), Line: 3, Col: 7}, "earlier line")
	s.add(model.Pos{File: filepath.Join(dir, "a.go"), Line: 3, Col: 7}, "earlier line") // duplicate
	s.add(model.Pos{}, "no position")
	s.add(model.Pos{File: filepath.FromSlash("/elsewhere/c.go"), Line: 1, Col: 1}, "outside")
	got := s.result().(ErrorList).Rel(dir)
	want := "no position\n" +
		filepath.FromSlash("/elsewhere/c.go") + ":1:1: outside\n" +
		"a.go:3:7: earlier line\n" +
		"a.go:10:2: later line\n" +
		"b.go:2:1: second file"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if (&errorSink{}).result() != nil {
		t.Error("an empty sink gives a non-nil error")
	}
}

func TestSuggest(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"uniqe", ` (did you mean "unique"?)`},
		{"colection", ` (did you mean "collection"?)`},
		{"sharded", ""},
	} {
		if got := suggest(c.in, "unique", "index", "collection"); got != c.want {
			t.Errorf("suggest(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCheckOutputName(t *testing.T) {
	for name, ok := range map[string]bool{
		"mongotx_gen.go": true,
		"store_gen.go":   true,
		"":               false,
		"sub/x.go":       false,
		`sub\x.go`:       false,
		"x.txt":          false,
		"x_test.go":      false,
		"_x.go":          false,
		".x.go":          false,
	} {
		if err := CheckOutputName(name); (err == nil) != ok {
			t.Errorf("CheckOutputName(%q) = %v, want ok=%v", name, err, ok)
		}
	}
}

func TestLoadErrorPos(t *testing.T) {
	dir := t.TempDir()
	nul := filepath.Join(dir, "nul.go")
	if err := os.WriteFile(nul, []byte("package p\n\nimport \x00\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		pos, msg string
		want     model.Pos
		wantMsg  string
	}{
		// Relative to the go command's directory.
		{"p/a.go:3:8", "cannot find package", model.Pos{File: filepath.Join(dir, "p/a.go"), Line: 3, Col: 8}, "cannot find package"},
		{nul + ":1:1", "x", model.Pos{File: nul, Line: 1, Col: 1}, "x"},
		// A directory a pattern cannot expand: line 1, column 1.
		{"", "pattern ./...: open p/sub: permission denied", model.Pos{File: filepath.Join(dir, "p/sub"), Line: 1, Col: 1}, "cannot read directory: permission denied"},
		// A file whose imports the go command cannot read: at its NUL byte.
		{"", "read " + nul + ": unexpected NUL in input", model.Pos{File: nul, Line: 3, Col: 8}, "unexpected NUL in input"},
		{"", "read p/gone.go: no such file", model.Pos{File: filepath.Join(dir, "p/gone.go"), Line: 1, Col: 1}, "no such file"},
		// Package clauses that disagree: at the second file.
		{"", "found packages p (a.go) and q (b.go) in " + filepath.Join(dir, "p"), model.Pos{File: filepath.Join(dir, "p/b.go"), Line: 1, Col: 1}, "package q, but a.go in the same directory is package p: a directory holds one package"},
		// Anything else without a position stays so.
		{"", "no Go files in /x", model.Pos{}, "no Go files in /x"},
	} {
		got, msg := loadErrorPos(c.pos, c.msg, dir)
		if got != c.want || msg != c.wantMsg {
			t.Errorf("loadErrorPos(%q, %q) = %+v, %q; want %+v, %q", c.pos, c.msg, got, msg, c.want, c.wantMsg)
		}
	}
}
