package runtime

import (
	"reflect"
	"time"
	"unsafe"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// counterKind reads and writes a counter of one of Go's integer kinds
// through int64, at its address, and gives a value in the counter's own
// type, for the filters and updates that send it.
type counterKind interface {
	get(p unsafe.Pointer) int64
	set(p unsafe.Pointer, v int64)
	value(v int64) any
}

type intKind[V int | int32 | int64] struct{}

func (intKind[V]) get(p unsafe.Pointer) int64    { return int64(*(*V)(p)) }
func (intKind[V]) set(p unsafe.Pointer, v int64) { *(*V)(p) = V(v) }
func (intKind[V]) value(v int64) any             { return V(v) }

// namedKind is the kind of a counter of a named integer type: read and
// written as its kind, sent in its own type, as the driver would encode the
// field.
type namedKind struct {
	counterKind
	t reflect.Type
}

func (k namedKind) value(v int64) any {
	return reflect.ValueOf(k.counterKind.value(v)).Convert(k.t).Interface()
}

// isCounterType reports whether t can be a version counter.
func isCounterType(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int32, reflect.Int64:
		return true
	}
	return false
}

// counterKindOf is the kind of a counter of type t, one isCounterType
// accepts.
func counterKindOf(t reflect.Type) counterKind {
	var k counterKind
	switch t.Kind() {
	case reflect.Int:
		k = intKind[int]{}
	case reflect.Int32:
		k = intKind[int32]{}
	default:
		k = intKind[int64]{}
	}
	if reflect.TypeOf(k.value(0)) != t {
		return namedKind{k, t}
	}
	return k
}

// is is the filter element a write conditioned on version v makes.
func (c *counterAt) is(v int64) bson.E { return versionIs(c.path, c.kind.value(v), v == 0) }

// now is the time a stamp gets: the current time in UTC, truncated to the
// millisecond that a BSON datetime holds, so that a document read back
// equals the one written.
func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// stamped returns update with what every update of s's documents adds: the
// Updated stamp set to now and 1 added to the Version counter.
func (s *schema) stamped(update Update) Update {
	var set, inc Update
	if s.updated.set {
		set = opUpdate{op: "$set", path: s.updated.path, val: now()}
	}
	if s.version != nil {
		inc = s.version.inc
	}
	if set == nil && inc == nil {
		return update
	}
	return Combine(update, set, inc)
}

// undo is what a write changed in the caller's document before sending it,
// with the values those fields had: restore gives them back. Each write
// that changes the caller's document makes one, in stampInsert or
// stampReplace, before any driver call.
type undo struct {
	id         *bson.ObjectID // set to a new ObjectID, or nil
	created    *time.Time     // stamped because it was zero, or nil
	updated    *time.Time     // stamped, or nil
	oldUpdated time.Time
	version    unsafe.Pointer // the counter, or nil
	counter    *counterAt
	oldVersion int64
}

// stamps reports whether stampInsert changes documents.
func (s *schema) stamps() bool {
	return s.autoID || s.created.set || s.updated.set || s.version != nil
}

// stampInsert prepares doc for an insert: a zero ObjectID _id becomes a new
// ObjectID, the stamps are set to the current time (a Created the caller
// set is kept, so that imported documents keep their creation time), and
// the version starts at 1.
func (s *schema) stampInsert(doc any) undo {
	var u undo
	if !s.stamps() {
		return u
	}
	p := s.addr(doc)
	if s.autoID {
		if id := s.objectID(p); id.IsZero() {
			*id = bson.NewObjectID()
			u.id = id
		}
	}
	if s.created.set || s.updated.set {
		t := now()
		if s.created.set {
			if created := s.created.time(p); created.IsZero() {
				u.created = created
				*created = t
			}
		}
		if s.updated.set {
			u.updated = s.updated.time(p)
			u.oldUpdated, *u.updated = *u.updated, t
		}
	}
	if c := s.version; c != nil {
		u.version, u.counter = unsafe.Add(p, c.at), c
		u.oldVersion = c.kind.get(u.version)
		c.kind.set(u.version, 1)
	}
	return u
}

// stampReplace prepares doc for a replacement: the Updated stamp is set to
// the current time and 1 is added to the version.
func (s *schema) stampReplace(doc any) undo {
	var u undo
	if !s.updated.set && s.version == nil {
		return u
	}
	p := s.addr(doc)
	if s.updated.set {
		u.updated = s.updated.time(p)
		u.oldUpdated, *u.updated = *u.updated, now()
	}
	if c := s.version; c != nil {
		u.version, u.counter = unsafe.Add(p, c.at), c
		u.oldVersion = c.kind.get(u.version)
		c.kind.set(u.version, u.oldVersion+1)
	}
	return u
}

// changed reports whether the write changed the document.
func (u *undo) changed() bool {
	return u.id != nil || u.created != nil || u.updated != nil || u.version != nil
}

// restore gives the document the values it had before the write.
func (u *undo) restore() {
	if u.id != nil {
		*u.id = bson.ObjectID{}
	}
	if u.created != nil {
		*u.created = time.Time{}
	}
	if u.updated != nil {
		*u.updated = u.oldUpdated
	}
	if u.version != nil {
		u.counter.kind.set(u.version, u.oldVersion)
	}
}
