package runtime

import "fmt"

// BulkOp is one write of a repository's BulkWrite on documents of type T:
//
//	res, err := store.Book.BulkWrite(ctx,
//		runtime.InsertOp(&book),
//		runtime.UpdateOneOp(BookFields.ID.Eq(id), BookFields.Copies.Inc(-1)),
//		runtime.DeleteManyOp(BookFields.Copies.Lte(0)))
//
// The ops that take filters fit a BulkOp of every T, so they need no type
// argument; the ops that carry a document are of that document's type, and
// a BulkWrite refuses, before it sends anything, a document of another type
// than its own. The ops get the stamps and versions the single-document
// methods apply: an insert as Insert, a replacement as Replace (checked and
// bumped version), an update as UpdateMany (updated set, version bumped).
type BulkOp[T any] interface {
	bulkOp() (kind BulkKind, filter Filter, update Update, doc any)
}

// BulkKind says what a [BulkOp] does.
type BulkKind int

// The kinds of bulk op, one per constructor.
const (
	BulkInsert     BulkKind = iota + 1 // InsertOp
	BulkUpdateOne                      // UpdateOneOp
	BulkUpdateMany                     // UpdateManyOp
	BulkReplace                        // ReplaceOp
	BulkDeleteOne                      // DeleteOneOp
	BulkDeleteMany                     // DeleteManyOp
)

var bulkKindNames = [...]string{
	BulkInsert:     "insert",
	BulkUpdateOne:  "update one",
	BulkUpdateMany: "update many",
	BulkReplace:    "replace",
	BulkDeleteOne:  "delete one",
	BulkDeleteMany: "delete many",
}

// String names the kind as error messages do: "update one".
func (k BulkKind) String() string {
	if k <= 0 || int(k) >= len(bulkKindNames) {
		return fmt.Sprintf("BulkKind(%d)", int(k))
	}
	return bulkKindNames[k]
}

// docOp is an op that carries a document of type T.
type docOp[T any] struct {
	kind BulkKind
	doc  *T
}

func (o docOp[T]) bulkOp() (BulkKind, Filter, Update, any) { return o.kind, nil, nil, o.doc }

// FilterOp is a [BulkOp] on the documents a filter matches, of any
// document type: [UpdateOneOp], [UpdateManyOp], [DeleteOneOp] and
// [DeleteManyOp] make it.
type FilterOp struct {
	kind   BulkKind
	filter Filter
	update Update
}

func (o FilterOp) bulkOp() (BulkKind, Filter, Update, any) { return o.kind, o.filter, o.update, nil }

// InsertOp inserts doc, as Insert does: a zero ObjectID gets a new one,
// created and updated are set and version starts at 1. The stamps are
// written into doc.
func InsertOp[T any](doc *T) BulkOp[T] { return docOp[T]{kind: BulkInsert, doc: doc} }

// ReplaceOp replaces the stored document with doc's ID by doc, as Replace
// does: when T has a version field, the stored version must equal doc's,
// and both are bumped.
func ReplaceOp[T any](doc *T) BulkOp[T] { return docOp[T]{kind: BulkReplace, doc: doc} }

// UpdateOneOp applies update to the first document filter matches; a nil
// filter matches all.
func UpdateOneOp(filter Filter, update Update) FilterOp {
	return FilterOp{kind: BulkUpdateOne, filter: filter, update: update}
}

// UpdateManyOp applies update to every document filter matches.
func UpdateManyOp(filter Filter, update Update) FilterOp {
	return FilterOp{kind: BulkUpdateMany, filter: filter, update: update}
}

// DeleteOneOp deletes the first document filter matches.
func DeleteOneOp(filter Filter) FilterOp { return FilterOp{kind: BulkDeleteOne, filter: filter} }

// DeleteManyOp deletes every document filter matches.
func DeleteManyOp(filter Filter) FilterOp { return FilterOp{kind: BulkDeleteMany, filter: filter} }
