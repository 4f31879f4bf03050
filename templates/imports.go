package templates

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// importNames are the names the generated file imports packages under. A
// package is imported under its own name unless the user's package
// declares that name at package level (a var options, a func runtime, a
// type iter), or a generated declaration or lookup parameter has it: then
// it gets the alias mongotx<name> (mongotxoptions), with a number added
// while that is taken too. The same model always gives the same aliases.
type importNames struct {
	taken   map[string]bool   // names an import must not have
	names   map[string]string // path → the package's own name, when known
	aliases map[string]string // path → alias
}

// wellKnown are the packages generated code refers to, by their names.
var wellKnown = map[string]string{
	bsonPath:      "bson",
	mongoPath:     "mongo",
	runtimePath:   "runtime",
	bsoncodecPath: "bsoncodec",
	"context":     "context",
	"errors":      "errors",
	"iter":        "iter",
	"time":        "time",
}

func newImportNames(pkg *model.Package, plans []*typePlan) *importNames {
	in := &importNames{taken: map[string]bool{}, names: map[string]string{}, aliases: map[string]string{}}
	for _, n := range pkg.Declared {
		in.taken[n] = true
	}
	in.taken[model.StoreType], in.taken[model.StoreCtor] = true, true
	for _, p := range plans {
		for _, n := range p.t.GeneratedNames() {
			in.taken[n] = true
		}
		for _, l := range p.lookups {
			in.taken[paramName(l.node.f.GoName, p.fieldsVar)] = true
		}
	}
	for path, name := range wellKnown {
		in.names[path] = name
	}
	for _, t := range pkg.Types {
		in.fieldPackages(t.Fields)
	}
	for path, name := range in.names {
		if in.taken[name] {
			in.aliases[path] = in.free(name)
		}
	}
	return in
}

// fieldPackages records the name of the package of every named type of
// another package in the fields' types: jennifer would otherwise guess a
// name from the import path and write it as an alias (module
// "golang.org/x/mod/module").
func (in *importNames) fieldPackages(fields []*model.Field) {
	var visit func(t *model.TypeRef)
	visit = func(t *model.TypeRef) {
		if t == nil {
			return
		}
		if t.Kind == model.Named && t.PkgPath != "" && t.PkgName != "" {
			in.names[t.PkgPath] = t.PkgName
		}
		visit(t.Key)
		visit(t.Elem)
	}
	for _, fd := range fields {
		visit(&fd.Type)
		in.fieldPackages(fd.Nested)
	}
}

// free returns the first alias of name's form that nothing has.
func (in *importNames) free(name string) string {
	used := map[string]bool{}
	for _, a := range in.aliases {
		used[a] = true
	}
	for _, n := range in.names {
		used[n] = true
	}
	alias := "mongotx" + name
	for i := 2; in.taken[alias] || used[alias]; i++ {
		alias = "mongotx" + name + strconv.Itoa(i)
	}
	return alias
}

// register tells f the names of the packages. Two packages with one name
// still get distinct aliases from jennifer.
func (in *importNames) register(f *jen.File) {
	for path, name := range in.names {
		if alias, ok := in.aliases[path]; ok {
			f.ImportAlias(path, alias)
		} else {
			f.ImportName(path, name)
		}
	}
	for path, alias := range in.aliases {
		if _, ok := in.names[path]; !ok {
			f.ImportAlias(path, alias)
		}
	}
}

// alias finds the imports of src, a rendered file, whose names are taken,
// and gives each an alias. It reports whether there was one: src must then
// be rendered again.
func (in *importNames) alias(src []byte) bool {
	f, err := parser.ParseFile(token.NewFileSet(), "", src, parser.ImportsOnly)
	if err != nil {
		return false // formatChunks parsed it: cannot happen
	}
	changed := false
	for _, spec := range f.Imports {
		path, _ := strconv.Unquote(spec.Path.Value)
		if name := importName(path, spec, in); in.taken[name] {
			in.aliases[path] = in.free(name)
			changed = true
		}
	}
	return changed
}

// importName is the name code uses the import spec of path under.
func importName(path string, spec *ast.ImportSpec, in *importNames) string {
	if spec.Name != nil {
		return spec.Name.Name
	}
	if name := in.names[path]; name != "" {
		return name
	}
	return path[strings.LastIndexByte(path, '/')+1:]
}
