package runtime

import (
	"context"
	"reflect"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Insert is the generated Insert: it stores doc as a new document after
// stampInsert prepared it. A failed Insert leaves doc prepared, so that
// inserting it again reuses its ID; in a transaction, doc gets its old
// values back when the attempt aborts (RestoreOnAbort), whatever failed, so
// that a retried callback inserts it as the first attempt did.
func (r Repo) Insert(ctx context.Context, doc any) error {
	o := r.begin(ctx, "insert")
	if err := r.s.beforeSave(o.ctx, doc); err != nil {
		return o.done(err)
	}
	span, err := o.enter()
	if err != nil {
		return o.done(err)
	}
	o.restoreOnAbort(r.s.stampInsert(doc))
	_, err = r.coll.InsertOne(o.ctx, doc)
	span.End()
	return o.done(err)
}

// InsertMany is the generated InsertMany: one ordered write of docs, a
// []*T, each prepared and restored as Insert prepares and restores it;
// nothing when docs is empty.
func (r Repo) InsertMany(ctx context.Context, docs any) error {
	o := r.begin(ctx, "insertMany")
	list := reflect.ValueOf(docs)
	if !list.IsValid() || list.Len() == 0 {
		return nil
	}
	if err := r.s.beforeSaveAll(o.ctx, list); err != nil {
		return o.done(err)
	}
	span, err := o.enter()
	if err != nil {
		return o.done(err)
	}
	if r.s.stamps() {
		var undos []undo
		if TxFrom(o.ctx) != nil {
			undos = make([]undo, 0, list.Len())
		}
		for i := range list.Len() {
			u := r.s.stampInsert(list.Index(i).Interface())
			if undos != nil {
				undos = append(undos, u)
			}
		}
		if undos != nil {
			RestoreOnAbort(o.ctx, func() {
				for i := range undos {
					undos[i].restore()
				}
			})
		}
	}
	_, err = r.coll.InsertMany(o.ctx, docs)
	span.End()
	return o.done(err)
}

// Replace is the generated Replace: it overwrites the stored document with
// doc's _id, and with doc's version when the type has one (version 0 also
// matching a stored document without the field, see [VersionIs]), after
// stampReplace prepared doc. When it fails doc gets its old values back at
// once; when it succeeds in a transaction, when the attempt aborts.
func (r Repo) Replace(ctx context.Context, doc any) error {
	o := r.begin(ctx, "replace")
	if err := r.s.beforeSave(o.ctx, doc); err != nil {
		return o.done(err)
	}
	span, err := o.enter()
	if err != nil {
		return o.done(err)
	}
	id := r.s.ID(doc)
	u := r.s.stampReplace(doc)
	filter := make(bson.D, 1, 2)
	filter[0] = bson.E{Key: "_id", Value: id}
	if u.version != nil {
		filter = append(filter, u.kind.is(r.s.Version.path, u.oldVersion))
	}
	filter = r.live(filter)
	res, err := r.coll.ReplaceOne(o.ctx, filter, doc)
	span.End()
	if err == nil && res.MatchedCount == 0 {
		err = ErrNotFound
		if r.s.Version != nil {
			err = conflictOrNotFound(o, r.live(byID(id)))
		}
	}
	if err != nil {
		u.restore()
		return o.done(err)
	}
	o.restoreOnAbort(u)
	return nil
}

// restoreOnAbort registers u's restore with [RestoreOnAbort] when the
// operation runs in a transaction and u changed something. The copy it
// registers is made only then: outside a transaction a write allocates
// nothing for it.
func (o op) restoreOnAbort(u undo) {
	if !u.changed() || TxFrom(o.ctx) == nil {
		return
	}
	saved := new(undo)
	*saved = u
	RestoreOnAbort(o.ctx, saved.restore)
}

// conflictOrNotFound tells why a write conditioned on the version matched
// nothing, at the cost of one query on the failure path only: the document
// exists with another version, or does not exist: the document filter,
// its _id, matches.
func conflictOrNotFound(o op, filter bson.D) error {
	if err := exists(o, filter); err != nil {
		return err
	}
	return ErrVersionConflict
}

// UpdateByID is the generated UpdateByID: update, stamped, applied to the
// document whose _id is id, or an error matching [ErrNotFound].
func (r Repo) UpdateByID(ctx context.Context, id any, update Update) error {
	o := r.begin(ctx, "updateByID")
	span, err := o.enter()
	if err != nil {
		return o.done(err)
	}
	res, err := r.coll.UpdateOne(o.ctx, r.live(byID(id)), UpdateDoc(r.s.stamped(update)))
	span.End()
	if err == nil && res.MatchedCount == 0 {
		err = ErrNotFound
	}
	return o.done(err)
}

// UpdateMany is the generated UpdateMany: update, stamped, applied to every
// document matching filter; it returns the modified count.
func (r Repo) UpdateMany(ctx context.Context, filter Filter, update Update) (int64, error) {
	o := r.begin(ctx, "updateMany")
	span, err := o.enter()
	if err != nil {
		return 0, o.done(err)
	}
	res, err := r.coll.UpdateMany(o.ctx, r.live(FilterDoc(filter)), UpdateDoc(r.s.stamped(update)))
	span.End()
	if err != nil {
		return 0, o.done(err)
	}
	return res.ModifiedCount, nil
}

// FindOneAndUpdate is the generated FindOneAndUpdate: update, stamped,
// applied to the first document matching filter in the order of opts; it
// returns the document after the update, or an error matching
// [ErrNotFound].
func (r Repo) FindOneAndUpdate(ctx context.Context, filter Filter, update Update, opts ...FindOption) (any, error) {
	o := r.begin(ctx, "findOneAndUpdate")
	span, err := o.enter()
	if err != nil {
		return nil, o.done(err)
	}
	doc, err := r.s.decodeResult(r.coll.FindOneAndUpdate(o.ctx, r.live(FilterDoc(filter), opts...), UpdateDoc(r.s.stamped(update)), FindOneAndUpdateArgs(opts)))
	span.End()
	if err == nil {
		err = r.s.afterLoad(o.ctx, doc)
	}
	if err != nil {
		return nil, o.done(err)
	}
	return doc, nil
}

// Delete is the generated Delete: it deletes the document whose _id is id,
// or fails with an error matching [ErrNotFound].
func (r Repo) Delete(ctx context.Context, id any) error {
	o := r.begin(ctx, "delete")
	if r.s.Deleted != "" {
		return r.softDelete(o, id)
	}
	return r.remove(o, id)
}

// remove deletes the document whose _id is id for good, or fails with an
// error matching [ErrNotFound]: Delete of a type that is not soft-deleted,
// and HardDelete.
func (r Repo) remove(o op, id any) error {
	span, err := o.enter()
	if err != nil {
		return o.done(err)
	}
	res, err := r.coll.DeleteOne(o.ctx, byID(id))
	span.End()
	if err == nil && res.DeletedCount == 0 {
		err = ErrNotFound
	}
	return o.done(err)
}

// DeleteMany is the generated DeleteMany: it deletes every document
// matching filter and returns how many it deleted.
func (r Repo) DeleteMany(ctx context.Context, filter Filter) (int64, error) {
	o := r.begin(ctx, "deleteMany")
	if r.s.Deleted != "" {
		return r.softDeleteMany(o, FilterDoc(filter))
	}
	span, err := o.enter()
	if err != nil {
		return 0, o.done(err)
	}
	res, err := r.coll.DeleteMany(o.ctx, FilterDoc(filter))
	span.End()
	if err != nil {
		return 0, o.done(err)
	}
	return res.DeletedCount, nil
}

// EnsureIndexes is the generated EnsureIndexes: it creates the Schema's
// indexes in one command, and does nothing when there are none.
func (r Repo) EnsureIndexes(ctx context.Context) error {
	if len(r.s.Indexes) == 0 {
		return nil
	}
	o := r.begin(ctx, "ensureIndexes")
	span, err := o.enter()
	if err != nil {
		return o.done(err)
	}
	_, err = r.coll.Indexes().CreateMany(o.ctx, r.s.Indexes)
	span.End()
	return o.done(err)
}
