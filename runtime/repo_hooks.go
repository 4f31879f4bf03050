package runtime

import (
	"context"
	"reflect"
)

// Hooks. The generator finds the methods BeforeSave(ctx context.Context)
// error and AfterLoad(ctx context.Context) error of a collection type and
// puts them in its Schema. A Repo runs BeforeSave on every document a write
// stores whole (Insert, InsertMany, Replace) before anything is sent:
// its error ends the operation, as an [*OpError], with nothing written and
// the document unchanged by the repository. It runs AfterLoad on every
// document it decodes (Get, GetBy, FindOne, Find, FindBy, Iter,
// FindOneAndUpdate, and [Aggregate] into the type); its error ends the
// read. Both get the operation's context, bound to the repository's
// transaction: inside WithTx, a hook runs once per attempt, in it.

// beforeSave runs the BeforeSave hook on doc, a *T, if the type has one.
func (s *Schema) beforeSave(ctx context.Context, doc any) error {
	if s.BeforeSave == nil {
		return nil
	}
	return s.BeforeSave(ctx, doc)
}

// beforeSaveAll runs the BeforeSave hook on every document of list, a
// []*T, stopping at the first error.
func (s *Schema) beforeSaveAll(ctx context.Context, list reflect.Value) error {
	if s.BeforeSave == nil {
		return nil
	}
	for i := range list.Len() {
		if err := s.BeforeSave(ctx, list.Index(i).Interface()); err != nil {
			return err
		}
	}
	return nil
}

// afterLoad runs the AfterLoad hook on doc, a *T just decoded, if the type
// has one.
func (s *Schema) afterLoad(ctx context.Context, doc any) error {
	if s.AfterLoad == nil {
		return nil
	}
	return s.AfterLoad(ctx, doc)
}

// Loader is a repository whose documents have an AfterLoad hook: [Aggregate]
// calls AggregateLoaded with a pointer to every result it decodes, an *R,
// and the generated method runs the hook when R is the repository's
// document type and does nothing for other result types:
//
//	func (r *OrderRepo) AggregateLoaded(ctx context.Context, result any) error {
//		if doc, ok := result.(*Order); ok {
//			return doc.AfterLoad(ctx)
//		}
//		return nil
//	}
type Loader interface {
	AggregateLoaded(ctx context.Context, result any) error
}

// aggregateLoaded runs the AfterLoad hook of repo, when it is a [Loader],
// on an aggregate's result r.
func aggregateLoaded(ctx context.Context, repo Aggregator, r any) error {
	l, ok := repo.(Loader)
	if !ok {
		return nil
	}
	return l.AggregateLoaded(ctx, r)
}
