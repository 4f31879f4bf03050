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
	s    *Schema
}

// NewRepo returns the Repo of coll for the documents s describes, bound to
// tx when tx is not nil.
func NewRepo(coll *mongo.Collection, tx *Tx, s *Schema) Repo {
	return Repo{coll: coll, tx: tx, s: s}
}

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

// Schema is what a [Repo] knows of one collection type's documents: how to
// make one, where their _id is, which fields the repository maintains and
// which indexes they declare. Its functions get the generated type's
// pointer, a *T in an any. The generator declares one per collection type,
// for example:
//
//	var schemaOfAccount = runtime.Schema{
//		New:     func() any { return new(Account) },
//		AutoID:  func(doc any) *bson.ObjectID { return &doc.(*Account).ID },
//		Updated: runtime.NewStamp("updated", func(doc any) *time.Time { return &doc.(*Account).Updated }),
//		Version: runtime.NewCounter("version", func(doc any) *int64 { return &doc.(*Account).Version }),
//	}
//
// A Schema is read, never changed, by the Repos that use it, so one serves
// every goroutine.
type Schema struct {
	// New returns a new zero document, a *T, for reads to decode into.
	New func() any

	// ID returns the document's _id value. It may be nil when AutoID is
	// set: the _id is then the ObjectID AutoID points to.
	ID func(doc any) any

	// AutoID returns the document's _id field when it is a bson.ObjectID:
	// Insert gives a zero one a new ObjectID. Nil for other _id types.
	AutoID func(doc any) *bson.ObjectID

	// Created is set to the current time on insert; Updated on insert and
	// on every write. Nil when the type has no such field.
	Created, Updated *Stamp

	// Version is the optimistic-lock counter, or nil: it starts at 1 on
	// insert, and every write adds 1 to it; Replace requires the stored
	// value to be the document's.
	Version *Counter

	// Indexes are the indexes EnsureIndexes creates.
	Indexes []mongo.IndexModel

	// Decode, when not nil, decodes the BSON document data into doc:
	// reads then decode each document from the reply's bytes, without the
	// driver's decoder. When nil, a document with its own UnmarshalBSON
	// method (a type with a generated codec) is decoded with it, and any
	// other with the driver's decoder.
	Decode func(doc any, data []byte) error

	// The model lifecycle (repo_softdelete.go, repo_hooks.go).

	// Deleted is the BSON path of the soft-delete mark, a *time.Time that
	// Delete sets, or "" when the type is deleted for good.
	Deleted string

	// BeforeSave runs the type's BeforeSave method before every write that
	// stores the whole document; AfterLoad its AfterLoad method after
	// every decode. Nil when the type has no such method.
	BeforeSave, AfterLoad func(ctx context.Context, doc any) error
}

// unmarshalSelf decodes data into doc with doc's own UnmarshalBSON method:
// the decoder of every type with a generated codec and no Schema.Decode.
func unmarshalSelf(doc any, data []byte) error {
	return doc.(bson.Unmarshaler).UnmarshalBSON(data)
}

// id is the _id of doc.
func (s *Schema) id(doc any) any {
	if s.ID == nil {
		return *s.AutoID(doc)
	}
	return s.ID(doc)
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
