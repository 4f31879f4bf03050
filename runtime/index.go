package runtime

import (
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Index is an index of a [Schema], as data rather than calls of the
// driver's options.Index() builder, so that a generated schema is a
// constant the compiler lays out statically; EnsureIndexes sends it as the
// mongo.IndexModel it describes:
//
//	{Keys: bson.D{{Key: "owner", Value: 1}, {Key: "balance", Value: -1}}, Unique: true}
type Index struct {
	Keys bson.D // the keys in order, each 1 (ascending) or -1 (descending)

	Name   string // the index's name, or "" for the server's default
	Unique bool
	Sparse bool

	// PartialFilter, when not nil, is the partialFilterExpression: the
	// index holds only the documents it matches.
	PartialFilter bson.D

	// ExpireAfterSeconds, when positive, makes a TTL index: the server
	// deletes a document that many seconds after the time in its field.
	ExpireAfterSeconds int32
}

// model is the driver's model of ix: options only when ix sets some.
func (ix Index) model() mongo.IndexModel {
	m := mongo.IndexModel{Keys: ix.Keys}
	if ix.Name == "" && !ix.Unique && !ix.Sparse && ix.PartialFilter == nil && ix.ExpireAfterSeconds <= 0 {
		return m
	}
	o := options.Index()
	if ix.Name != "" {
		o.SetName(ix.Name)
	}
	if ix.Unique {
		o.SetUnique(true)
	}
	if ix.Sparse {
		o.SetSparse(true)
	}
	if ix.PartialFilter != nil {
		o.SetPartialFilterExpression(ix.PartialFilter)
	}
	if ix.ExpireAfterSeconds > 0 {
		o.SetExpireAfterSeconds(ix.ExpireAfterSeconds)
	}
	m.Options = o
	return m
}
