package runtime

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"
	"unsafe"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Schema is what a [Repo] knows of one collection type's documents: their
// Go type, which field is their _id, which fields the repository maintains
// and which indexes they declare. It is data, not code: the generator
// declares one per collection type as a composite literal of constants,
// which the compiler lays out statically, for example:
//
//	var schemaOfAccount = runtime.Schema{
//		Doc:     (*Account)(nil),
//		ID:      "ID",
//		Updated: &runtime.Stamp{Path: "updated", Field: "Updated"},
//		Version: &runtime.Counter{Path: "version", Field: "Version"},
//		Indexes: []runtime.Index{{Keys: bson.D{{Key: "owner", Value: 1}}, Unique: true}},
//	}
//
// Fields are named by their Go selector path from the document type
// ("Meta.Updated" for the Updated field of a struct field or embedded struct
// Meta), through structs, never through pointers. The first [NewRepo] of a
// Schema resolves the names by reflection into offsets in the struct and
// checks their types; from then on the repository reaches the fields
// directly. A name that does not resolve, or a field of another type than
// its entry requires, panics with a message naming the type and the field:
// generated code only does that when it is stale against the types it was
// generated from (run mongotxgen again).
//
// The type's hooks are its methods, found by the same resolution: a *T
// with the method BeforeSave(ctx context.Context) error (value or pointer
// receiver) has it run before every write that stores the whole document,
// and one with AfterLoad(ctx context.Context) error after every decode
// (see the hooks in repo_hooks.go).
//
// A Schema is read, never changed, by the Repos that use it, but for that
// resolution, made once: one Schema serves every goroutine. It must not be
// copied once in use.
type Schema struct {
	// Doc is a nil pointer of the document type, (*T)(nil): reads decode
	// into new Ts, and writes take *Ts.
	Doc any

	// ID is the Go field of the _id. When its type is bson.ObjectID, Insert
	// gives a zero one a new ObjectID.
	ID string

	// Created is set to the current time on insert; Updated on insert and
	// on every write. Nil when the type has no such field.
	Created, Updated *Stamp

	// Version is the optimistic-lock counter, or nil: it starts at 1 on
	// insert, and every write adds 1 to it; Replace requires the stored
	// value to be the document's.
	Version *Counter

	// Indexes are the indexes EnsureIndexes creates.
	Indexes []Index

	// Decode, when not nil, decodes the BSON document data into doc:
	// reads then decode each document from the reply's bytes, without the
	// driver's decoder. When nil, a document with its own UnmarshalBSON
	// method (a type with a generated codec) is decoded with it, and any
	// other with the driver's decoder. Generated schemas leave it out.
	Decode func(doc any, data []byte) error

	// Deleted is the BSON path of the soft-delete mark, a *time.Time that
	// Delete sets, or "" when the type is deleted for good
	// (repo_softdelete.go).
	Deleted string

	once     sync.Once
	resolved *schema
}

// Stamp is a time.Time field that a [Repo] sets to the current time: a
// [Schema]'s Created or Updated field.
type Stamp struct {
	Path  string // the field's dotted BSON path: "meta.updated"
	Field string // its Go selector path: "Meta.Updated"
}

// Counter is the optimistic-lock version field of a [Schema]: a field of
// an integer type of kind int, int32 or int64, which every write of a
// [Repo] increments. The repository sends it in the field's own type (a
// $inc of an int32 1 leaves an int32 an int32 on the server).
type Counter struct {
	Path  string // the field's dotted BSON path: "version"
	Field string // its Go selector path: "Version"
}

// schema is a Schema resolved: its Go field names made offsets in the
// document, checked against the types its entries require. Repos hold it.
type schema struct {
	*Schema
	ptr reflect.Type // *T, the type of the documents Repo methods take

	idAt   uintptr                    // the offset of the _id field
	idOf   func(p unsafe.Pointer) any // reads the _id at p, in its own type
	autoID bool                       // the _id is a bson.ObjectID

	created, updated stampAt
	version          *counterAt

	hasBeforeSave, hasAfterLoad bool // *T has the hook

	indexes []mongo.IndexModel // Indexes, as the driver takes them

	// decode is Decode, or unmarshalSelf for a *T with its own
	// UnmarshalBSON, or nil for the driver's decoder.
	decode func(doc any, data []byte) error
}

// stampAt is a resolved Stamp: set reports that the schema has it.
type stampAt struct {
	set  bool
	path string
	at   uintptr
}

// counterAt is a resolved Counter.
type counterAt struct {
	path string
	at   uintptr
	kind counterKind // reads, writes and sends the field's integer type
	inc  Update      // {$inc: {path: 1}}, 1 in the field's own type
}

// resolve returns s resolved, resolving it at its first call.
func (s *Schema) resolve() *schema {
	s.once.Do(func() { s.resolved = s.build() })
	return s.resolved
}

var (
	objectIDType = reflect.TypeFor[bson.ObjectID]()
	timeType     = reflect.TypeFor[time.Time]()
)

// build resolves s by reflection, panicking on what only stale generated
// code can get wrong.
func (s *Schema) build() *schema {
	ptr := reflect.TypeOf(s.Doc)
	if ptr == nil || ptr.Kind() != reflect.Pointer || ptr.Elem().Kind() != reflect.Struct {
		panic(fmt.Sprintf("runtime: Schema.Doc is %T, want a nil pointer to the document's struct type", s.Doc))
	}
	r := &schema{Schema: s, ptr: ptr}
	if s.ID == "" {
		r.stale("names no ID field")
	}
	var idType reflect.Type
	r.idAt, idType = r.field(s.ID, "the _id", nil)
	r.autoID = idType == objectIDType
	r.idOf = idReader(idType)
	for _, st := range []struct {
		stamp *Stamp
		to    *stampAt
		what  string
	}{{s.Created, &r.created, "a created stamp"}, {s.Updated, &r.updated, "an updated stamp"}} {
		if st.stamp != nil {
			at, _ := r.field(st.stamp.Field, st.what, func(t reflect.Type) bool { return t == timeType })
			*st.to = stampAt{set: true, path: st.stamp.Path, at: at}
		}
	}
	if c := s.Version; c != nil {
		at, t := r.field(c.Field, "a version counter (int, int32 or int64)", isCounterType)
		kind := counterKindOf(t)
		r.version = &counterAt{path: c.Path, at: at, kind: kind,
			inc: opUpdate{op: "$inc", path: c.Path, val: kind.value(1)}}
	}
	r.hasBeforeSave = ptr.Implements(reflect.TypeFor[beforeSaver]())
	r.hasAfterLoad = ptr.Implements(reflect.TypeFor[afterLoader]())
	for _, ix := range s.Indexes {
		r.indexes = append(r.indexes, ix.model())
	}
	r.decode = s.Decode
	if r.decode == nil && ptr.Implements(reflect.TypeFor[bson.Unmarshaler]()) {
		r.decode = unmarshalSelf
	}
	return r
}

// field resolves the Go selector path of a field of the document type to
// its offset and type, panicking when there is no such field, when the path
// goes through a pointer, or when ok, if not nil, refuses the field's type;
// what says what the field is for.
func (r *schema) field(path, what string, ok func(reflect.Type) bool) (uintptr, reflect.Type) {
	t, at := r.ptr.Elem(), uintptr(0)
	for name := range strings.SplitSeq(path, ".") {
		if t.Kind() != reflect.Struct {
			r.stale("names field %s, which is reached through a %s", path, t)
		}
		f, found := t.FieldByName(name)
		if !found {
			r.stale("names field %s, which %s does not have", path, r.ptr.Elem())
		}
		// A promoted field is reached through the fields it is embedded in.
		for k, i := range f.Index {
			if k > 0 && t.Kind() != reflect.Struct {
				r.stale("names field %s, which is reached through a %s", path, t)
			}
			sf := t.Field(i)
			t, at = sf.Type, at+sf.Offset
		}
	}
	if ok != nil && !ok(t) {
		r.stale("has field %s of type %s as %s", path, t, what)
	}
	return at, t
}

// stale panics with what is wrong with the schema, which only generated
// code older than its types can get wrong.
func (r *schema) stale(format string, args ...any) {
	panic(fmt.Sprintf("runtime: the Schema of %s ", r.ptr.Elem()) + fmt.Sprintf(format, args...) + " (rerun mongotxgen)")
}

// idReader is how the _id of type t is read at its address: without
// reflection for the usual types.
func idReader(t reflect.Type) func(p unsafe.Pointer) any {
	switch t {
	case objectIDType:
		return readAs[bson.ObjectID]
	case reflect.TypeFor[string]():
		return readAs[string]
	case reflect.TypeFor[int64]():
		return readAs[int64]
	case reflect.TypeFor[int32]():
		return readAs[int32]
	case reflect.TypeFor[int]():
		return readAs[int]
	}
	return func(p unsafe.Pointer) any { return reflect.NewAt(t, p).Elem().Interface() }
}

func readAs[V any](p unsafe.Pointer) any { return *(*V)(p) }

// addr is the address of doc, which must be a non-nil *T: Repo methods
// take documents in an any, and the fields the schema resolved are reached
// from it.
func (r *schema) addr(doc any) unsafe.Pointer {
	if reflect.TypeOf(doc) != r.ptr {
		panic(fmt.Sprintf("runtime: a %T given to a repository of %s", doc, r.ptr))
	}
	p := reflect.ValueOf(doc).UnsafePointer()
	if p == nil {
		panic(fmt.Sprintf("runtime: a nil %s given to a repository", r.ptr))
	}
	return p
}

// newDoc returns a new zero document, a *T, for a read to decode into.
func (r *schema) newDoc() any { return reflect.New(r.ptr.Elem()).Interface() }

// id is the _id of doc.
func (r *schema) id(doc any) any { return r.idOf(unsafe.Add(r.addr(doc), r.idAt)) }

// objectID is the _id field of the document at p, of a schema whose _id
// is an ObjectID.
func (r *schema) objectID(p unsafe.Pointer) *bson.ObjectID {
	return (*bson.ObjectID)(unsafe.Add(p, r.idAt))
}

// time is the stamp st of the document at p.
func (st stampAt) time(p unsafe.Pointer) *time.Time { return (*time.Time)(unsafe.Add(p, st.at)) }

// The hooks, as methods of *T.
type (
	beforeSaver interface {
		BeforeSave(ctx context.Context) error
	}
	afterLoader interface {
		AfterLoad(ctx context.Context) error
	}
)
