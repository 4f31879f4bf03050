package runtime

import (
	"context"
	"reflect"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Insert is the generated Insert: it stores doc, a *T, as a new document.
// Before the write, in doc itself, a zero ObjectID _id becomes a new
// ObjectID, a zero created stamp is set to the current time (one the caller
// set is kept, for imported documents), the updated stamp is set to the
// current time and the version starts at 1, so that doc equals the stored
// document; the type's BeforeSave hook runs first, and its error ends the
// insert with nothing sent.
//
// When Insert fails doc keeps these values, so that inserting it again
// reuses its ID: a write that did reach the server is then reported as a
// duplicate key ([ErrDuplicateKey]) instead of being stored twice. In a
// transaction, doc gets its old values back when the attempt aborts
// (RestoreOnAbort), whatever failed, so that a function Store.WithTx retries
// finds doc as the first attempt did.
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

// InsertMany is the generated InsertMany: it stores docs, a []*T, as new
// documents in one ordered write, each prepared, and in a transaction
// restored when the attempt aborts, as [Repo.Insert] does. The write stops
// at the first document that fails; those before it stay stored unless a
// transaction they are part of aborts. It does nothing when docs is empty.
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

// Replace is the generated Replace: it overwrites the stored document that
// has doc's _id with doc. When the type has a version, the stored version
// must still be doc's, that is the document must not have changed since doc
// was read, else the error matches [ErrVersionConflict]; a stored document
// without the field, written before the type had it, is at version 0 (see
// [VersionIs]). No document with that _id is an error matching
// [ErrNotFound]. The type's BeforeSave hook runs first.
//
// On success doc's version is one more and its updated stamp the time of the
// write. When Replace fails both keep their old values; in a transaction they
// get their old values back when the attempt aborts, so that a function
// Store.WithTx retries does not conflict with its own rolled-back write.
func (r Repo) Replace(ctx context.Context, doc any) error {
	o := r.begin(ctx, "replace")
	if err := r.s.beforeSave(o.ctx, doc); err != nil {
		return o.done(err)
	}
	span, err := o.enter()
	if err != nil {
		return o.done(err)
	}
	id := r.s.id(doc)
	u := r.s.stampReplace(doc)
	filter := make(bson.D, 1, 2)
	filter[0] = bson.E{Key: "_id", Value: id}
	if u.version != nil {
		filter = append(filter, u.counter.is(u.oldVersion))
	}
	filter = r.live(filter)
	res, err := r.coll.ReplaceOne(o.ctx, filter, doc)
	span.End()
	if err == nil && res.MatchedCount == 0 {
		err = ErrNotFound
		if r.s.version != nil {
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

// UpdateByID is the generated UpdateByID: it applies update to the document
// whose _id is id, or fails with an error matching [ErrNotFound] when there is
// none. Besides update, it sets the type's updated stamp to the current time
// and adds 1 to its version.
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

// UpdateMany is the generated UpdateMany: it applies update to every document
// matching filter (all documents for a nil filter) and returns how many
// documents it modified; a document the update leaves as it was is matched
// but not counted. Besides update, it sets the updated stamp to the current
// time and adds 1 to the version, as UpdateByID does.
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

// FindOneAndUpdate is the generated FindOneAndUpdate: it applies update, with
// the stamps of UpdateByID, to the first document matching filter in the sort
// order of opts, and returns the document as it is after the update; it fails
// with an error matching [ErrNotFound] when none matches.
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

// Delete is the generated Delete: it deletes the document whose _id is id, or
// fails with an error matching [ErrNotFound] when there is none. For a
// soft-deleted type it sets the deleted mark to the current time instead,
// with the stamps of an update, and the repository leaves the document out
// from then on (see [Repo.Restore] and [Repo.HardDelete]); a document deleted
// already is then not found.
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

// DeleteMany is the generated DeleteMany: it deletes every document matching
// filter and returns how many it deleted; a nil filter deletes all documents
// of the collection. For a soft-deleted type it marks them, as Delete does,
// leaving out those deleted already.
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

// EnsureIndexes is the generated EnsureIndexes: it creates the indexes the
// type declares (the Schema's) in one command, and does nothing when there
// are none. Creating an index that already exists with the same definition
// does nothing, so it is safe to call at every start.
func (r Repo) EnsureIndexes(ctx context.Context) error {
	if len(r.s.indexes) == 0 {
		return nil
	}
	o := r.begin(ctx, "ensureIndexes")
	span, err := o.enter()
	if err != nil {
		return o.done(err)
	}
	_, err = r.coll.Indexes().CreateMany(o.ctx, r.s.indexes)
	span.End()
	return o.done(err)
}

// IndexEnsurer is a generated repository, as a generated Store's
// EnsureIndexes sees it.
type IndexEnsurer interface {
	EnsureIndexes(ctx context.Context) error
}

// EnsureIndexes calls the EnsureIndexes method of every repository of
// repos, one after another, and stops at the first error, which it
// returns: the generated Store.EnsureIndexes.
func EnsureIndexes(ctx context.Context, repos ...IndexEnsurer) error {
	for _, r := range repos {
		if err := r.EnsureIndexes(ctx); err != nil {
			return err
		}
	}
	return nil
}
