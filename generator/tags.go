package generator

import (
	"reflect"
	"strings"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// tagOptions are the options of a field's mongotxgen struct tag.
type tagOptions struct {
	unique, index, version, created, updated bool
}

func (o tagOptions) any() bool { return o.unique || o.index || o.version || o.created || o.updated }

func (o tagOptions) names() string {
	var n []string
	for _, x := range []struct {
		on   bool
		name string
	}{{o.unique, "unique"}, {o.index, "index"}, {o.version, "version"}, {o.created, "created"}, {o.updated, "updated"}} {
		if x.on {
			n = append(n, x.name)
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
	seen := map[string]bool{}
	for _, opt := range strings.Split(val, ",") {
		if seen[opt] {
			b.errs.add(pos, "duplicate option %q in mongotxgen tag of field %s", opt, field)
			continue
		}
		seen[opt] = true
		switch opt {
		case "unique":
			o.unique = true
		case "index":
			o.index = true
		case "version":
			o.version = true
		case "created":
			o.created = true
		case "updated":
			o.updated = true
		case "":
			b.errs.add(pos, "malformed mongotxgen tag %q of field %s: empty option", val, field)
		default:
			b.errs.add(pos, "unknown option %q in mongotxgen tag of field %s%s", opt, field,
				suggest(opt, "unique", "index", "version", "created", "updated"))
		}
	}
	if o.unique && o.index {
		b.errs.add(pos, "mongotxgen tag of field %s has both unique and index: unique already creates an index", field)
		o.index = false
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
