package mongotest

import (
	"go.mongodb.org/mongo-driver/v2/bson"
)

// snapshotDB is the database of an aggregate command as the command's own
// read sees it, for the stages that read other collections ($lookup): in
// the command's transaction, at its snapshot, with its own uncommitted
// writes. It is used during the command, which holds the collections its
// stages read (planAggregate).
type snapshotDB struct {
	s     *Server
	db    string
	v     view
	locks *lockSet
}

// Documents returns the documents of a collection of the database, in
// natural order; none for a collection that does not exist.
func (d snapshotDB) Documents(name string) []bson.D {
	if !d.locks.holds(d.db+"."+name, lockShared) {
		panic("mongotest: a stage read " + d.db + "." + name + " without its lock")
	}
	refs, _ := matching(d.s.coll(d.db, name, false), d.v, nil) // no filter: nothing to fail
	docs := make([]bson.D, len(refs))
	for i, r := range refs {
		docs[i] = r.doc
	}
	return docs
}
