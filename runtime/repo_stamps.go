package runtime

import (
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Stamp is a time.Time field that a [Repo] sets to the current time: a
// [Schema]'s Created or Updated field.
type Stamp struct {
	path  string
	field func(doc any) *time.Time
}

// NewStamp returns the stamp at the dotted BSON path, which field reaches
// in a document.
func NewStamp(path string, field func(doc any) *time.Time) *Stamp {
	return &Stamp{path: path, field: field}
}

// Counter is the optimistic-lock version field of a [Schema]: an integer
// that every write of a [Repo] increments.
type Counter struct {
	path  string
	field func(doc any) any // the field's address, a *V
	kind  counterKind       // reads and writes a *V
	inc   Update            // {$inc: {path: 1}}, 1 in the field's own type
}

// NewCounter returns the counter at the dotted BSON path, which field
// reaches in a document. The counter keeps the field's type in what it
// sends (a $inc of an int32 1 leaves an int32 an int32 on the server).
func NewCounter[V ~int | ~int32 | ~int64](path string, field func(doc any) *V) *Counter {
	return &Counter{
		path:  path,
		field: func(doc any) any { return field(doc) },
		kind:  intKind[V]{},
		inc:   opUpdate{op: "$inc", path: path, val: V(1)},
	}
}

// counterKind reads and writes a counter, a *V of one of Go's integer
// types, through int64, and filters on it in the counter's type.
type counterKind interface {
	get(field any) int64
	set(field any, v int64)
	is(path string, v int64) bson.E // the filter element VersionIs makes
}

type intKind[V ~int | ~int32 | ~int64] struct{}

func (intKind[V]) get(field any) int64    { return int64(*field.(*V)) }
func (intKind[V]) set(field any, v int64) { *field.(*V) = V(v) }
func (intKind[V]) is(path string, v int64) bson.E {
	return VersionIs(path, V(v))
}

// now is the time a stamp gets: the current time in UTC, truncated to the
// millisecond that a BSON datetime holds, so that a document read back
// equals the one written.
func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// stamped returns update with what every update of s's documents adds: the
// Updated stamp set to now and 1 added to the Version counter.
func (s *Schema) stamped(update Update) Update {
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

// undo is what a write changed in the caller's document before sending it,
// with the values those fields had: restore gives them back. Each write
// that changes the caller's document makes one, in stampInsert or
// stampReplace, before any driver call.
type undo struct {
	id         *bson.ObjectID // set to a new ObjectID, or nil
	created    *time.Time     // stamped because it was zero, or nil
	updated    *time.Time     // stamped, or nil
	oldUpdated time.Time
	version    any // the counter, a *V, or nil
	kind       counterKind
	oldVersion int64
}

// stamps reports whether stampInsert changes documents.
func (s *Schema) stamps() bool {
	return s.AutoID != nil || s.Created != nil || s.Updated != nil || s.Version != nil
}

// stampInsert prepares doc for an insert: a zero AutoID becomes a new
// ObjectID, the stamps are set to the current time (a Created the caller
// set is kept, so that imported documents keep their creation time), and
// the version starts at 1.
func (s *Schema) stampInsert(doc any) undo {
	var u undo
	if s.AutoID != nil {
		if id := s.AutoID(doc); id.IsZero() {
			*id = bson.NewObjectID()
			u.id = id
		}
	}
	if s.Created != nil || s.Updated != nil {
		t := now()
		if s.Created != nil {
			if created := s.Created.field(doc); created.IsZero() {
				u.created = created
				*created = t
			}
		}
		if s.Updated != nil {
			u.updated = s.Updated.field(doc)
			u.oldUpdated, *u.updated = *u.updated, t
		}
	}
	if c := s.Version; c != nil {
		u.version, u.kind = c.field(doc), c.kind
		u.oldVersion = u.kind.get(u.version)
		u.kind.set(u.version, 1)
	}
	return u
}

// stampReplace prepares doc for a replacement: the Updated stamp is set to
// the current time and 1 is added to the version.
func (s *Schema) stampReplace(doc any) undo {
	var u undo
	if s.Updated != nil {
		u.updated = s.Updated.field(doc)
		u.oldUpdated, *u.updated = *u.updated, now()
	}
	if c := s.Version; c != nil {
		u.version, u.kind = c.field(doc), c.kind
		u.oldVersion = u.kind.get(u.version)
		u.kind.set(u.version, u.oldVersion+1)
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
		u.kind.set(u.version, u.oldVersion)
	}
}
