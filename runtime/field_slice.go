package runtime

import "go.mongodb.org/mongo-driver/v2/bson"

// SliceField is the kind of an array field whose Go type is []E. Its own
// Eq, Ne, In, Nin and Set take whole arrays ([]E), as [ValueField] of []E;
// the methods below take elements (E), so
//
//	BookFields.Tags.Contains("go")   // SliceField[string]
//	BookFields.Tags.Contains(3)      // does not compile
//
// Combining updates on one path: two Push (or two AddToSet, or two Pull) of
// one field in one [Combine] merge into one list, in order, as if the
// elements were given to a single call. Any other pair of array updates on
// one path (Push and Pull, PopFirst and PopLast, a Raw $push) is sent as it
// is and the server rejects it as a conflict, as MongoDB does.
type SliceField[E any] struct {
	path string
}

// NewSliceField returns the array field at the dotted BSON path.
func NewSliceField[E any](path string) SliceField[E] {
	return SliceField[E]{path}
}

// Contains matches documents whose array holds an element equal to e.
func (f SliceField[E]) Contains(e E) Filter { return fieldEq(f.path, e) }

// ContainsAll matches documents whose array holds every one of es, in any
// order ($all). With no values it matches nothing, as MongoDB's $all does.
func (f SliceField[E]) ContainsAll(es ...E) Filter { return fieldOp(f.path, "$all", list(es)) }

// ContainsAny matches documents whose array holds at least one of es ($in).
// With no values it matches nothing.
func (f SliceField[E]) ContainsAny(es ...E) Filter { return fieldOp(f.path, "$in", list(es)) }

// Size matches documents whose array has exactly n elements ($size).
func (f SliceField[E]) Size(n int) Filter { return fieldOp(f.path, "$size", n) }

// Push is the update that appends es to the array, creating it when the
// field is missing ($push with $each).
func (f SliceField[E]) Push(es ...E) Update {
	return fieldUpdate(f.path, "$push", listArg{vals: list(es), each: true})
}

// AddToSet is the update that appends those of es the array does not hold
// yet, each at most once ($addToSet with $each).
func (f SliceField[E]) AddToSet(es ...E) Update {
	return fieldUpdate(f.path, "$addToSet", listArg{vals: list(es), each: true})
}

// Pull is the update that removes every element equal to one of es; values
// the array does not hold are ignored ($pullAll: whole-value equality, also
// for documents).
func (f SliceField[E]) Pull(es ...E) Update {
	return fieldUpdate(f.path, "$pullAll", listArg{vals: list(es)})
}

// PopFirst is the update that removes the first element of the array ($pop -1).
func (f SliceField[E]) PopFirst() Update { return fieldUpdate(f.path, "$pop", -1) }

// PopLast is the update that removes the last element of the array ($pop 1).
func (f SliceField[E]) PopLast() Update { return fieldUpdate(f.path, "$pop", 1) }

// distinctValue: MongoDB's distinct returns the elements of arrays.
func (f SliceField[E]) distinctValue(E) {}

// Path returns the dotted BSON path of the field ([ValueField.Path]).
func (f SliceField[E]) Path() string { return f.path }

// Eq matches documents whose field equals v ([ValueField.Eq]).
func (f SliceField[E]) Eq(v []E) Filter { return fieldEq(f.path, v) }

// Ne matches documents whose field does not equal v ([ValueField.Ne]).
func (f SliceField[E]) Ne(v []E) Filter { return fieldOp(f.path, "$ne", v) }

// In matches documents whose field equals any of vs ([ValueField.In]).
func (f SliceField[E]) In(vs ...[]E) Filter { return fieldOp(f.path, "$in", list(vs)) }

// Nin matches documents whose field equals none of vs ([ValueField.Nin]).
func (f SliceField[E]) Nin(vs ...[]E) Filter { return fieldOp(f.path, "$nin", list(vs)) }

// Exists matches documents that have the field, or lack it ([ValueField.Exists]).
func (f SliceField[E]) Exists(b bool) Filter { return fieldOp(f.path, "$exists", b) }

// Set is the update that sets the field to v ([ValueField.Set]).
func (f SliceField[E]) Set(v []E) Update { return fieldUpdate(f.path, "$set", v) }

// SetOnInsert sets the field to v only when an upsert inserts ([ValueField.SetOnInsert]).
func (f SliceField[E]) SetOnInsert(v []E) Update { return fieldUpdate(f.path, "$setOnInsert", v) }

// Unset is the update that removes the field ([ValueField.Unset]).
func (f SliceField[E]) Unset() Update { return fieldUpdate(f.path, "$unset", "") }

// Asc sorts by the field, smallest first.
func (f SliceField[E]) Asc() SortKey { return SortKey{Path: f.path, Desc: false} }

// Desc sorts by the field, largest first.
func (f SliceField[E]) Desc() SortKey { return SortKey{Path: f.path, Desc: true} }

// listArg is the argument of an array update that takes a list: {$each:
// [...]} for $push and $addToSet, [...] for $pullAll. Two listArgs of one
// operator and path in one update merge (see mergeList).
type listArg struct {
	vals bson.A
	each bool
}

// MarshalBSONValue writes the argument as the server expects it.
func (a listArg) MarshalBSONValue() (byte, []byte, error) {
	var v any = a.vals
	if a.each {
		v = bson.D{{Key: "$each", Value: a.vals}}
	}
	t, data, err := bson.MarshalValue(v)
	return byte(t), data, err
}

// mergeList folds u into an earlier field of dst with the same operator and
// path when both carry a listArg, and reports whether it did. The merged
// list is a new slice: the updates being combined are never changed.
func mergeList(dst []opField, u opUpdate) bool {
	arg, ok := u.val.(listArg)
	if !ok {
		return false
	}
	for i := range dst {
		prev, ok := dst[i].f.Value.(listArg)
		if !ok || dst[i].op != u.op || dst[i].f.Key != u.path {
			continue
		}
		vals := make(bson.A, 0, len(prev.vals)+len(arg.vals))
		prev.vals = append(append(vals, prev.vals...), arg.vals...)
		dst[i].f.Value = prev
		return true
	}
	return false
}
