package templates

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/dave/jennifer/jen"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// render renders pkg and parses the result, failing the test on any error.
func render(t *testing.T, pkg *model.Package) ([]byte, *ast.File) {
	t.Helper()
	src, err := Render(pkg)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "mongotx_gen.go", src, parser.ParseComments)
	if err != nil {
		t.Fatalf("generated code does not parse: %v\n%s", err, src)
	}
	return src, f
}

// funcs returns the names of the functions and methods of f, methods as
// "Recv.Name".
func funcs(f *ast.File) []string {
	var names []string
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok {
			continue
		}
		name := fd.Name.Name
		if fd.Recv != nil {
			recv := fd.Recv.List[0].Type
			if star, ok := recv.(*ast.StarExpr); ok {
				recv = star.X
			}
			name = recv.(*ast.Ident).Name + "." + name
		}
		names = append(names, name)
	}
	return names
}

// generatedRE is the line that marks generated files, from go help generate.
var generatedRE = regexp.MustCompile(`^// Code generated .* DO NOT EDIT\.$`)

func TestRenderHeaderFormatAndDeterminism(t *testing.T) {
	src, f := render(t, accountModel())
	first, _, _ := bytes.Cut(src, []byte("\n"))
	if !generatedRE.Match(first) || string(first) != "// "+Header {
		t.Errorf("first line = %q, want %q", first, "// "+Header)
	}
	if f.Name.Name != "shop" {
		t.Errorf("package %s, want shop", f.Name.Name)
	}
	formatted, err := format.Source(src)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(formatted, src) {
		t.Error("output is not gofmt'd")
	}
	for range 3 {
		again, err := Render(accountModel())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, src) {
			t.Fatal("two renders of the same model differ")
		}
	}
	// The standard library is imported in a group of its own, first.
	var paths []string
	for _, imp := range f.Imports {
		paths = append(paths, strings.Trim(imp.Path.Value, `"`))
	}
	want := []string{"context", "iter", "time", runtimePath, bsoncodecPath, bsonPath, mongoPath}
	if !slices.Equal(paths, want) {
		t.Errorf("imports %q, want %q", paths, want)
	}
	if !bytes.Contains(src, []byte("\"time\"\n\n\t\"github.com/mongotxgen")) {
		t.Error("standard library imports are not a group of their own")
	}
}

// TestRenderDeclarations checks which functions each type gets: the public
// API and core, the one helper its methods delegate through, so the output
// has no dead code for vet or staticcheck to report.
func TestRenderDeclarations(t *testing.T) {
	_, f := render(t, accountModel())
	got := funcs(f)
	common := []string{
		"Collection", "Core", "Insert", "InsertMany", "Get", "FindOne", "Find", "Iter", "Count", "Replace",
		"UpdateByID", "UpdateMany", "FindOneAndUpdate", "Delete", "DeleteMany",
		"Upsert", "FindOneAndReplace", "FindOneAndDelete", "BulkWrite", "EnsureIndexes",
	}
	var want []string
	add := func(recv string, names ...string) {
		for _, n := range names {
			want = append(want, recv+"."+n)
		}
	}
	want = append(want, "NewAccountRepo")
	add("AccountRepo", common...)
	add("AccountRepo", "GetByOwner", "FindByAddressCity")
	want = append(want, "NewEventRepo")
	add("EventRepo", common...)
	want = append(want, "NewStore")
	add("Store", "EnsureIndexes", "WithTx", "bound")
	for _, c := range []string{"Account", "Address", "Event", "Origin"} {
		add(c, codecFuncs...)
	}
	if !slices.Equal(got, want) {
		t.Errorf("functions\n got %q\nwant %q", got, want)
	}
}

// TestRenderDelegates checks that every public repository method is one
// call to the runtime.Repo method of the same name, passing its parameters
// on, its result typed by runtime.One, All or Each when it holds documents,
// and that GetBy/FindBy name their operation and build their filter.
func TestRenderDelegates(t *testing.T) {
	src, _ := render(t, accountModel())
	for _, w := range []string{
		"type AccountRepo struct{ core runtime.Repo }\n",
		"\treturn &AccountRepo{runtime.NewRepo(db.Collection(\"accounts\"), nil, &schemaOfAccount)}\n",
		"func (r *AccountRepo) Insert(ctx context.Context, doc *Account) error { return r.core.Insert(ctx, doc) }\n",
		"\treturn r.core.BulkWrite(ctx, ops)\n",
		"func (r *AccountRepo) Collection() *mongo.Collection { return r.core.Collection() }\n",
		"func (r *AccountRepo) Core() runtime.Repo { return r.core }\n",
		// The lists of every repository go several to a line.
		"\t\tAccount: AccountRepo{s.Account.core.Bound(tx)}, Event: EventRepo{s.Event.core.Bound(tx)},\n",
		"\t\tAccount: &b.Account, Event: &b.Event, db: s.db, tx: tx,\n",
		"\treturn runtime.EnsureIndexes(\n\t\tctx, s.Account, s.Event,\n\t)\n",
		"func (r *EventRepo) Get(ctx context.Context, id string) (*Event, error) {\n\treturn runtime.One[*Event](r.core.Get(ctx, id))\n}",
		"\treturn r.core.InsertMany(ctx, docs)\n",
		"\treturn runtime.One[*Account](r.core.FindOne(ctx, filter, opts...))\n",
		"\treturn runtime.All[*Account](r.core.Find(ctx, filter, opts...))\n",
		"\treturn runtime.Each[*Account](r.core.Iter(ctx, filter, opts...))\n",
		"\treturn r.core.Count(ctx, filter, opts...)\n",
		"\treturn r.core.Replace(ctx, doc)\n",
		"\treturn r.core.UpdateByID(ctx, id, update)\n",
		"\treturn r.core.UpdateMany(ctx, filter, update)\n",
		"\treturn runtime.One[*Account](r.core.FindOneAndUpdate(ctx, filter, update, opts...))\n",
		"\treturn r.core.Delete(ctx, id)\n",
		"\treturn r.core.DeleteMany(ctx, filter)\n",
		"func (r *AccountRepo) EnsureIndexes(ctx context.Context) error { return r.core.EnsureIndexes(ctx) }\n",
		"\treturn runtime.One[*Account](r.core.GetBy(ctx, \"getByOwner\", AccountFields.Owner.Eq(owner)))\n",
		"\treturn runtime.All[*Account](r.core.FindBy(ctx, \"findByAddressCity\", AccountFields.Address.City.Eq(city), opts...))\n",
	} {
		if !bytes.Contains(src, []byte(w)) {
			t.Errorf("output lacks %q", w)
		}
	}
}

// TestRenderStamps checks the schema entries that make Insert, Replace and
// updates stamp documents, for each combination of version, created and
// updated fields; package runtime tests what the stamps do.
func TestRenderStamps(t *testing.T) {
	const (
		autoID  = " \"ID\",\n" // after ID: and gofmt's padding
		version = "Version: &runtime.Counter{Path: \"version\", Field: \"Version\"},\n"
		created = "Created: &runtime.Stamp{Path: \"created_at\", Field: \"CreatedAt\"},\n"
		updated = "Updated: &runtime.Stamp{Path: \"updated_at\", Field: \"UpdatedAt\"},\n"
	)
	cases := []struct {
		name                      string
		version, created, updated bool
		want, notWant             []string
	}{
		{name: "none", want: []string{autoID}, notWant: []string{"runtime.Counter", "runtime.Stamp"}},
		{name: "version", version: true, want: []string{autoID, version}, notWant: []string{"runtime.Stamp"}},
		{name: "created", created: true, want: []string{created}, notWant: []string{"runtime.Counter", "Updated:"}},
		{name: "updated", updated: true, want: []string{updated}, notWant: []string{"runtime.Counter", "Created:"}},
		{name: "all", version: true, created: true, updated: true, want: []string{autoID, created + "\t" + updated + "\t" + version}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pkg := accountModel()
			pkg.Types = pkg.Types[:1]
			a := pkg.Types[0]
			if !c.version {
				a.Version.Version, a.Version = false, nil
			}
			if !c.created {
				a.Created.Created, a.Created = false, nil
			}
			if !c.updated {
				a.Updated.Updated, a.Updated = false, nil
			}
			src, _ := render(t, pkg)
			for _, w := range c.want {
				if !bytes.Contains(src, []byte(w)) {
					t.Errorf("output lacks %q", w)
				}
			}
			for _, w := range c.notWant {
				if bytes.Contains(src, []byte(w)) {
					t.Errorf("output has %q", w)
				}
			}
		})
	}
}

// TestRenderSchemaIDs checks that the schema names the document type and
// the Go field of the _id, whatever its type (the runtime assigns an
// ObjectID one), and that it is data: no function literal, no call.
func TestRenderSchemaIDs(t *testing.T) {
	src, _ := render(t, accountModel())
	for _, w := range []string{
		"var schemaOfEvent = runtime.Schema{\n\tDoc: (*Event)(nil),\n\tID:  \"Key\",\n}\n",
		"var schemaOfAccount = runtime.Schema{\n\tDoc:     (*Account)(nil),\n\tID:      \"ID\",\n",
	} {
		if !bytes.Contains(src, []byte(w)) {
			t.Errorf("output lacks %q", w)
		}
	}
	for _, schema := range bytes.Split(src, []byte("\nvar schemaOf"))[1:] {
		schema, _, _ = bytes.Cut(schema, []byte("\n}\n"))
		if bytes.Contains(schema, []byte("func")) || bytes.Contains(schema, []byte("()")) && !bytes.Contains(schema, []byte(")(nil)")) {
			t.Errorf("a schema with code in it:\n%s", schema)
		}
	}
}

// TestRenderSchemaDecode checks that no schema sets Decode, with codecs or
// without: the runtime decodes a type with its own UnmarshalBSON (its
// generated codec) with it, any other with the driver's decoder, and the
// line would be one more of every type's budget.
func TestRenderSchemaDecode(t *testing.T) {
	src, _ := render(t, accountModel())
	if bytes.Contains(src, []byte("Decode:")) {
		t.Error("with codecs the schema has a Decode")
	}
	without, err := Renderer(Options{Codecs: false})(accountModel())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(without, []byte("Decode:")) {
		t.Error("without codecs the schema still has a Decode")
	}
}

func TestRenderIndexes(t *testing.T) {
	src, _ := render(t, accountModel())
	for _, w := range []string{
		"\tIndexes: []runtime.Index{\n",
		// The default name is left to the server.
		"\t\t{Keys: bson.D{{Key: \"owner\", Value: 1}}, Unique: true},\n",
		"\t\t{Keys: bson.D{{Key: \"address.city\", Value: 1}}},\n",
		`{Keys: bson.D{{Key: "owner", Value: 1}, {Key: "balance", Value: -1}}, Name: "by_owner_balance", Sparse: true},`,
		`, ExpireAfterSeconds: 2592000},`,
		"// EnsureIndexes does nothing: Event declares no indexes.\nfunc (r *EventRepo) EnsureIndexes(ctx context.Context) error { return r.core.EnsureIndexes(ctx) }\n",
	} {
		if !bytes.Contains(src, []byte(w)) {
			t.Errorf("output lacks %q", w)
		}
	}
	if bytes.Contains(src, []byte(`Name: "owner_1"`)) {
		t.Error("default index name given explicitly")
	}
	_, event, _ := bytes.Cut(src, []byte("var schemaOfEvent"))
	if event, _, _ = bytes.Cut(event, []byte("\n}\n")); bytes.Contains(event, []byte("Indexes")) {
		t.Errorf("the schema of Event, which has no indexes, lists some:\n%s", event)
	}
}

// TestRenderEmptySubDocument checks that a struct field without stored
// fields is a plain ValueField rather than a nested type holding nothing else.
func TestRenderEmptySubDocument(t *testing.T) {
	pkg := accountModel()
	pkg.Types[0].Fields[3].Nested = []*model.Field{}
	src, _ := render(t, pkg)
	if !bytes.Contains(src, []byte("\tAddress   runtime.ValueField[Address]\n")) || bytes.Contains(src, []byte("AccountAddressFields")) {
		t.Errorf("Address with no stored fields is not a plain field:\n%s", src)
	}
}

func TestRenderUnexportedType(t *testing.T) {
	pkg := accountModel()
	pkg.Types = pkg.Types[1:]
	pkg.Types[0].Name = "event"
	src, f := render(t, pkg)
	got := funcs(f)
	for _, w := range []string{"newEventRepo", "eventRepo.Get", "Store.WithTx"} {
		if !slices.Contains(got, w) {
			t.Errorf("no %s in %q", w, got)
		}
	}
	if !bytes.Contains(src, []byte("var eventFields = struct {")) {
		t.Error("fields of an unexported type are exported")
	}
}

// TestRenderImportNames checks that the packages of field types are
// imported under their own names, not a name guessed from the path, and
// that two packages with one name still get distinct names.
func TestRenderImportNames(t *testing.T) {
	pkg := accountModel()
	ev := pkg.Types[1]
	add := func(goName, pkgPath, pkgName string) {
		f := field(goName, strings.ToLower(goName), model.TypeRef{Kind: model.Named, PkgPath: pkgPath, PkgName: pkgName, Name: "T"}, 60+len(ev.Fields))
		ev.Fields = append(ev.Fields, f)
	}
	add("Mod", "golang.org/x/mod/module", "module")
	add("Cash", "example.com/go-money", "money")
	add("Coin", "example.com/other/money", "money")
	src, _ := render(t, pkg)
	for _, want := range []string{
		"\t\"golang.org/x/mod/module\"\n",
		"\t\"example.com/go-money\"\n",
		"\tmoney1 \"example.com/other/money\"\n",
		"Mod    runtime.ValueField[module.T]",
		"Cash   runtime.ValueField[money.T]",
		"Coin   runtime.ValueField[money1.T]",
	} {
		if !bytes.Contains(src, []byte(want)) {
			t.Errorf("no %q in the generated code:\n%s", want, src)
		}
	}
}

// TestRenderErrors checks that models the emitter cannot render faithfully
// are refused with the position and the reason.
func TestRenderErrors(t *testing.T) {
	cases := []struct {
		name   string
		change func(*model.Package)
		want   string
	}{
		{
			name:   "no types",
			change: func(p *model.Package) { p.Types = nil },
			want:   "package example.com/shop: no collection types to generate",
		},
		{
			name: "no id",
			change: func(p *model.Package) {
				p.Types[1].ID = nil
			},
			want: "/src/shop/shop.go:38:1: Event has no _id field",
		},
		{
			name: "generated names collide",
			change: func(p *model.Package) {
				// A type AccountAddress has fields AccountAddressFields, the
				// name of Account.Address's nested fields type.
				p.Types[1].Name = "AccountAddress"
			},
			want: "generated name AccountAddressFields would be both",
		},
		{
			name: "store field collides",
			change: func(p *model.Package) {
				p.Types[1].Name = "db"
			},
			want: "generated name db would be both the store's database field and the store field of db",
		},
		{
			name: "flattened names collide",
			change: func(p *model.Package) {
				a := p.Types[0]
				dup := field("Base.Owner", "base_owner", basic("string"), 30)
				a.Fields = append(a.Fields, dup)
			},
			want: "/src/shop/shop.go:30:2: Account: fields Owner and Base.Owner would both be AccountFields.Owner",
		},
		{
			name: "sub-field named ValueField",
			change: func(p *model.Package) {
				a := p.Types[0].Fields[3]
				a.Nested = append(a.Nested, field("Address.ValueField", "address.valuefield", basic("string"), 22))
			},
			want: "/src/shop/shop.go:22:2: Account.Address.ValueField: a field named ValueField inside a sub-document is not supported (it collides with the embedded runtime.ValueField)",
		},
		{
			name: "element field named StructSliceField",
			change: func(p *model.Package) {
				lines := field("Lines", "lines", slice(named("", "Address")), 23)
				lines.Kind = model.StructSliceKind
				lines.Nested = []*model.Field{field("Lines.StructSliceField", "lines.structslicefield", basic("string"), 24)}
				p.Types[0].Fields = append(p.Types[0].Fields, lines)
			},
			want: "/src/shop/shop.go:24:2: Account.Lines.StructSliceField: a field named StructSliceField inside a sub-document is not supported (it collides with the embedded runtime.StructSliceField)",
		},
		{
			name: "created not a time",
			change: func(p *model.Package) {
				p.Types[0].Created.Type = basic("int64")
			},
			want: "/src/shop/shop.go:15:2: Account.CreatedAt: created and updated fields must be time.Time",
		},
		{
			name: "stamp field missing from fields",
			change: func(p *model.Package) {
				p.Types[0].Version = field("Rev", "rev", basic("int64"), 25)
			},
			want: "/src/shop/shop.go:25:2: Account.Rev is not among the document's fields",
		},
		{
			name: "lookups collide",
			change: func(p *model.Package) {
				a := p.Types[0]
				f := field("AddressCity", "address_city", basic("string"), 26)
				f.Index = true
				a.Fields = append(a.Fields, f)
			},
			want: "/src/shop/shop.go:26:2: Account: fields Address.City and AddressCity would both get a method FindByAddressCity",
		},
		{
			name: "incomplete type",
			change: func(p *model.Package) {
				p.Types[0].Fields[4].Type = model.TypeRef{Kind: model.Slice}
			},
			want: "/src/shop/shop.go:14:2: Account.Tags: pointer, slice or array without an element type",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pkg := accountModel()
			c.change(pkg)
			src, err := Render(pkg)
			if err == nil {
				t.Fatalf("Render succeeded, want error containing %q\n%s", c.want, src)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q\nwant it to contain %q", err, c.want)
			}
		})
	}
}

func TestTypeCode(t *testing.T) {
	cases := []struct {
		t    model.TypeRef
		want string
	}{
		{basic("uint16"), "uint16"},
		{named("", "Address"), "Address"},
		{named("example.com/shop", "Address"), "Address"},
		{named("time", "Duration"), "time.Duration"},
		{ptr(named("net/netip", "Addr")), "*netip.Addr"},
		{slice(ptr(named("", "Item"))), "[]*Item"},
		{model.TypeRef{Kind: model.Array, Len: 16, Elem: &model.TypeRef{Kind: model.Basic, Name: "byte"}}, "[16]byte"},
		{model.TypeRef{Kind: model.Map, Key: &model.TypeRef{Kind: model.Basic, Name: "string"}, Elem: &model.TypeRef{Kind: model.Slice, Elem: &model.TypeRef{Kind: model.Named, PkgPath: bsonPath, Name: "Decimal128"}}}, "map[string][]bson.Decimal128"},
	}
	for _, c := range cases {
		f := jen.NewFilePathName("example.com/shop", "shop")
		f.ImportName(bsonPath, "bson")
		f.Var().Id("x").Add(typeCode(c.t))
		got := f.GoString()
		if !strings.Contains(got, "var x "+c.want+"\n") {
			t.Errorf("typeCode(%+v) renders\n%s\nwant var x %s", c.t, got, c.want)
		}
	}
}

func TestParamName(t *testing.T) {
	cases := map[string]string{
		"Owner":     "owner",
		"ID":        "id",
		"URL":       "url",
		"HTTPAddr":  "httpAddr",
		"X":         "x",
		"userName":  "userName",
		"Type":      "value", // keyword
		"String":    "value", // predeclared identifier
		"New":       "value", // new would hide the builtin the body uses
		"Ctx":       "value",
		"Doc":       "value",
		"Time":      "value", // the time package
		"Options":   "value",
		"Ünïcode":   "ünïcode",
		"IDs":       "ids",
		"Err":       "value",
		"Opts":      "value",
		"BSON":      "value",
		"OwnerName": "ownerName",
	}
	for in, want := range cases {
		if got := paramName(in, "AccountFields"); got != want {
			t.Errorf("paramName(%q) = %q, want %q", in, got, want)
		}
	}
	// A field AccountFields of the unexported type account would hide the
	// typed fields the method body uses.
	if got := paramName("AccountFields", "accountFields"); got != "value" {
		t.Errorf("paramName(AccountFields) of type account = %q, want value", got)
	}
}

// TestCommentsWrapped requires every prose comment line of the output to fit
// in 80 columns once indented, so generated docs read well in an editor.
func TestCommentsWrapped(t *testing.T) {
	src, _ := render(t, accountModel())
	for i, line := range strings.Split(string(src), "\n") {
		trimmed := strings.TrimLeft(line, "\t")
		if !strings.HasPrefix(trimmed, "// ") || strings.HasPrefix(trimmed, "//\t") {
			continue
		}
		if width := len(line) + 7*(len(line)-len(trimmed)); width > 80 {
			t.Errorf("line %d is %d columns wide: %s", i+1, width, line)
		}
	}
}

func TestWrapParagraph(t *testing.T) {
	long := strings.Repeat("word ", 40)
	lines := wrapParagraph(long + "\n\tcode line that is kept as it is, however long it may be, really\nmore")
	for _, l := range lines[:len(lines)-2] {
		if len(l) > commentWidth {
			t.Errorf("line longer than %d: %q", commentWidth, l)
		}
	}
	if got := lines[len(lines)-2]; got != "\tcode line that is kept as it is, however long it may be, really" {
		t.Errorf("code line changed: %q", got)
	}
	if got := lines[len(lines)-1]; got != "more" {
		t.Errorf("last line %q", got)
	}
	if got := strings.Join(lines[:len(lines)-2], " "); got != strings.TrimSpace(long) {
		t.Errorf("words changed: %q", got)
	}
}

func TestList(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"a"}, "a"},
		{[]string{"a", "b"}, "a and b"},
		{[]string{"a", "b", "c"}, "a, b and c"},
	} {
		if got := list(c.in); got != c.want {
			t.Errorf("list(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// BenchmarkRender renders packages of N collection types like Account, the
// sizes of the generator's whole-process benchmark, so that its growth shows.
func BenchmarkRender(b *testing.B) {
	for _, n := range []int{10, 50, 200, 500} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			pkg := accountModel()
			account := pkg.Types[0]
			pkg.Types = nil
			for i := range n {
				t := *account
				t.Name = fmt.Sprintf("Account%03d", i)
				pkg.Types = append(pkg.Types, &t)
			}
			for b.Loop() {
				if _, err := Render(pkg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestGroupImports(t *testing.T) {
	cases := []struct{ in, want string }{
		{
			"package p\n\nimport (\n\t\"context\"\n\t\"example.com/x\"\n\tm \"golang.org/x/mod/module\"\n\t\"time\"\n)\n\nvar v = 1\n",
			"package p\n\nimport (\n\t\"context\"\n\t\"time\"\n\n\t\"example.com/x\"\n\tm \"golang.org/x/mod/module\"\n)\n\nvar v = 1\n",
		},
		// One group only, or a single import: unchanged.
		{"package p\n\nimport (\n\t\"context\"\n\t\"time\"\n)\n", "package p\n\nimport (\n\t\"context\"\n\t\"time\"\n)\n"},
		{"package p\n\nimport (\n\t\"a.com/x\"\n\t\"b.com/y\"\n)\n", "package p\n\nimport (\n\t\"a.com/x\"\n\t\"b.com/y\"\n)\n"},
		{"package p\n\nimport \"context\"\n", "package p\n\nimport \"context\"\n"},
		{"package p\n", "package p\n"},
	}
	for _, c := range cases {
		got := string(groupImports([]byte(c.in)))
		if got != c.want {
			t.Errorf("groupImports(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
		if formatted, err := format.Source([]byte(got)); err != nil || string(formatted) != got {
			t.Errorf("groupImports(%q) is not gofmt'd: %v", c.in, err)
		}
	}
}
