package runtime

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Repo is the code every generated repository shares: a generated method is
// one call to the Repo method of the same name, its result typed by [One],
// [All] or [Each] when it holds documents. Applications use the generated
// repositories, whose methods have the typed signatures and a summary each;
// the doc of the Repo method of the same name is that method's contract in
// full (doc being the generated type's *T, id its _id). Repo is exported
// for them.
//
// Repo is not generic, on purpose: its code is compiled once, in this
// package, rather than once per collection type in every package that has
// generated code. Documents pass through it as the generated type's
// pointers in an any; the [Schema] says how to reach their fields.
//
// A Repo is a small value, made once per generated repository from its
// collection and the type's Schema, and copied by [Repo.Bound] for a
// transaction. Every operation begins
// by binding its context to the repository's transaction (a nil Tx binds
// nothing), runs each of its driver calls inside [Enter] (each cursor batch
// of a read on its own, so that the body of a loop over Iter may run other
// operations of the transaction), and returns errors as [*OpError] values
// naming the collection and the operation, through [Failed]. A write that
// changes the caller's document registers its old values with
// [RestoreOnAbort], so that a retried transaction callback finds the
// document as the first attempt did.
type Repo struct {
	coll *mongo.Collection
	tx   *Tx // nil, or the transaction every call joins
	s    *schema
}

// NewRepo returns the Repo of coll for the documents s describes, bound to
// tx when tx is not nil. The first NewRepo of s resolves it (see [Schema]),
// and panics if it is stale.
func NewRepo(coll *mongo.Collection, tx *Tx, s *Schema) Repo {
	return Repo{coll: coll, tx: tx, s: s.resolve()}
}

// Corer is a generated repository, as the generic functions that take one
// ([Aggregate], [AggregateIter], [Distinct]) see it: its method Core
// returns the untyped Repo under it, which runs them in its transaction and
// leaves a soft-deleted type's deleted documents out:
//
//	// Core is r's untyped repository, for runtime.Aggregate and runtime.Distinct.
//	func (r *AccountRepo) Core() runtime.Repo { return r.core }
//
// A Repo is a Corer itself.
type Corer interface {
	Core() Repo
}

// Core returns r.
func (r Repo) Core() Repo { return r }

// Bound returns r bound to tx: every operation of the copy joins tx. A
// generated Store's WithTx binds its repositories with it.
func (r Repo) Bound(tx *Tx) Repo {
	r.tx = tx
	return r
}

// Collection returns the driver's collection, for what the repository does
// not cover. Calls on it run in a transaction only when their context
// carries it.
func (r Repo) Collection() *mongo.Collection { return r.coll }

// unmarshalSelf decodes data into doc with doc's own UnmarshalBSON method:
// the decoder of every type with a generated codec and no Schema.Decode.
func unmarshalSelf(doc any, data []byte) error {
	return doc.(bson.Unmarshaler).UnmarshalBSON(data)
}

// op is one operation of a repository under way: the context its driver
// calls use, bound to the repository's transaction, and the names its error
// carries. Every Repo method starts one with begin and returns its error
// through done: they are the one place where an operation meets its
// transaction.
type op struct {
	ctx  context.Context
	coll *mongo.Collection
	name string // the generated method, in lower camel case: "insert"
}

// begin starts the operation name on r.
func (r Repo) begin(ctx context.Context, name string) op {
	return op{ctx: r.tx.Bind(ctx), coll: r.coll, name: name}
}

// enter begins one driver call of the operation: [Enter] on its context,
// which begin bound already. The span must end when the call returns.
func (o op) enter() (Span, error) {
	_, span, err := Enter(o.ctx, nil)
	return span, err
}

// done ends the operation with err: nil, or err wrapped by [Failed] so that
// the transaction learns of a server-side failure.
func (o op) done(err error) error {
	if err == nil {
		return nil
	}
	return Failed(o.ctx, o.coll.Name(), o.name, err)
}

// byID is the filter {_id: id}.
func byID(id any) bson.D { return bson.D{{Key: "_id", Value: id}} }
