package runtime

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// BulkWrite is the generated BulkWrite: one ordered bulk write of ops, a
// []BulkOp[T], on r's collection, each op stamped as the
// single-document method of its kind stamps (see [BulkOp]); it stops at the
// first failing op, whose index the driver's mongo.BulkWriteException in
// the error gives. An op that cannot be sent (nil, an insert or replacement
// without a document or with a document of another type than r's, an
// update without an update) fails the whole write with an error matching
// [ErrInvalidQuery] before anything is sent. The documents of insert and
// replace ops that were not applied get their old values back, and so do
// all of them when the transaction the write ran in is aborted.
//
//	return r.core.BulkWrite(ctx, ops)
//
// The slice comes in an any, read by reflection, rather than through
// generic code, which the compiler would compile again for every
// collection type: every BulkOp[T] is a BulkOp[any] (the method set does not
// depend on T), so each op is read by the same code.
func (r Repo) BulkWrite(ctx context.Context, ops any) (BulkResult, error) {
	list := reflect.ValueOf(ops)
	specs := make([]bulkSpec, list.Len())
	docType := r.s.ptr
	for i := range specs {
		op, _ := list.Index(i).Interface().(BulkOp[any]) // a nil op stays nil
		s, err := readBulkOp(op, docType)
		if err != nil {
			o := r.begin(ctx, "bulkWrite")
			return BulkResult{}, o.done(err)
		}
		specs[i] = s
	}
	return r.bulkWrite(ctx, specs)
}

// readBulkOp spells out op for [BulkSpecOf] and [Repo.BulkWrite], checking
// what it carries: the document of an insert or replacement must be a
// non-nil docType, the pointer type of the repository's documents.
func readBulkOp(op BulkOp[any], docType reflect.Type) (bulkSpec, error) {
	if op == nil {
		return bulkSpec{}, fmt.Errorf("%w: nil bulk op", ErrInvalidQuery)
	}
	kind, filter, update, doc := op.bulkOp()
	spec := bulkSpec{kind: kind, filter: filter, update: update}
	switch kind {
	case BulkInsert, BulkReplace:
		if reflect.TypeOf(doc) != docType {
			return bulkSpec{}, fmt.Errorf("%w: %s of a %T in a bulk write of %s", ErrInvalidQuery, kind, doc, docType.Elem())
		}
		if reflect.ValueOf(doc).IsNil() {
			return bulkSpec{}, fmt.Errorf("%w: %s of a nil document", ErrInvalidQuery, kind)
		}
		spec.doc = doc
	case BulkUpdateOne, BulkUpdateMany:
		if update == nil {
			return bulkSpec{}, fmt.Errorf("%w: %s without an update", ErrInvalidQuery, kind)
		}
	}
	return spec, nil
}

// bulkSpec is a BulkSpec with its document in an any, as Repo code takes
// documents.
type bulkSpec struct {
	kind   BulkKind
	filter Filter
	update Update
	doc    any
}

// bulkWrite stamps specs and sends them in one ordered bulk write.
func (r Repo) bulkWrite(ctx context.Context, specs []bulkSpec) (BulkResult, error) {
	o := r.begin(ctx, "bulkWrite")
	if len(specs) == 0 {
		return BulkResult{}, nil
	}
	for _, s := range specs {
		if s.doc != nil {
			if err := r.s.beforeSave(o.ctx, s.doc); err != nil {
				return BulkResult{}, o.done(err)
			}
		}
	}
	models := make([]mongo.WriteModel, len(specs))
	undos := make([]*undo, len(specs))
	for i, s := range specs {
		models[i], undos[i] = r.bulkModel(s)
	}
	cctx, span, err := Enter(o.ctx, r.tx)
	var res *mongo.BulkWriteResult
	if err == nil {
		res, err = r.coll.BulkWrite(cctx, models)
		span.End()
	}
	failedAt := 0
	if err != nil {
		var bwe mongo.BulkWriteException
		if errors.As(err, &bwe) && len(bwe.WriteErrors) > 0 {
			failedAt = bwe.WriteErrors[0].Index
		}
	} else {
		failedAt = len(specs)
	}
	for i, u := range undos {
		if u == nil {
			continue
		}
		if i >= failedAt {
			u.restore()
		} else {
			RestoreOnAbort(o.ctx, u.restore)
		}
	}
	if err != nil {
		return NewBulkResult(res), o.done(err)
	}
	return NewBulkResult(res), nil
}

// bulkModel is the driver's model of s after the stamps of its kind, with
// the undo of what it changed in s's document, or nil.
func (r Repo) bulkModel(s bulkSpec) (mongo.WriteModel, *undo) {
	switch s.kind {
	case BulkInsert:
		u := r.s.stampInsert(s.doc)
		return mongo.NewInsertOneModel().SetDocument(s.doc), &u
	case BulkReplace:
		u := r.s.stampReplace(s.doc)
		filter := bson.D{{Key: "_id", Value: r.s.id(s.doc)}}
		if u.version != nil {
			filter = append(filter, u.counter.is(u.oldVersion))
		}
		return mongo.NewReplaceOneModel().SetFilter(r.live(filter)).SetReplacement(s.doc), &u
	case BulkUpdateOne:
		return mongo.NewUpdateOneModel().SetFilter(r.live(FilterDoc(s.filter))).SetUpdate(UpdateDoc(r.s.stamped(s.update))), nil
	case BulkUpdateMany:
		return mongo.NewUpdateManyModel().SetFilter(r.live(FilterDoc(s.filter))).SetUpdate(UpdateDoc(r.s.stamped(s.update))), nil
	}
	// Deletes of a soft-deleted type set its mark, as Delete does.
	filter := FilterDoc(s.filter)
	switch {
	case r.s.Deleted != "" && s.kind == BulkDeleteOne:
		return mongo.NewUpdateOneModel().SetFilter(r.live(filter)).SetUpdate(r.s.deletedMark(now())), nil
	case r.s.Deleted != "":
		return mongo.NewUpdateManyModel().SetFilter(r.live(filter)).SetUpdate(r.s.deletedMark(now())), nil
	case s.kind == BulkDeleteOne:
		return mongo.NewDeleteOneModel().SetFilter(filter), nil
	}
	return mongo.NewDeleteManyModel().SetFilter(filter), nil
}
