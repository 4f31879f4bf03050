package templates

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// TestFormatCache checks that Render gives the same bytes with the cache
// off, cold and warm, and that a damaged entry is not used.
func TestFormatCache(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("MONGOTXGEN_CACHE", "off")
	want, _ := render(t, accountModel())
	if _, err := os.Stat(filepath.Join(dir, "format")); err == nil {
		t.Fatal("the cache was written while off")
	}

	t.Setenv("MONGOTXGEN_CACHE", dir)
	for _, run := range []string{"cold", "warm"} {
		if got, _ := render(t, accountModel()); !bytes.Equal(got, want) {
			t.Fatalf("%s cache: output differs from the uncached one", run)
		}
	}
	entries, err := filepath.Glob(filepath.Join(dir, "format", "*", "*"))
	if err != nil || len(entries) == 0 {
		t.Fatalf("no cache entries written (%v)", err)
	}
	// Each damage is done to every entry, which the render after it
	// writes again.
	damages := map[string]func([]byte) []byte{
		"overwritten": func([]byte) []byte { return []byte("damaged: not what was stored, and long enough to hold a hash") },
		"truncated":   func(e []byte) []byte { return e[:len(e)-1] },
		"cut short":   func(e []byte) []byte { return e[:len(entryMagic)+2] },
		"a byte flipped": func(e []byte) []byte {
			e[len(e)-1] ^= 0x20
			return e
		},
		"empty": func([]byte) []byte { return nil },
	}
	for what, damage := range damages {
		for _, e := range entries {
			data, err := os.ReadFile(e)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(e, damage(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if got, _ := render(t, accountModel()); !bytes.Equal(got, want) {
			t.Fatalf("cache entries %s changed the output", what)
		}
	}
}

// TestRenderChunkedMatchesWhole checks that the file rendered a chunk at a
// time, types from the cache or not, is the file rendered whole.
func TestRenderChunkedMatchesWhole(t *testing.T) {
	t.Setenv("MONGOTXGEN_CACHE", t.TempDir())
	pkg := accountModel()
	pkg.Declared = []string{"options"}
	plans, err := planPackage(pkg)
	if err != nil {
		t.Fatal(err)
	}
	imports := newImportNames(pkg, plans)
	whole, err := renderFile(pkg, fileDecls(pkg, plans), imports)
	if err != nil {
		t.Fatal(err)
	}
	for _, run := range []string{"cold", "warm"} {
		got, ok, err := renderChunked(pkg, plans, imports)
		if err != nil || !ok {
			t.Fatalf("%s: renderChunked: ok %v, %v", run, ok, err)
		}
		if !bytes.Equal(got, whole) {
			t.Errorf("%s: chunked rendering differs from the whole file:\n%s", run, got)
		}
	}
}

// TestCodecChunkFollowsNestedCodecs checks that a codec's chunk is
// rendered again when a codec it holds changes: its size hint counts the
// nested documents (Account holds an Address).
func TestCodecChunkFollowsNestedCodecs(t *testing.T) {
	t.Setenv("MONGOTXGEN_CACHE", t.TempDir())
	render := func(pkg *model.Package) []byte {
		plans, err := planPackage(pkg)
		if err != nil {
			t.Fatal(err)
		}
		got, ok, err := renderChunked(pkg, plans, newImportNames(pkg, plans))
		if err != nil || !ok {
			t.Fatalf("renderChunked: ok %v, %v", ok, err)
		}
		return got
	}
	render(accountModel()) // fills the cache
	pkg := accountModel()
	for _, c := range pkg.Codecs {
		if c.Name == "Address" {
			street := *c.Fields[0]
			street.Key, street.Path = "street", []model.CodecStep{{Name: "Street"}}
			c.Fields = append(c.Fields, &street)
		}
	}
	plans, err := planPackage(pkg)
	if err != nil {
		t.Fatal(err)
	}
	whole, err := renderFile(pkg, fileDecls(pkg, plans), newImportNames(pkg, plans))
	if err != nil {
		t.Fatal(err)
	}
	if got := render(pkg); !bytes.Equal(got, whole) {
		t.Error("a cached codec chunk outlived a change of the codec it holds")
	}
}

// TestCacheTrim checks that trim removes entries unused for trimAge and
// keeps the others, at most once a day.
func TestCacheTrim(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "ab")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	old, fresh := filepath.Join(sub, "abold"), filepath.Join(sub, "abfresh")
	for _, p := range []string{old, fresh} {
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-trimAge - time.Hour)
	if err := os.Chtimes(old, long, long); err != nil {
		t.Fatal(err)
	}
	trim(dir)
	if _, err := os.Stat(old); err == nil {
		t.Error("an entry unused for longer than trimAge was kept")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("a fresh entry was removed: %v", err)
	}
	if err := os.Chtimes(fresh, long, long); err != nil {
		t.Fatal(err)
	}
	trim(dir) // trimmed less than a day ago: nothing happens
	if _, err := os.Stat(fresh); err != nil {
		t.Error("trim ran twice in a day")
	}
}

// TestChunkKeyIgnoresPositions checks that a type that only moved in its
// file is taken from the cache, and that one that changed is not.
func TestChunkKeyIgnoresPositions(t *testing.T) {
	t.Setenv("MONGOTXGEN_CACHE", t.TempDir())
	pkg := accountModel()
	plans, err := planPackage(pkg)
	if err != nil {
		t.Fatal(err)
	}
	imports := newImportNames(pkg, plans)
	salt := chunkSalt(pkg, imports)
	if salt == nil {
		t.Skip("no cache: the test executable cannot be read")
	}
	first, err := typeChunk(pkg, plans[0], imports, salt)
	if err != nil {
		t.Fatal(err)
	}
	entries := func() int {
		n, _ := filepath.Glob(filepath.Join(os.Getenv("MONGOTXGEN_CACHE"), "format", "*", "type-*"))
		return len(n)
	}
	before := entries()
	moved := *plans[0].t
	moved.Pos.Line += 10
	p := *plans[0]
	p.t = &moved
	again, err := typeChunk(pkg, &p, imports, salt)
	if err != nil || !bytes.Equal(again.Body, first.Body) || entries() != before {
		t.Errorf("a moved type was rendered again (entries %d → %d, %v)", before, entries(), err)
	}
	changed := moved
	changed.Collection = "other"
	p.t = &changed
	if _, err := typeChunk(pkg, &p, imports, salt); err != nil || entries() != before+1 {
		t.Errorf("a changed type was not rendered again (entries %d → %d, %v)", before, entries(), err)
	}
}

// TestModelKey checks that the encoding in chunk keys tells apart models
// that differ, in a field or only in where a value ends, and ignores
// positions.
func TestModelKey(t *testing.T) {
	type node struct {
		Name  string
		Pos   model.Pos
		Tags  []string
		Next  *node
		Attrs map[string]int
		Ratio float64
	}
	enc := func(v node) string {
		b, ok := appendModel(nil, reflect.ValueOf(&v), 0)
		if !ok {
			t.Fatalf("appendModel(%+v) failed", v)
		}
		return string(b)
	}
	base := node{Name: "a", Tags: []string{"x"}, Attrs: map[string]int{"k": 1, "j": 2}}
	moved := base
	moved.Pos = model.Pos{File: "/elsewhere.go", Line: 10, Col: 3}
	if enc(moved) != enc(base) {
		t.Error("a position changed the encoding")
	}
	for name, other := range map[string]node{
		"name":              {Name: "b", Tags: []string{"x"}, Attrs: base.Attrs},
		"string boundaries": {Name: "ax", Tags: []string{""}, Attrs: base.Attrs},
		"nil slice":         {Name: "a", Attrs: base.Attrs},
		"empty slice":       {Name: "a", Tags: []string{}, Attrs: base.Attrs},
		"pointer":           {Name: "a", Tags: []string{"x"}, Attrs: base.Attrs, Next: &node{}},
		"map value":         {Name: "a", Tags: []string{"x"}, Attrs: map[string]int{"k": 1, "j": 3}},
		"float":             {Name: "a", Tags: []string{"x"}, Attrs: base.Attrs, Ratio: 0.5},
	} {
		if enc(other) == enc(base) {
			t.Errorf("%s: a different model has the same encoding", name)
		}
	}
	if enc(node{Tags: []string{}}) == enc(node{}) {
		t.Error("a nil and an empty slice have the same encoding")
	}
	loop := &node{}
	loop.Next = loop
	if _, ok := appendModel(nil, reflect.ValueOf(loop), 0); ok {
		t.Error("a cycle was encoded")
	}
}
