package runtime

import (
	"context"
	"reflect"
)

// Hooks. A collection type's methods BeforeSave(ctx context.Context) error
// and AfterLoad(ctx context.Context) error, with a value or a pointer
// receiver, are its hooks: the generator finds them (refusing a method of
// either name with another signature), and so does the [Schema]'s
// resolution, in the method set of *T. A Repo runs BeforeSave on every
// document a write stores whole (Insert, InsertMany, Replace,
// FindOneAndReplace, the insert and replace ops of BulkWrite) before
// anything is sent: its error ends the operation, as an [*OpError], with
// nothing written and the document unchanged by the repository. It runs
// AfterLoad on every document it decodes (Get, GetBy, FindOne, Find,
// FindBy, Iter, FindOneAndUpdate, FindOneAndReplace, FindOneAndDelete, and
// [Aggregate] into the type T itself); its error ends the read. Both get
// the operation's context, bound to the repository's transaction: inside
// WithTx, a hook runs once per attempt, in it.

// beforeSave runs the BeforeSave hook on doc, a *T, if the type has one.
func (s *schema) beforeSave(ctx context.Context, doc any) error {
	if !s.hasBeforeSave {
		return nil
	}
	return doc.(beforeSaver).BeforeSave(ctx)
}

// beforeSaveAll runs the BeforeSave hook on every document of list, a
// []*T, stopping at the first error.
func (s *schema) beforeSaveAll(ctx context.Context, list reflect.Value) error {
	if !s.hasBeforeSave {
		return nil
	}
	for i := range list.Len() {
		if err := s.beforeSave(ctx, list.Index(i).Interface()); err != nil {
			return err
		}
	}
	return nil
}

// afterLoad runs the AfterLoad hook on doc, a *T just decoded, if the type
// has one.
func (s *schema) afterLoad(ctx context.Context, doc any) error {
	if !s.hasAfterLoad {
		return nil
	}
	return doc.(afterLoader).AfterLoad(ctx)
}
