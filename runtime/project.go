package runtime

import (
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Select reads only the given fields of each document (a MongoDB
// projection); the others keep their zero value in the Go result:
//
//	books, err := store.Book.Find(ctx, nil, runtime.Select(BookFields.Title, BookFields.Tags))
//
// The _id is always read, as MongoDB projects it unless told otherwise, so
// a selected document still names its document. A sub-field selects part of
// a sub-document, and a sub-field of an array of sub-documents that field of
// every element. Several Select options add up; a field given twice counts
// once; Select() with no fields reads every field. Paths that overlap
// ("address" and "address.city") are the server's to reject.
//
// A partly read document is for reading: replacing it with Replace writes
// the zero values back.
func Select(fields ...Pather) FindOption {
	return func(o *FindOptions) {
	next:
		for _, f := range fields {
			for _, e := range o.Projection {
				if e.Key == f.Path() {
					continue next
				}
			}
			o.Projection = append(o.Projection, bson.E{Key: f.Path(), Value: 1})
		}
	}
}

// FindOneAndReplaceArgs returns the driver options for FindOneAndReplace:
// the document is returned as it is after the replacement, sort chooses
// which document is replaced when several match, and Select which of its
// fields are read.
func FindOneAndReplaceArgs(opts []FindOption) *options.FindOneAndReplaceOptionsBuilder {
	return sortAndSelect(options.FindOneAndReplace().SetReturnDocument(options.After), ApplyFindOptions(opts))
}

// FindOneAndDeleteArgs returns the driver options for FindOneAndDelete, or
// nil when opts is empty: sort chooses which document is deleted when
// several match, and Select which fields of the deleted document are read.
func FindOneAndDeleteArgs(opts []FindOption) *options.FindOneAndDeleteOptionsBuilder {
	if len(opts) == 0 {
		return nil
	}
	return sortAndSelect(options.FindOneAndDelete(), ApplyFindOptions(opts))
}
