package model

import (
	"go/token"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Names the generated file declares. The loader checks them against the
// package's own declarations; the emitter declares them.
const (
	StoreType = "Store"    // the package's store
	StoreCtor = "NewStore" // its constructor
)

// StoreMembers are the methods and fields of the generated Store besides
// its one field per collection type, which is named after the type.
var StoreMembers = []string{"EnsureIndexes", "WithTx", "bound", "db", "tx"}

// FieldsVar is the name of t's typed fields variable: AccountFields.
func (t *Type) FieldsVar() string { return t.Name + "Fields" }

// RepoType is the name of t's repository type: AccountRepo.
func (t *Type) RepoType() string { return t.Name + "Repo" }

// RepoCtor is the name of t's repository constructor: NewAccountRepo, or
// newAccountRepo for an unexported type.
func (t *Type) RepoCtor() string {
	r, n := utf8.DecodeRuneInString(t.Name)
	upper := string(unicode.ToUpper(r)) + t.Name[n:]
	if token.IsExported(t.Name) {
		return "New" + upper + "Repo"
	}
	return "new" + upper + "Repo"
}

// NestedFieldsType is the name of the type of the typed fields of f, a
// sub-document of t: AccountAddressFields for Account.Address.
func (t *Type) NestedFieldsType(f *Field) string { return t.Name + f.MethodSuffix() + "Fields" }

// GeneratedNames returns the package-level names generated for t, its
// nested fields types included, in field order.
func (t *Type) GeneratedNames() []string {
	names := []string{t.FieldsVar(), t.RepoType(), t.RepoCtor()}
	var walk func([]*Field)
	walk = func(fields []*Field) {
		for _, f := range fields {
			if len(f.Nested) > 0 {
				names = append(names, t.NestedFieldsType(f))
				walk(f.Nested)
			}
		}
	}
	walk(t.Fields)
	return names
}

// String returns p as file:line:col, or "-" for the zero Pos.
func (p Pos) String() string {
	if p.File == "" {
		return "-"
	}
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		b.WriteString(":" + strconv.Itoa(p.Line))
		if p.Col > 0 {
			b.WriteString(":" + strconv.Itoa(p.Col))
		}
	}
	return b.String()
}

// Short returns p as String does with the file's base name: the form used
// to point at another place inside a message ("first at a.go:5:1").
func (p Pos) Short() string {
	if i := strings.LastIndexAny(p.File, `/\`); i >= 0 {
		p.File = p.File[i+1:]
	}
	return p.String()
}

// StampTypeError returns why a field of type t cannot be a created or
// updated stamp, or "". Only time.Time: a pointer would add a nil state that
// the repository overwrites on every write anyway.
func StampTypeError(t TypeRef) string {
	if t.Kind == Named && t.PkgPath == "time" && t.Name == "Time" {
		return ""
	}
	return "created and updated fields must be time.Time"
}
