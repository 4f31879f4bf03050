package generator

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"golang.org/x/tools/go/packages"

	"github.com/mongotxgen/mongotxgen/generator/model"
	"github.com/mongotxgen/mongotxgen/templates"
)

// The fuzz targets of the generator. Seed corpora are in testdata/fuzz;
// CI runs each target for a few seconds, e.g.
//
//	go test ./generator -run '^$' -fuzz '^FuzzDirective$' -fuzztime 10s

const fuzzFile = "/fuzz/model.go"

// FuzzDirective parses a //mongotxgen: line in a type's doc comment, as the
// generator reads it from source: no input may panic, a directive is
// either accepted or refused with at least one error, and every error
// points into the directive's line.
func FuzzDirective(f *testing.F) {
	for _, s := range []string{
		"collection accounts",
		"collection",
		"collection a b",
		"collection system.x",
		"collection a$b",
		"colection users",
		"index Owner,-Balance unique sparse name=by_owner ttl=24h",
		"index Address.City",
		"index",
		"index -",
		"index A,,B",
		"index A uniq",
		"index A ttl=1500ms",
		"index A ttl=-1s",
		"index A name=",
		"index A unique=1 sparse=0 name ttl",
		"index A unique unique",
		"index\tA\t\tsparse",
		"index Ünïcode,-ä.b",
		"",
		":",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		src := "package p\n\n//mongotxgen:" + line + "\ntype T struct{}\n"
		fset := token.NewFileSet()
		file, err := parser.ParseFile(fset, fuzzFile, src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil || len(file.Comments) != 1 || len(file.Comments[0].List) != 1 ||
			len(file.Decls) != 1 || file.Decls[0].(*ast.GenDecl).Doc != file.Comments[0] {
			return // not a one-line directive in a doc comment: not this target's input
		}
		c := file.Comments[0].List[0]
		lineNo := fset.Position(c.Slash).Line
		width := len(c.Text)

		errs := &errorSink{}
		b := &builder{fset: fset, files: []*ast.File{file}, errs: errs}
		found := b.scan()
		if len(found) != 1 {
			t.Fatalf("scan found %d annotated types, want 1 (errors: %v)", len(found), errs.list)
		}
		cs, ok := b.parseDirectives(found[0])
		switch {
		case ok && len(errs.list) > 0:
			t.Fatalf("directive accepted, but with errors: %v", errs.list)
		case !ok && len(errs.list) == 0 && found[0].directives[0].name == "collection":
			t.Fatal("collection directive refused without an error")
		case ok && (cs == nil || cs.name == ""):
			t.Fatalf("collection directive accepted without a collection name: %+v", cs)
		}
		for _, e := range errs.list {
			// Col may be just past the end: an empty last key of "A,".
			if e.Pos.File != fuzzFile || e.Pos.Line != lineNo || e.Pos.Col < 1 || e.Pos.Col > width+1 {
				t.Errorf("error %q at %s:%d:%d, outside the directive (line %d, %d columns)", e.Msg, e.Pos.File, e.Pos.Line, e.Pos.Col, lineNo, width)
			}
			if e.Msg == "" {
				t.Error("empty error message")
			}
		}

		// The index parser on the same words, directly: accepted keys are
		// field paths and sit inside the line.
		d, _ := splitDirective(fset, c)
		ierrs := &errorSink{}
		spec, ok := parseIndex(d, ierrs)
		if ok != (len(ierrs.list) == 0) {
			t.Fatalf("parseIndex reported ok=%v with errors %v", ok, ierrs.list)
		}
		if ok {
			if len(spec.keys) == 0 {
				t.Fatal("index accepted without keys")
			}
			for _, k := range spec.keys {
				if !validFieldPath(k.path) || k.pos.Col < 1 || k.pos.Col > width+1 {
					t.Errorf("accepted key %+v", k)
				}
			}
		}
	})
}

// FuzzStructTag reads a field's struct tag as the generator does and
// compares the stored name with what the driver really writes; the
// mongotxgen options must be accepted or refused with errors at the
// field's position, never a panic.
func FuzzStructTag(f *testing.F) {
	for _, s := range []string{
		``,
		`bson:"name"`,
		`bson:"name,omitempty"`,
		`bson:"-"`,
		`bson:"-,omitempty"`,
		`bson:",inline"`,
		`json:"j" bson:"b"`,
		`legacy`,
		`legacy,omitempty`,
		`-`,
		`mongotxgen:"unique"`,
		`bson:"x" mongotxgen:"index,unique"`,
		`mongotxgen:"version,,created"`,
		`mongotxgen:"uniqe"`,
		`bson:"a" bson:"b"`,
		`bson:"`,
		`bson:"\"q\""`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tag string) {
		st := reflect.StructTag(tag)
		pos := model.Pos{File: fuzzFile, Line: 7, Col: 2}
		errs := &errorSink{}
		b := &builder{errs: errs}
		o := b.parseTagOptions(st, "OwnerID", pos)
		for _, e := range errs.list {
			if e.Pos != pos || e.Msg == "" {
				t.Errorf("error %+v, want one at %v", e, pos)
			}
		}
		if val, ok := st.Lookup("mongotxgen"); ok && len(errs.list) == 0 && !o.any() {
			t.Errorf("tag mongotxgen:%q accepted with no option", val)
		}

		got := parseBSONTag("OwnerID", st)
		if got.inline {
			return // an inline string is refused by the driver and by the generator
		}
		// The driver reads tags of struct types only, and reflect never
		// frees a type made by StructOf (nor the driver its codec for it):
		// compare a bounded number of inputs per process, so that long
		// fuzzing runs do not grow without bound.
		if driverComparisons.Add(1) > maxDriverComparisons {
			return
		}
		typ := reflect.StructOf([]reflect.StructField{{Name: "OwnerID", Type: reflect.TypeFor[string](), Tag: st}})
		v := reflect.New(typ).Elem()
		v.Field(0).SetString("x")
		raw, err := bson.Marshal(v.Interface())
		if err != nil {
			return // the driver refuses the tag: the generator need not agree on a name
		}
		elems, err := bson.Raw(raw).Elements()
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case len(elems) == 0 && !got.skip:
			t.Errorf("tag %q: the driver skips the field, the generator stores it as %q", tag, got.name)
		case len(elems) == 1 && got.skip:
			t.Errorf("tag %q: the driver stores %q, the generator skips the field", tag, elems[0].Key())
		case len(elems) == 1 && elems[0].Key() != got.name:
			t.Errorf("tag %q: the driver stores %q, the generator says %q", tag, elems[0].Key(), got.name)
		}
	})
}

// driverComparisons counts the struct types FuzzStructTag made.
var driverComparisons atomic.Int64

const maxDriverComparisons = 5000

// FuzzGenerate derives a valid annotated package from the fuzz input
// (types, fields, tags and options from a fixed vocabulary), builds its
// model, renders it, and type-checks the generated file together with the
// package: whatever the input, the output must compile. The packages the
// generated code imports are loaded once, from export data.
func FuzzGenerate(f *testing.F) {
	for _, seed := range [][]byte{
		{},
		{0},
		{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
		{2, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9},
		[]byte("mongotxgen fuzz seed with many bytes to spend on fields and options"),
		{255, 254, 253, 252, 251, 250, 249, 248, 247, 246, 245, 244, 243, 242, 241, 240},
	} {
		f.Add(seed)
	}
	imp := fuzzImporter(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		src := synthesize(data)
		fset := token.NewFileSet()
		file, err := parser.ParseFile(fset, fuzzFile, src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("synthesized source does not parse: %v\n%s", err, src)
		}
		conf := types.Config{Importer: imp}
		tpkg, err := conf.Check("example.com/fuzz", fset, []*ast.File{file}, nil)
		if err != nil {
			t.Fatalf("synthesized source does not type-check: %v\n%s", err, src)
		}
		pkg := &source{
			list:  &listedPackage{ImportPath: "example.com/fuzz", Name: "fuzz", Dir: "/fuzz", GoFiles: []string{fuzzFile}},
			fset:  fset,
			files: []*ast.File{file},
			types: tpkg,
		}
		errs := &errorSink{}
		built := buildPackage(pkg, &Config{}, newSelection(nil), nil, errs)
		if err := errs.result(); err != nil {
			t.Fatalf("valid package refused:\n%v\n%s", err, src)
		}
		if built == nil {
			t.Fatalf("no model for a package with annotated types:\n%s", src)
		}
		out, err := templates.Render(built)
		if err != nil {
			t.Fatalf("render: %v\n%s", err, src)
		}
		gen, err := parser.ParseFile(fset, "/fuzz/mongotx_gen.go", out, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("generated code does not parse: %v\n%s\n%s", err, src, out)
		}
		if _, err := conf.Check("example.com/fuzz", fset, []*ast.File{file, gen}, nil); err != nil {
			t.Fatalf("generated code does not compile: %v\n--- model.go\n%s--- mongotx_gen.go\n%s", err, src, out)
		}
	})
}

// fuzzImporter loads the packages generated code and synthesized models
// import, once, and imports from them.
func fuzzImporter(tb testing.TB) types.Importer {
	fuzzImports.once.Do(func() {
		cfg := &packages.Config{Mode: packages.NeedName | packages.NeedTypes | packages.NeedImports | packages.NeedDeps}
		roots, err := packages.Load(cfg, "context", "iter", "time",
			"go.mongodb.org/mongo-driver/v2/bson",
			"go.mongodb.org/mongo-driver/v2/mongo",
			"go.mongodb.org/mongo-driver/v2/mongo/options",
			"github.com/mongotxgen/mongotxgen/runtime", "github.com/mongotxgen/mongotxgen/runtime/bsoncodec")
		if err != nil {
			fuzzImports.err = err
			return
		}
		fuzzImports.pkgs = map[string]*types.Package{}
		packages.Visit(roots, nil, func(p *packages.Package) {
			for _, e := range p.Errors {
				if fuzzImports.err == nil {
					fuzzImports.err = fmt.Errorf("loading %s: %v", p.PkgPath, e)
				}
			}
			if p.Types != nil {
				fuzzImports.pkgs[p.PkgPath] = p.Types
			}
		})
	})
	if fuzzImports.err != nil {
		tb.Fatal(fuzzImports.err)
	}
	return types.ImporterFrom(importerFunc(func(path, _ string, _ types.ImportMode) (*types.Package, error) {
		if p := fuzzImports.pkgs[path]; p != nil {
			return p, nil
		}
		return nil, fmt.Errorf("package %s is not loaded for the fuzz test", path)
	}))
}

var fuzzImports struct {
	once sync.Once
	pkgs map[string]*types.Package
	err  error
}

// fuzzBytes hands out the fuzz input a byte at a time, then zeros.
type fuzzBytes []byte

func (b *fuzzBytes) next(n int) int {
	if len(*b) == 0 {
		return 0
	}
	v := int((*b)[0])
	*b = (*b)[1:]
	return v % n
}

// fuzzType is a field type of the vocabulary and what it supports.
type fuzzType struct {
	expr      string
	indexable bool // may be unique or index
	version   bool
	stamp     bool // created or updated
}

var fuzzTypes = []fuzzType{
	{"string", true, false, false},
	{"int", true, true, false},
	{"int32", true, true, false},
	{"int64", true, true, false},
	{"float64", true, false, false},
	{"bool", true, false, false},
	{"time.Time", true, false, true},
	{"bson.ObjectID", true, false, false},
	{"[]string", true, false, false},
	{"[]byte", false, false, false},
	{"map[string]int64", true, false, false},
	{"*int64", true, false, false},
	{"*string", true, false, false},
	{"Address", true, false, false},
	{"*Address", true, false, false},
	{"[]Address", true, false, false},
	{"Level", true, false, false},
	{"bson.M", false, false, false},
	{"any", true, false, false},
}

var fuzzIDTypes = []string{"string", "int64", "bson.ObjectID", "int32"}

// synthesize writes a package of one to three annotated types from data.
// Every choice is valid by construction: the package must generate.
func synthesize(data []byte) string {
	b := fuzzBytes(data)
	var src strings.Builder
	src.WriteString(`package fuzz

import (
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Address is a sub-document.
type Address struct {
	Street string ` + "`bson:\"street\"`" + `
	City   string
	Zip    *int32 ` + "`bson:\"zip,omitempty\"`" + `
}

// Level is a named basic type.
type Level int

var _ time.Time
var _ bson.M
`)
	ntypes := 1 + b.next(3)
	for ti := range ntypes {
		name := fmt.Sprintf("Doc%d", ti)
		var fields, directives []string
		var indexable []string
		hasVersion, hasCreated, hasUpdated := false, false, false
		indexKeys := map[string]bool{} // key lists of the type's indexes so far
		idTag := `bson:"_id"`
		if b.next(2) == 1 {
			idTag = `bson:"_id,omitempty"`
		}
		fields = append(fields, fmt.Sprintf("\tID %s `%s`", fuzzIDTypes[b.next(len(fuzzIDTypes))], idTag))
		nfields := b.next(9)
		for fi := range nfields {
			ft := fuzzTypes[b.next(len(fuzzTypes))]
			goName := fmt.Sprintf("F%d", fi)
			var tags []string
			switch b.next(4) {
			case 1:
				tags = append(tags, fmt.Sprintf(`bson:"f_%d"`, fi))
			case 2:
				tags = append(tags, fmt.Sprintf(`bson:"f_%d,omitempty"`, fi))
			case 3:
				if b.next(4) == 0 {
					tags = append(tags, `bson:"-"`)
				}
			}
			skipped := len(tags) == 1 && tags[0] == `bson:"-"`
			var opt string
			switch k := b.next(6); {
			case skipped:
			case k == 1 && ft.indexable:
				opt = "unique"
			case k == 2 && ft.indexable:
				opt = "index"
			case k == 3 && ft.version && !hasVersion:
				opt, hasVersion = "version", true
			case k == 4 && ft.stamp && !hasCreated:
				opt, hasCreated = "created", true
			case k == 5 && ft.stamp && !hasUpdated:
				opt, hasUpdated = "updated", true
			}
			if opt != "" {
				tags = append(tags, fmt.Sprintf(`mongotxgen:"%s"`, opt))
			}
			if opt == "unique" || opt == "index" {
				indexKeys[goName] = true
			}
			if !skipped && ft.indexable {
				indexable = append(indexable, goName)
				if ft.expr == "Address" || ft.expr == "*Address" {
					indexable = append(indexable, goName+".City")
				}
			}
			line := "\t" + goName + " " + ft.expr
			if len(tags) > 0 {
				line += " `" + strings.Join(tags, " ") + "`"
			}
			fields = append(fields, line)
		}
		for range b.next(3) {
			if len(indexable) == 0 {
				break
			}
			var keys []string
			used := map[string]bool{}
			for k := range 1 + b.next(2) {
				key := indexable[(b.next(len(indexable))+k)%len(indexable)]
				if used[key] {
					continue // a field once per index
				}
				used[key] = true
				if b.next(2) == 1 {
					key = "-" + key
				}
				keys = append(keys, key)
			}
			sig := strings.Join(keys, ",")
			if indexKeys[sig] {
				continue // the same keys twice is one index declared twice
			}
			indexKeys[sig] = true
			d := "//mongotxgen:index " + sig
			switch b.next(4) {
			case 1:
				d += " unique"
			case 2:
				d += " sparse"
			case 3:
				d += fmt.Sprintf(" name=idx%d", len(directives))
			}
			directives = append(directives, d)
		}
		fmt.Fprintf(&src, "\n// %s is a fuzzed collection type.\n//\n//mongotxgen:collection coll%d\n", name, ti)
		for _, d := range directives {
			src.WriteString(d + "\n")
		}
		fmt.Fprintf(&src, "type %s struct {\n%s\n}\n", name, strings.Join(fields, "\n"))
	}
	return src.String()
}
