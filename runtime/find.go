package runtime

import (
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// SortKey orders results by one field; build it with [Field.Asc] or
// [Field.Desc].
type SortKey struct {
	Path string
	Desc bool
}

// FindOption adjusts a Find, FindOne, Iter, FindOneAndUpdate,
// FindOneAndReplace or FindOneAndDelete call.
type FindOption func(*FindOptions)

// FindOptions is the result of applying FindOption values. Generated
// repositories read it; applications use the option functions.
type FindOptions struct {
	Sort       bson.D
	Skip       int64
	Limit      int64
	BatchSize  int32
	Projection bson.D // nil: every field; see Select

	WithDeleted bool // soft-deleted documents too; see WithDeleted
}

// Sort orders results by keys, the first key most significant. Several Sort
// options append their keys in order.
func Sort(keys ...SortKey) FindOption {
	return func(o *FindOptions) {
		for _, k := range keys {
			dir := 1
			if k.Desc {
				dir = -1
			}
			o.Sort = append(o.Sort, bson.E{Key: k.Path, Value: dir})
		}
	}
}

// Skip skips the first n results.
func Skip(n int64) FindOption { return func(o *FindOptions) { o.Skip = n } }

// Limit returns at most n results; 0 means no limit.
func Limit(n int64) FindOption { return func(o *FindOptions) { o.Limit = n } }

// BatchSize asks the server for n documents per round trip; it changes speed,
// never results.
func BatchSize(n int32) FindOption { return func(o *FindOptions) { o.BatchSize = n } }

// ApplyFindOptions folds opts into a FindOptions value.
func ApplyFindOptions(opts []FindOption) FindOptions {
	var o FindOptions
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// sortSelecter is a driver options builder that takes a sort and a
// projection: those of Find, FindOne and the FindOneAnd* calls.
type sortSelecter[B any] interface {
	SetSort(sort any) B
	SetProjection(projection any) B
}

// sortAndSelect sets the sort and the projection of o on b, when o has them.
func sortAndSelect[B sortSelecter[B]](b B, o FindOptions) B {
	if o.Sort != nil {
		b = b.SetSort(o.Sort)
	}
	if o.Projection != nil {
		b = b.SetProjection(o.Projection)
	}
	return b
}

// FindArgs returns the driver options for Find and Iter, or nil when opts is
// empty so the common case allocates nothing.
func FindArgs(opts []FindOption) *options.FindOptionsBuilder {
	if len(opts) == 0 {
		return nil
	}
	o := ApplyFindOptions(opts)
	b := sortAndSelect(options.Find(), o)
	if o.Skip != 0 {
		b.SetSkip(o.Skip)
	}
	if o.Limit != 0 {
		b.SetLimit(o.Limit)
	}
	if o.BatchSize != 0 {
		b.SetBatchSize(o.BatchSize)
	}
	return b
}

// FindOneArgs returns the driver options for FindOne: sort and skip apply,
// limit and batch size have no meaning for a single document.
func FindOneArgs(opts []FindOption) *options.FindOneOptionsBuilder {
	if len(opts) == 0 {
		return nil
	}
	o := ApplyFindOptions(opts)
	b := sortAndSelect(options.FindOne(), o)
	if o.Skip != 0 {
		b.SetSkip(o.Skip)
	}
	return b
}

// CountArgs returns the driver options for Count: the skip and limit of
// opts, or nil when opts has none of them.
func CountArgs(opts []FindOption) *options.CountOptionsBuilder {
	if len(opts) == 0 {
		return nil
	}
	o := ApplyFindOptions(opts)
	if o.Skip == 0 && o.Limit == 0 {
		return nil
	}
	b := options.Count()
	if o.Skip != 0 {
		b.SetSkip(o.Skip)
	}
	if o.Limit != 0 {
		b.SetLimit(o.Limit)
	}
	return b
}

// FindOneAndUpdateArgs returns the driver options for FindOneAndUpdate: the
// document is returned as it is after the update, sort chooses which
// document is updated when several match, and Select which of its fields
// are read.
func FindOneAndUpdateArgs(opts []FindOption) *options.FindOneAndUpdateOptionsBuilder {
	if len(opts) == 0 {
		return returnAfter
	}
	return sortAndSelect(options.FindOneAndUpdate().SetReturnDocument(options.After), ApplyFindOptions(opts))
}

// returnAfter is shared by every FindOneAndUpdate without options; the driver
// only reads a builder, so one instance serves all goroutines.
var returnAfter = options.FindOneAndUpdate().SetReturnDocument(options.After)
