package generator

import (
	"reflect"
	"strings"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// Option is one option of an annotation's grammar, with what it does.
type Option struct {
	Name string // "unique", or "name=N" for an option with a value
	Doc  string // one sentence
}

// tagOptions is a set of options of a field's mongotxgen struct tag.
type tagOptions uint8

const (
	optUnique tagOptions = 1 << iota
	optIndex
	optVersion
	optCreated
	optUpdated
	optDeleted
)

// tagGrammar is the grammar of the mongotxgen struct tag, `mongotxgen:"OPT[,OPT]"`,
// in the order options are applied. The parser, its suggestions, the
// command's documentation ([TagOptions]) and the validation read it: adding
// an option is adding a line here, its field in the model, and the code
// templates emit for it.
var tagGrammar = []struct {
	opt tagOptions
	Option
	// exclusive options exclude each other: one field is at most one of
	// them.
	exclusive bool
	// apply checks the option on field e and records it in the model.
	apply func(tv *typeValidation, e *entry, opt string)
}{
	{optUnique, Option{"unique", "a unique index on the field, and a GetBy<Field> method"}, false, (*typeValidation).indexOption},
	{optIndex, Option{"index", "an index on the field, and a FindBy<Field> method"}, false, (*typeValidation).indexOption},
	{optVersion, Option{"version", "an optimistic-locking counter: int, int32 or int64 (the integer kinds mongod's $inc keeps as they are); Insert starts it at 1, Replace checks and increments it"}, true,
		func(tv *typeValidation, e *entry, opt string) {
			if tv.special(e, opt, &tv.version, versionType(e.typ)) {
				e.f.Version, tv.t.Version = true, e.f
			}
		}},
	{optCreated, Option{"created", "a time.Time set by Insert"}, true,
		func(tv *typeValidation, e *entry, opt string) {
			if tv.special(e, opt, &tv.created, model.StampTypeError(e.f.Type)) {
				e.f.Created, tv.t.Created = true, e.f
			}
		}},
	{optUpdated, Option{"updated", "a time.Time set by Insert and every update"}, true,
		func(tv *typeValidation, e *entry, opt string) {
			if tv.special(e, opt, &tv.updated, model.StampTypeError(e.f.Type)) {
				e.f.Updated, tv.t.Updated = true, e.f
			}
		}},
	{optDeleted, Option{"deleted", "a *time.Time soft-delete mark set by Delete and DeleteMany; the other operations leave such documents out unless given runtime.WithDeleted(); adds Restore and HardDelete"}, true,
		func(tv *typeValidation, e *entry, opt string) {
			if tv.special(e, opt, &tv.deleted, deletedTypeError(e.f.Type)) {
				e.f.Deleted, tv.t.Deleted = true, e.f
			}
		}},
}

// deletedTypeError returns why a field of type t cannot be the deleted
// mark, or "": only *time.Time, whose nil is the live state and is stored
// as null (or left out with omitempty), which {deleted: null} matches.
func deletedTypeError(t model.TypeRef) string {
	if t.Kind == model.Pointer && t.Elem.Kind == model.Named && t.Elem.PkgPath == "time" && t.Elem.Name == "Time" {
		return ""
	}
	return "a deleted field must be *time.Time"
}

// TagOptions returns the options of the mongotxgen struct tag, in order.
func TagOptions() []Option {
	out := make([]Option, len(tagGrammar))
	for i, g := range tagGrammar {
		out[i] = g.Option
	}
	return out
}

func (o tagOptions) has(opt tagOptions) bool { return o&opt != 0 }

func (o tagOptions) any() bool { return o != 0 }

// names lists the options of o as the tag writes them: "unique,version".
func (o tagOptions) names() string {
	var n []string
	for _, g := range tagGrammar {
		if o.has(g.opt) {
			n = append(n, g.Name)
		}
	}
	return strings.Join(n, ",")
}

// parseTagOptions parses `mongotxgen:"OPT[,OPT]"`.
func (b *builder) parseTagOptions(tag reflect.StructTag, field string, pos model.Pos) tagOptions {
	var o tagOptions
	val, ok := tag.Lookup("mongotxgen")
	if !ok {
		return o
	}
	byName := map[string]tagOptions{}
	names := make([]string, len(tagGrammar))
	for i, g := range tagGrammar {
		byName[g.Name], names[i] = g.opt, g.Name
	}
	seen := map[string]bool{}
	for _, name := range strings.Split(val, ",") {
		if seen[name] {
			b.errs.add(pos, "duplicate option %q in mongotxgen tag of field %s", name, field)
			continue
		}
		seen[name] = true
		switch opt, known := byName[name]; {
		case known:
			o |= opt
		case name == "":
			b.errs.add(pos, "malformed mongotxgen tag %q of field %s: empty option", val, field)
		default:
			b.errs.add(pos, "unknown option %q in mongotxgen tag of field %s%s", name, field, suggest(name, names...))
		}
	}
	if o.has(optUnique) && o.has(optIndex) {
		b.errs.add(pos, "mongotxgen tag of field %s has both unique and index: unique already creates an index", field)
		o &^= optIndex
	}
	return o
}

// bsonTag is the driver's reading of a field's struct tag; see
// parseStructTags in go.mongodb.org/mongo-driver/v2/bson.
type bsonTag struct {
	name      string
	omitEmpty bool
	inline    bool
	skip      bool
	minSize   bool
	truncate  bool
}

// parseBSONTag reads a struct tag exactly as the driver's default struct
// codec does: the bson key, or the whole tag when it has no key: value pairs
// at all (the mgo-era form `"name,omitempty"`); no name means the Go field
// name lowercased in full ("OwnerID" → "ownerid"); a tag of exactly "-"
// skips the field. json tags are not consulted: the driver only reads them
// when a client opts in with UseJSONStructTags.
func parseBSONTag(goName string, tag reflect.StructTag) bsonTag {
	t := bsonTag{name: strings.ToLower(goName)}
	s, ok := tag.Lookup("bson")
	if !ok && !strings.Contains(string(tag), ":") && len(tag) > 0 {
		s = string(tag)
	}
	if s == "-" {
		t.skip = true
		return t
	}
	for i, part := range strings.Split(s, ",") {
		if i == 0 && part != "" {
			t.name = part
		}
		switch part {
		case "omitempty":
			t.omitEmpty = true
		case "inline":
			t.inline = true
		case "minsize":
			t.minSize = true
		case "truncate":
			t.truncate = true
		}
	}
	return t
}

// badKey returns why the driver's key name cannot be a stored field's
// key, or "". MongoDB stores such keys, but every query and update reads a
// dot as a path into sub-documents and a leading $ as an operator, so the
// typed fields would silently address something else.
func badKey(name string) string {
	switch {
	case strings.Contains(name, "."):
		return "contains '.', which queries and updates read as a path into sub-documents: choose a key without it"
	case strings.HasPrefix(name, "$"):
		return "starts with '$', which MongoDB reserves for operators: choose another key"
	}
	return ""
}
