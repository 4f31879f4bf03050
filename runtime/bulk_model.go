package runtime

import (
	"fmt"
	"reflect"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// BulkSpec is what a [BulkOp] does, spelled out for code that sends it
// itself: [BulkSpecOf] reads an op, WriteModel turns it into the driver's
// model. (A generated BulkWrite goes through [Repo.BulkWrite], which reads
// the ops the same way and also applies the type's stamps: on the document
// of an insert or replacement, combined into the update of an update, and
// the ID and version as the filter of a replacement.)
type BulkSpec[T any] struct {
	Kind   BulkKind
	Filter Filter // the documents an update or delete applies to; for a replacement the repository sets it
	Update Update // the update of BulkUpdateOne and BulkUpdateMany
	Doc    *T     // the document of BulkInsert and BulkReplace
}

// BulkSpecOf spells out op, or reports why it cannot be sent, with an error
// matching [ErrInvalidQuery]: an insert or replacement without a document
// or with a document of another type than T, an update without an update,
// a nil op. Go cannot infer T from a BulkOp[T] (the filter ops fit every
// T), so the repository names it: runtime.BulkSpecOf[Book](op).
func BulkSpecOf[T any](op BulkOp[T]) (BulkSpec[T], error) {
	s, err := readBulkOp(op, reflect.TypeFor[*T]())
	if err != nil {
		return BulkSpec[T]{}, err
	}
	d, _ := s.doc.(*T)
	return BulkSpec[T]{Kind: s.kind, Filter: s.filter, Update: s.update, Doc: d}, nil
}

// WriteModel returns the driver's write model for s.
func (s BulkSpec[T]) WriteModel() mongo.WriteModel {
	switch s.Kind {
	case BulkInsert:
		return mongo.NewInsertOneModel().SetDocument(s.Doc)
	case BulkReplace:
		return mongo.NewReplaceOneModel().SetFilter(FilterDoc(s.Filter)).SetReplacement(s.Doc)
	case BulkUpdateOne:
		return mongo.NewUpdateOneModel().SetFilter(FilterDoc(s.Filter)).SetUpdate(UpdateDoc(s.Update))
	case BulkUpdateMany:
		return mongo.NewUpdateManyModel().SetFilter(FilterDoc(s.Filter)).SetUpdate(UpdateDoc(s.Update))
	case BulkDeleteOne:
		return mongo.NewDeleteOneModel().SetFilter(FilterDoc(s.Filter))
	case BulkDeleteMany:
		return mongo.NewDeleteManyModel().SetFilter(FilterDoc(s.Filter))
	}
	panic(fmt.Sprintf("runtime: WriteModel of %s", s.Kind)) // BulkSpecOf makes only the kinds above
}

// BulkResult counts what a BulkWrite did. After an error it counts the ops
// that were applied before it: an ordered BulkWrite stops at the first
// failing op, and the driver's mongo.BulkWriteException (reachable with
// errors.As) gives that op's index.
type BulkResult struct {
	InsertedCount int64 // documents inserted by InsertOp
	MatchedCount  int64 // documents matched by update and replace ops
	ModifiedCount int64 // documents changed by update and replace ops
	DeletedCount  int64 // documents deleted by delete ops
	UpsertedCount int64 // documents inserted by upserting ops
}

// NewBulkResult converts the driver's result; nil gives the zero result.
func NewBulkResult(r *mongo.BulkWriteResult) BulkResult {
	if r == nil {
		return BulkResult{}
	}
	return BulkResult{
		InsertedCount: r.InsertedCount,
		MatchedCount:  r.MatchedCount,
		ModifiedCount: r.ModifiedCount,
		DeletedCount:  r.DeletedCount,
		UpsertedCount: r.UpsertedCount,
	}
}
