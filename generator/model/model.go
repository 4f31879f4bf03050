// Package model is the validated description of what mongotxgen generates for
// one Go package: the annotated collection types, their fields with the BSON
// paths the driver writes, their indexes and lookups.
//
// The loader (package generator) builds it from source and validates it; the
// emitter (package templates) renders it. It is plain data, sorted so that the
// same input always gives the same output, and it imports no code-generation
// library.
package model

import (
	"strings"
	"time"
)

// Pos is a source position, printed as file:line:col.
type Pos struct {
	File string // as given to the compiler (absolute)
	Line int
	Col  int
}

// Package is one Go package with at least one annotated type.
type Package struct {
	Name   string  // Go package name, e.g. "shop"
	Path   string  // import path
	Dir    string  // directory holding the sources
	Output string  // absolute path of the file to write
	Types  []*Type // sorted by Name

	// Declared are the names the package's own files declare at package
	// level, sorted: the generated file must not import a package under
	// one of them.
	Declared []string
	// BuildConstraint is the //go:build expression the generated file
	// needs, "" for none: that of the files declaring the types it uses,
	// when they have one.
	BuildConstraint string
	// Codecs are the struct types that get generated BSON codecs: the
	// annotated types and the struct types of the package they contain,
	// sorted by Name.
	Codecs []*Codec
}

// Type is a struct type annotated with //mongotxgen:collection.
type Type struct {
	Name       string // Go type name, e.g. "Account"
	Collection string // collection name, e.g. "accounts"
	Pos        Pos    // of the collection directive

	// Fields are the fields of the stored document in declaration order.
	// Fields of an inline (flattened) struct appear in place, at this level,
	// with GoPath going through the embedded or inline field.
	Fields []*Field

	ID      *Field // the field stored as _id; required
	Version *Field // tagged version, or nil
	Created *Field // tagged created, or nil
	Updated *Field // tagged updated, or nil
	Deleted *Field // tagged deleted (a *time.Time), or nil: documents are deleted for good

	// BeforeSave and AfterLoad report that the type (or its pointer) has
	// the hook method of that name, BeforeSave(ctx context.Context) error
	// or AfterLoad(ctx context.Context) error.
	BeforeSave, AfterLoad bool

	// Indexes are every index to ensure: from field tags (unique, index) in
	// field order, then from //mongotxgen:index directives in source order.
	Indexes []*Index
}

// Field is one field of a stored document.
type Field struct {
	GoName   string // the Go field name, e.g. "City"
	GoPath   string // selector from the collection type, e.g. "Address.City" or "Base.ID"
	BSONName string // the key the driver writes, e.g. "city"
	BSONPath string // dotted path from the document root, e.g. "address.city"
	Type     TypeRef
	Pos      Pos

	OmitEmpty bool // the bson tag has omitempty

	// Kind is the runtime field kind the typed field gets, from the Go type.
	Kind FieldKind
	// Elem is the element type of a field of SliceKind or StructSliceKind
	// (of Type's underlying slice type when Type is named), nil otherwise.
	Elem *TypeRef
	// Multikey reports that the path passes through an array (a field of the
	// elements of a slice of structs): filters on it have MongoDB's
	// any-element meaning and an index on it is a multikey index.
	Multikey bool

	// Nested holds the fields of a struct-typed field that is stored as an
	// embedded document (not inline); nil otherwise. For a pointer to such a
	// struct it holds the pointed-to struct's fields; for a slice of structs
	// (Kind StructSliceKind) the fields of its elements, at "path.sub".
	Nested []*Field

	Unique  bool // tag option unique: unique index and GetBy<Field>
	Index   bool // tag option index: index and FindBy<Field>
	Version bool // tag option version: integer optimistic-lock counter
	Created bool // tag option created: time.Time set on insert
	Updated bool // tag option updated: time.Time set on insert and every write
	Deleted bool // tag option deleted: *time.Time soft-delete mark
}

// MethodSuffix is the name used in GetBy/FindBy method names and in nested
// field type names: the Go path with the dots removed ("AddressCity").
func (f *Field) MethodSuffix() string {
	out := make([]byte, 0, len(f.GoPath))
	for i := 0; i < len(f.GoPath); i++ {
		if f.GoPath[i] != '.' {
			out = append(out, f.GoPath[i])
		}
	}
	return string(out)
}

// FieldKind is the runtime field kind of a typed field, chosen from its Go
// type: it decides which operators compile on it.
type FieldKind int

const (
	ValueKind       FieldKind = iota // runtime.ValueField: bool, sub-documents, maps, anything else
	OrderedKind                      // runtime.OrderedField: time.Time, ObjectIDs, decimals, pointers to ordered values
	NumberKind                       // runtime.NumberField: integer and float kinds, named ones too
	StringKind                       // runtime.StringField: ~string
	SliceKind                        // runtime.SliceField[E] of a []E
	StructSliceKind                  // runtime.StructSliceField[S] of a []S, S a struct stored as sub-documents
)

var runtimeTypes = [...]string{
	ValueKind:       "ValueField",
	OrderedKind:     "OrderedField",
	NumberKind:      "NumberField",
	StringKind:      "StringField",
	SliceKind:       "SliceField",
	StructSliceKind: "StructSliceField",
}

// RuntimeType is the name of the kind's generic type in package runtime,
// which is also the name of the member a nested fields type embeds;
// its constructor is "New" + the name.
func (k FieldKind) RuntimeType() string { return runtimeTypes[k] }

// TypeKind classifies a TypeRef.
type TypeKind int

const (
	Basic   TypeKind = iota // a predeclared type: string, int64, bool, ...
	Named                   // a named type, possibly from another package
	Pointer                 // *Elem
	Slice                   // []Elem
	Array                   // [Len]Elem
	Map                     // map[Key]Elem
)

// TypeRef describes a Go type well enough to write it in generated code.
type TypeRef struct {
	Kind    TypeKind
	Name    string   // Basic: "int64"; Named: "ObjectID"
	PkgPath string   // Named: import path, "" for the generated package's own types
	PkgName string   // Named: the package's name ("bson", "module"), "" with PkgPath ""
	Elem    *TypeRef // Pointer, Slice, Array, Map
	Key     *TypeRef // Map
	Len     int64    // Array
}

// Index is one index the repository's EnsureIndexes creates.
type Index struct {
	Name   string     // explicit name=, else the server's default ("owner_1_balance_-1")
	Keys   []IndexKey // in order
	Unique bool
	Sparse bool
	TTL    time.Duration // expireAfterSeconds; 0 means none
	// LiveOnly is the BSON path of a soft-deleted type's deleted field
	// for a unique index, which holds only the documents not deleted:
	// partialFilterExpression {path: null}. "" for other indexes.
	LiveOnly string
	Pos      Pos
}

// DefaultName is the name mongod gives an index created without one: each
// key's BSON path and direction joined by underscores, "owner_1_balance_-1".
func (ix *Index) DefaultName() string {
	var sb strings.Builder
	for i, k := range ix.Keys {
		if i > 0 {
			sb.WriteByte('_')
		}
		sb.WriteString(k.Field.BSONPath)
		if k.Desc {
			sb.WriteString("_-1")
		} else {
			sb.WriteString("_1")
		}
	}
	return sb.String()
}

// IndexKey is one key of an index.
type IndexKey struct {
	Field *Field // the field it names
	Desc  bool   // descending (written -Field)
}
