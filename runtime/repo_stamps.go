package runtime

import (
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Stamp is a time.Time field that a [Repo] sets to the current time: a
// [Schema]'s Created or Updated field.
type Stamp[P any] struct {
	path  string
	field func(P) *time.Time
}

// NewStamp returns the stamp at the dotted BSON path, which field reaches
// in a document.
func NewStamp[P any](path string, field func(doc P) *time.Time) *Stamp[P] {
	return &Stamp[P]{path: path, field: field}
}

// Counter is the optimistic-lock version field of a [Schema]: an integer
// that every write of a [Repo] increments.
type Counter[P any] struct {
	path  string
	field counterField[P]
	inc   Update // {$inc: {path: 1}}, 1 in the field's own type
}

// NewCounter returns the counter at the dotted BSON path, which field
// reaches in a document. The counter keeps the field's type in what it
// sends (a $inc of an int32 1 leaves an int32 an int32 on the server).
func NewCounter[P any, V ~int | ~int32 | ~int64](path string, field func(doc P) *V) *Counter[P] {
	return &Counter[P]{
		path:  path,
		field: intField[P, V](field),
		inc:   opUpdate{op: "$inc", path: path, val: V(1)},
	}
}

// counterField reads and writes a counter of one of Go's integer types
// through int64, and gives a value back in the field's type.
type counterField[P any] interface {
	get(doc P) int64
	set(doc P, v int64)
	typed(v int64) any
}

type intField[P any, V ~int | ~int32 | ~int64] func(P) *V

func (f intField[P, V]) get(doc P) int64    { return int64(*f(doc)) }
func (f intField[P, V]) set(doc P, v int64) { *f(doc) = V(v) }
func (intField[P, V]) typed(v int64) any    { return V(v) }

// now is the time a stamp gets: the current time in UTC, truncated to the
// millisecond that a BSON datetime holds, so that a document read back
// equals the one written.
func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// stamped returns update with what every update of s's documents adds: the
// Updated stamp set to now and 1 added to the Version counter.
func (s *Schema[P]) stamped(update Update) Update {
	var set, inc Update
	if s.Updated != nil {
		set = opUpdate{op: "$set", path: s.Updated.path, val: now()}
	}
	if s.Version != nil {
		inc = s.Version.inc
	}
	if set == nil && inc == nil {
		return update
	}
	return Combine(update, set, inc)
}

// changed lists the fields of a document that a write set.
type changed uint8

const (
	changedID changed = 1 << iota
	changedCreated
	changedUpdated
	changedVersion
)

// undo is what a write changed in the caller's document before sending it,
// with the values those fields had: restore gives them back. Each write
// that changes the caller's document makes one, in stampInsert or
// stampReplace, before any driver call.
type undo[P any] struct {
	s                *Schema[P]
	doc              P
	changed          changed
	created, updated time.Time
	version          int64
}

// stampInsert prepares doc for an insert: a zero AutoID becomes a new
// ObjectID, the stamps are set to the current time, and the version starts
// at 1.
func (s *Schema[P]) stampInsert(doc P) undo[P] {
	u := undo[P]{s: s, doc: doc}
	if s.AutoID != nil {
		if id := s.AutoID(doc); id.IsZero() {
			*id = bson.NewObjectID()
			u.changed |= changedID
		}
	}
	if s.Created != nil || s.Updated != nil {
		t := now()
		if s.Created != nil {
			f := s.Created.field(doc)
			u.created, *f = *f, t
			u.changed |= changedCreated
		}
		if s.Updated != nil {
			f := s.Updated.field(doc)
			u.updated, *f = *f, t
			u.changed |= changedUpdated
		}
	}
	if s.Version != nil {
		u.version = s.Version.field.get(doc)
		s.Version.field.set(doc, 1)
		u.changed |= changedVersion
	}
	return u
}

// stampReplace prepares doc for a replacement: the Updated stamp is set to
// the current time and 1 is added to the version.
func (s *Schema[P]) stampReplace(doc P) undo[P] {
	u := undo[P]{s: s, doc: doc}
	if s.Updated != nil {
		f := s.Updated.field(doc)
		u.updated, *f = *f, now()
		u.changed |= changedUpdated
	}
	if s.Version != nil {
		u.version = s.Version.field.get(doc)
		s.Version.field.set(doc, u.version+1)
		u.changed |= changedVersion
	}
	return u
}

// restore gives the document the values it had before the write.
func (u *undo[P]) restore() {
	s, doc := u.s, u.doc
	if u.changed&changedID != 0 {
		*s.AutoID(doc) = bson.ObjectID{}
	}
	if u.changed&changedCreated != 0 {
		*s.Created.field(doc) = u.created
	}
	if u.changed&changedUpdated != 0 {
		*s.Updated.field(doc) = u.updated
	}
	if u.changed&changedVersion != 0 {
		s.Version.field.set(doc, u.version)
	}
}
