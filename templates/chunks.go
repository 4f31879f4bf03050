package templates

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"go/format"
	"go/parser"
	"go/token"
	"io"
	"os"
	"reflect"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/dave/jennifer/jen"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// A generated file is its head (header, package clause, imports), then one
// chunk of declarations per collection type, then the store's. A type's
// chunk depends on nothing but the type's model, the package's path and
// name, and the names packages are imported under, so it is rendered on
// its own, in parallel with the others, and kept in the cache (cache.go)
// under a hash of those inputs and of this program: the run after an edit
// of one type renders that type alone. The head is rendered last, from the
// imports the chunks use.

// chunk is the formatted declarations of one chunk, and the packages they
// use, by import path, with the name each is used under.
type chunk struct {
	Body    []byte
	Imports map[string]string
}

// renderChunked renders the file of pkg a chunk at a time. It reports
// false when the chunks disagree on an import's name (jennifer numbered
// two packages of one name differently in two chunks): the file must then
// be rendered whole.
func renderChunked(pkg *model.Package, plans []*typePlan, imports *importNames) ([]byte, bool, error) {
	chunks := make([]chunk, len(plans)+1+len(pkg.Codecs))
	errs := make([]error, len(chunks))
	salt := chunkSalt(pkg, imports)
	var wg sync.WaitGroup
	sem := make(chan struct{}, goruntime.GOMAXPROCS(0))
	for i, p := range plans {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			chunks[i], errs[i] = typeChunk(pkg, p, imports, salt)
		})
	}
	chunks[len(plans)], errs[len(plans)] = renderChunk(pkg, imports, packageDecls(pkg, plans))
	for i, c := range pkg.Codecs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			chunks[len(plans)+1+i], errs[len(plans)+1+i] = codecChunk(pkg, c, imports, salt)
		})
	}
	wg.Wait()
	if err := joinErrors(errs); err != nil {
		return nil, false, err
	}
	used := map[string]string{}
	for _, c := range chunks {
		for path, name := range c.Imports {
			if prev, ok := used[path]; ok && prev != name {
				return nil, false, nil
			}
			used[path] = name
		}
	}
	head, names, err := renderHead(pkg, imports, used)
	if err != nil {
		return nil, false, err
	}
	for path, name := range used {
		if names[path] != name {
			return nil, false, nil
		}
	}
	// The file is written once into a buffer of its final size: the
	// imports are grouped in the head alone, which holds them (and ends
	// with their closing parenthesis).
	head = bytes.TrimSuffix(groupImports(append(head, '\n')), []byte("\n"))
	size := len(head) + 1
	for _, c := range chunks {
		size += len(c.Body) + 2
	}
	out := make([]byte, 0, size)
	out = append(out, head...)
	for _, c := range chunks {
		out = append(out, "\n\n"...)
		out = append(out, c.Body...)
	}
	return append(out, '\n'), true, nil
}

// typeChunk returns the chunk of the collection type of p, from the cache
// when an earlier run rendered it.
func typeChunk(pkg *model.Package, p *typePlan, imports *importNames, salt []byte) (chunk, error) {
	var extra string
	if p.codec { // the schema's Decode; the package's codecs are not in the salt
		extra = "codec"
	}
	return cachedChunk(pkg, imports, salt, "type-", p.t, extra, func() []jen.Code { return typeDecls(p) })
}

// codecChunk returns the chunk of the codec of c, from the cache when an
// earlier run rendered it. The chunk reads the other codecs only for its
// size hint (the estimate of the documents it holds), so that is part of
// its key.
func codecChunk(pkg *model.Package, c *model.Codec, imports *importNames, salt []byte) (chunk, error) {
	return cachedChunk(pkg, imports, salt, "codec-", c, strconv.Itoa(sizeHint(pkg, c, 0)), func() []jen.Code { return codecDecls(pkg, c) })
}

// cachedChunk returns the chunk decls renders, kept in the cache under a
// hash of salt, the model it is rendered from (positions left out: a type
// that moved in its file renders as it did) and extra.
func cachedChunk(pkg *model.Package, imports *importNames, salt []byte, prefix string, from any, extra string, decls func() []jen.Code) (chunk, error) {
	key := ""
	if salt != nil {
		if enc, ok := appendModel(make([]byte, 0, 4096), reflect.ValueOf(from), 0); ok {
			h := sha256.New()
			h.Write(salt)
			h.Write(enc)
			h.Write([]byte("\x00" + extra))
			key = prefix + hex.EncodeToString(h.Sum(nil))
			if data, ok := cached(key); ok {
				if c, ok := decodeChunk(data); ok {
					return c, nil
				}
			}
		}
	}
	c, err := renderChunk(pkg, imports, decls())
	if err == nil && key != "" {
		keep(key, c.encode())
	}
	return c, err
}

// encode writes c as its imports, a "path\tname" line each, an empty line,
// and its body.
func (c chunk) encode() []byte {
	var b bytes.Buffer
	for _, path := range slices.Sorted(mapKeys(c.Imports)) {
		b.WriteString(path + "\t" + c.Imports[path] + "\n")
	}
	b.WriteByte('\n')
	b.Write(c.Body)
	return b.Bytes()
}

// decodeChunk reads what encode wrote.
func decodeChunk(data []byte) (chunk, bool) {
	c := chunk{Imports: map[string]string{}}
	for {
		line, rest, ok := bytes.Cut(data, []byte("\n"))
		if !ok {
			return chunk{}, false
		}
		data = rest
		if len(line) == 0 {
			c.Body = data
			return c, true
		}
		path, name, ok := bytes.Cut(line, []byte("\t"))
		if !ok {
			return chunk{}, false
		}
		c.Imports[string(path)] = string(name)
	}
}

// renderChunk renders decls in a file of their own and returns the
// formatted declarations with the imports the file has.
func renderChunk(pkg *model.Package, imports *importNames, decls []jen.Code) (chunk, error) {
	f := jen.NewFilePathName(pkg.Path, pkg.Name)
	imports.register(f)
	f.NoFormat = true
	for _, d := range decls {
		f.Add(d)
	}
	var buf bytes.Buffer
	if err := f.Render(&buf); err != nil {
		return chunk{}, fmt.Errorf("rendering %s: %w", pkg.Path, err)
	}
	src, err := formatCached(buf.Bytes())
	if err != nil {
		// A bug of this package: jennifer wrote what does not parse.
		return chunk{}, fmt.Errorf("formatting the code generated for %s: %w", pkg.Path, err)
	}
	names, end, err := importsOf(src, imports)
	if err != nil {
		return chunk{}, err
	}
	return chunk{Body: bytes.TrimSpace(src[end:]), Imports: names}, nil
}

// renderHead renders the header, package clause and imports of the file,
// the packages of used imported, and returns it with the names it imports
// them under.
func renderHead(pkg *model.Package, imports *importNames, used map[string]string) ([]byte, map[string]string, error) {
	f := jen.NewFilePathName(pkg.Path, pkg.Name)
	f.HeaderComment(Header)
	imports.register(f)
	for _, path := range slices.Sorted(mapKeys(used)) {
		// Rendering a reference registers the import with f.
		if err := jen.Qual(path, "X").RenderWithFile(io.Discard, f); err != nil {
			return nil, nil, err
		}
	}
	var buf bytes.Buffer
	if err := f.Render(&buf); err != nil {
		return nil, nil, fmt.Errorf("rendering %s: %w", pkg.Path, err)
	}
	src, err := formatCached(buf.Bytes())
	if err != nil {
		return nil, nil, fmt.Errorf("formatting the code generated for %s: %w", pkg.Path, err)
	}
	names, _, err := importsOf(src, imports)
	return bytes.TrimSpace(src), names, err
}

// importsOf returns the imports of src, a formatted file, with the names
// its code uses them under, and the offset where its declarations start.
func importsOf(src []byte, imports *importNames) (map[string]string, int, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.ImportsOnly)
	if err != nil {
		return nil, 0, fmt.Errorf("reading the imports of generated code: %w", err)
	}
	end := f.Name.End()
	names := map[string]string{}
	for _, d := range f.Decls {
		end = d.End()
	}
	for _, spec := range f.Imports {
		path, _ := strconv.Unquote(spec.Path.Value)
		names[path] = importName(path, spec, imports)
	}
	return names, fset.Position(end).Offset, nil
}

// chunkSalt is the hash of what every type's chunk depends on besides its
// model: this program, the Go version, the package (all but its types, but
// with the names it declares, as many as its types), and the import names.
// It is hashed once, not into every chunk's key, which would make the keys
// of N types cost O(N²). It is nil when the program cannot be identified or
// the cache is off.
func chunkSalt(pkg *model.Package, imports *importNames) []byte {
	exe := programHash()
	if exe == "" || formatCache() == "" {
		return nil
	}
	// Every field of the package but its types, so that a setting added to
	// model.Package is part of the key without a change here.
	shell := *pkg
	shell.Types = nil
	shell.Codecs = nil // their own chunks; a type's chunk does not read them
	js, err := json.Marshal(&shell)
	if err != nil {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "mongotxgen chunk 1\x00%s\x00%s\x00%s\x00", exe, goruntime.Version(), js)
	for _, path := range slices.Sorted(mapKeys(imports.names)) {
		fmt.Fprintf(&b, "%s=%s=%s\x00", path, imports.names[path], imports.aliases[path])
	}
	for _, path := range slices.Sorted(mapKeys(imports.aliases)) {
		fmt.Fprintf(&b, "%s=%s\x00", path, imports.aliases[path])
	}
	sum := sha256.Sum256([]byte(b.String()))
	return sum[:]
}

// programHash is the SHA-256 of the running executable, which holds this
// package's code: a chunk rendered by another build is not reused. "" when
// it cannot be read.
var programHash = sync.OnceValue(func() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	f, err := os.Open(exe)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
})

// formatCached is format.Source, through the cache.
func formatCached(src []byte) ([]byte, error) {
	key := cacheKey(src)
	if out, ok := cached(key); ok {
		return out, nil
	}
	out, err := format.Source(src)
	if err == nil {
		keep(key, out)
	}
	return out, err
}

func joinErrors(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
