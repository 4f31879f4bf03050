package bsoncodec

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// All decodes every remaining document of cur with the UnmarshalBSON
// method of *T, reading each from the cursor's batch as it stands, and
// closes cur. It is cur.All(ctx, &docs) without the driver's decoder for
// every document (a buffered reader of 4 KiB each), most of the client's
// cost of a Find once the documents decode without reflection. It returns
// an empty, non-nil slice when there is nothing to read.
func All[T any, P interface {
	*T
	bson.Unmarshaler
}](ctx context.Context, cur *mongo.Cursor) ([]*T, error) {
	defer cur.Close(ctx)
	docs := make([]*T, 0, cur.RemainingBatchLength())
	for cur.Next(ctx) {
		doc := new(T)
		if err := P(doc).UnmarshalBSON(cur.Current); err != nil {
			return nil, err
		}
		docs = append(docs, doc)
	}
	if err := cur.Err(); err != nil {
		return nil, err
	}
	return docs, nil
}

// One decodes the document of res with the UnmarshalBSON method of *T: it
// is res.Decode(doc) without the driver's decoder (and its 4 KiB reader).
// The error of res, mongo.ErrNoDocuments for no match, is returned as is.
func One[T any, P interface {
	*T
	bson.Unmarshaler
}](res *mongo.SingleResult) (*T, error) {
	raw, err := res.Raw()
	if err != nil {
		return nil, err
	}
	doc := new(T)
	if err := P(doc).UnmarshalBSON(raw); err != nil {
		return nil, err
	}
	return doc, nil
}
