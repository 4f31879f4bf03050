package generator

import (
	"fmt"
	"go/ast"
	"go/token"
	"strings"
	"time"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// directivePrefix starts every annotation line. Like //go: directives it has
// no space after the slashes; "// mongotxgen:" is an ordinary comment.
const directivePrefix = "//mongotxgen:"

// word is one space-separated token of a directive line, with its position.
type word struct {
	text string
	pos  model.Pos
}

// directive is one //mongotxgen: line.
type directive struct {
	name string // after the prefix: "collection", "index", or anything a user typed
	pos  model.Pos
	args []word
}

// splitDirective splits a //mongotxgen: comment into its name and arguments.
// It reports false for comments that are not directives.
func splitDirective(fset *token.FileSet, c *ast.Comment) (directive, bool) {
	if !strings.HasPrefix(c.Text, directivePrefix) {
		return directive{}, false
	}
	start := fset.Position(c.Slash)
	at := func(off int) model.Pos {
		return model.Pos{File: start.Filename, Line: start.Line, Col: start.Column + off}
	}
	var words []word
	text := c.Text
	for i := len("//"); i < len(text); {
		if text[i] == ' ' || text[i] == '\t' {
			i++
			continue
		}
		j := i
		for j < len(text) && text[j] != ' ' && text[j] != '\t' {
			j++
		}
		words = append(words, word{text: text[i:j], pos: at(i)})
		i = j
	}
	// words[0] is "mongotxgen:NAME".
	return directive{
		name: strings.TrimPrefix(words[0].text, "mongotxgen:"),
		pos:  at(0),
		args: words[1:],
	}, true
}

// collectionSpec is an annotated type's parsed directives.
type collectionSpec struct {
	name          string
	pos           model.Pos // of the collection directive, else of the first one
	hasCollection bool
	indexes       []*indexSpec
}

// parseDirectives validates an annotated type's directives. It reports
// false when the type cannot be generated; the spec is still returned, when
// the declaration is a plain type, so that the fields can be checked too and
// a run reports all problems at once.
func (b *builder) parseDirectives(a *annotated) (*collectionSpec, bool) {
	var cs collectionSpec
	ok := true
	var first *directive
	var indexPos model.Pos
	for i, d := range a.directives {
		switch d.name {
		case "collection":
			if first != nil {
				b.errs.add(d.pos, "duplicate //mongotxgen:collection directive for type %s (the first is at line %d)", a.name, first.pos.Line)
				ok = false
				continue
			}
			first = &a.directives[i]
			name, good := parseCollection(d, b.errs)
			ok = ok && good
			cs.name, cs.pos, cs.hasCollection = name, d.pos, true
		case "index":
			spec, good := parseIndex(d, b.errs)
			ok = ok && good
			if good {
				cs.indexes = append(cs.indexes, spec)
			}
			if indexPos == (model.Pos{}) {
				indexPos = d.pos
			}
		default:
			b.errs.add(d.pos, "unknown directive //mongotxgen:%s%s", d.name, suggest(d.name, "collection", "index"))
			ok = false
		}
	}
	if first == nil {
		if indexPos != (model.Pos{}) {
			b.errs.add(indexPos, "//mongotxgen:index on type %s, which has no //mongotxgen:collection directive", a.name)
		}
		cs.pos, ok = a.directives[0].pos, false
	}
	spec := a.spec
	switch {
	case spec.Assign.IsValid():
		b.errs.add(cs.pos, "//mongotxgen:%s on %s, which is a type alias: annotate the struct type it names", a.directives[0].name, a.name)
		return nil, false
	case spec.TypeParams != nil:
		b.errs.add(cs.pos, "//mongotxgen:%s on generic type %s: generic types are not supported (declare a non-generic type, e.g. type X %s[T])", a.directives[0].name, a.name, a.name)
		return nil, false
	}
	return &cs, ok
}

// parseCollection parses the arguments of //mongotxgen:collection.
func parseCollection(d directive, errs *errorSink) (string, bool) {
	if len(d.args) != 1 {
		errs.add(d.pos, "malformed //mongotxgen:collection directive: want exactly one collection name, got %d words", len(d.args))
		return "", false
	}
	name := d.args[0]
	if msg := checkCollectionName(name.text); msg != "" {
		errs.add(name.pos, "invalid collection name %q: %s", name.text, msg)
		return "", false
	}
	return name.text, true
}

// checkCollectionName applies MongoDB's rules for collection names that a
// user can create; it returns "" for a valid name.
func checkCollectionName(name string) string {
	switch {
	case name == "":
		return "empty"
	case strings.ContainsRune(name, '$'):
		return "contains '$'"
	case strings.ContainsRune(name, 0):
		return "contains a NUL byte"
	case strings.HasPrefix(name, "system."):
		return `the "system." prefix is reserved for MongoDB`
	}
	return ""
}

// indexSpec is a parsed //mongotxgen:index directive, before its fields are
// resolved.
type indexSpec struct {
	keys   []indexKeySpec
	unique bool
	sparse bool
	name   string
	ttl    time.Duration
	ttlPos model.Pos
	pos    model.Pos
}

type indexKeySpec struct {
	path string // Go field path, e.g. "Address.City"
	desc bool
	pos  model.Pos
}

// indexOption is an option of //mongotxgen:index after its fields.
type indexOption struct {
	Option
	value string // "" for a flag, else what its value is: "N", "DURATION"
	// set applies the option's value (val; "" for a flag) to spec, or
	// returns why it is malformed.
	set func(spec *indexSpec, val string) string
}

// indexGrammar is the grammar of the options of //mongotxgen:index, in the
// order they are written. The parser, its suggestions and the command's
// documentation ([IndexOptions], [IndexSyntax]) read it; adding an option is
// adding a line here and its field in indexSpec.
var indexGrammar = []indexOption{
	{Option{"unique", "a unique index"}, "", func(s *indexSpec, _ string) string { s.unique = true; return "" }},
	{Option{"sparse", "a sparse index: documents without the fields are left out"}, "", func(s *indexSpec, _ string) string { s.sparse = true; return "" }},
	{Option{"name", "the index's name; without it the index gets the name mongod would give it (\"owner_1_balance_-1\")"}, "N", setIndexName},
	{Option{"ttl", "a TTL index (time.ParseDuration syntax, positive, whole seconds); it needs a single key of type time.Time, *time.Time or bson.DateTime"}, "DURATION", setIndexTTL},
}

func setIndexName(spec *indexSpec, val string) string {
	if val == "" {
		return "empty index name"
	}
	spec.name = val
	return ""
}

func setIndexTTL(spec *indexSpec, val string) string {
	dur, err := time.ParseDuration(val)
	switch {
	case err != nil:
		return "ttl=" + val + ": not a duration like 24h or 30m"
	case dur <= 0:
		return "ttl=" + val + ": must be positive"
	case dur%time.Second != 0:
		return "ttl=" + val + ": must be whole seconds (MongoDB's expireAfterSeconds)"
	}
	spec.ttl = dur
	return ""
}

// IndexSyntax is the form of //mongotxgen:index's arguments:
// FIELD[,FIELD...] [unique] [sparse] [name=N] [ttl=DURATION].
func IndexSyntax() string {
	var b strings.Builder
	b.WriteString("FIELD[,FIELD...]")
	for _, o := range indexGrammar {
		b.WriteString(" [" + o.Name)
		if o.value != "" {
			b.WriteString("=" + o.value)
		}
		b.WriteString("]")
	}
	return b.String()
}

// IndexOptions returns the options of //mongotxgen:index, in order, each
// named as written ("name=N").
func IndexOptions() []Option {
	out := make([]Option, len(indexGrammar))
	for i, o := range indexGrammar {
		out[i] = o.Option
		if o.value != "" {
			out[i].Name += "=" + o.value
		}
	}
	return out
}

// parseIndex parses the arguments of //mongotxgen:index (see IndexSyntax).
func parseIndex(d directive, errs *errorSink) (*indexSpec, bool) {
	if len(d.args) == 0 {
		errs.add(d.pos, "malformed //mongotxgen:index directive: want %s", IndexSyntax())
		return nil, false
	}
	spec := &indexSpec{pos: d.pos}
	ok := parseIndexKeys(d.args[0], spec, errs)
	seen := map[string]bool{}
	for _, w := range d.args[1:] {
		name, val, hasVal := strings.Cut(w.text, "=")
		if seen[name] {
			errs.add(w.pos, "duplicate option %q in //mongotxgen:index directive", name)
			ok = false
			continue
		}
		seen[name] = true
		if msg := applyIndexOption(spec, name, val, hasVal); msg != "" {
			errs.add(w.pos, "%s", msg)
			ok = false
		}
		if name == "ttl" {
			spec.ttlPos = w.pos
		}
	}
	return spec, ok
}

// applyIndexOption applies the option name (=val when hasVal) to spec, or
// returns the error to report.
func applyIndexOption(spec *indexSpec, name, val string, hasVal bool) string {
	names := make([]string, len(indexGrammar))
	for i, o := range indexGrammar {
		names[i] = o.Name
		if o.Name != name {
			continue
		}
		var msg string
		switch {
		case o.value == "" && hasVal:
			msg = "option " + name + " takes no value"
		case o.value != "" && !hasVal:
			msg = "option " + name + " needs a value (" + name + "=...)"
		default:
			msg = o.set(spec, val)
		}
		if msg != "" {
			return "malformed //mongotxgen:index directive: " + msg
		}
		return ""
	}
	text := name
	if hasVal {
		text += "=" + val
	}
	return fmt.Sprintf("unknown option %q in //mongotxgen:index directive%s", text, suggest(name, names...))
}

// parseIndexKeys parses FIELD[,FIELD...] into spec.keys.
func parseIndexKeys(keys word, spec *indexSpec, errs *errorSink) bool {
	ok := true
	off := 0
	for _, part := range strings.Split(keys.text, ",") {
		pos := keys.pos
		pos.Col += off
		off += len(part) + 1
		k := indexKeySpec{path: part, pos: pos}
		if strings.HasPrefix(part, "-") {
			k.desc = true
			k.path = part[1:]
		}
		if !validFieldPath(k.path) {
			errs.add(pos, "malformed //mongotxgen:index directive: %q is not a Go field path (like Owner or Address.City, - in front for descending)", part)
			ok = false
			continue
		}
		spec.keys = append(spec.keys, k)
	}
	return ok
}

// validFieldPath reports whether s is a dot-separated list of Go identifiers.
func validFieldPath(s string) bool {
	if s == "" {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if !token.IsIdentifier(part) {
			return false
		}
	}
	return true
}
