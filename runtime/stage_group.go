package runtime

import "go.mongodb.org/mongo-driver/v2/bson"

// Accumulator is one output field of a [Group]: its name and how it is
// computed from the documents of the group. The constructors take fields of
// the kind the operator needs, so that summing a string field does not
// compile:
//
//	runtime.Sum("revenue", OrderFields.Total)    // Total is a NumberField
//	runtime.Sum("revenue", OrderFields.Note)     // does not compile: Note is a StringField
type Accumulator struct {
	name string
	op   string
	arg  any
}

// Summable is a numeric field: [NumberField] (and the untyped [Field]).
type Summable[V any] interface {
	Pather
	Inc(v V) Update
}

// Orderable is a field whose values are ordered: [OrderedField],
// [NumberField], [StringField] (and the untyped [Field]).
type Orderable[V any] interface {
	Pather
	Gt(v V) Filter
}

// Sum adds up field over the group ($sum); non-numbers are ignored.
func Sum[V Number](as string, field Summable[V]) Accumulator {
	return Accumulator{as, "$sum", Ref(field)}
}

// Avg is the average of field over the group, null when no value is a
// number ($avg).
func Avg[V Number](as string, field Summable[V]) Accumulator {
	return Accumulator{as, "$avg", Ref(field)}
}

// Min is the least value of field in the group ($min).
func Min[V any](as string, field Orderable[V]) Accumulator {
	return Accumulator{as, "$min", Ref(field)}
}

// Max is the greatest value of field in the group ($max).
func Max[V any](as string, field Orderable[V]) Accumulator {
	return Accumulator{as, "$max", Ref(field)}
}

// First is field of the first document of the group, in the order the
// documents reach the stage: sort before grouping ($first).
func First(as string, field Pather) Accumulator { return Accumulator{as, "$first", Ref(field)} }

// Last is field of the last document of the group ($last).
func Last(as string, field Pather) Accumulator { return Accumulator{as, "$last", Ref(field)} }

// Push is the array of field over the group, in order, duplicates kept
// ($push).
func Push(as string, field Pather) Accumulator { return Accumulator{as, "$push", Ref(field)} }

// AddToSet is the array of the distinct values of field over the group, in
// no particular order ($addToSet).
func AddToSet(as string, field Pather) Accumulator {
	return Accumulator{as, "$addToSet", Ref(field)}
}

// Count is the number of documents in the group ({$sum: 1}).
func Count(as string) Accumulator { return Accumulator{as, "$sum", 1} }

// Accumulate is an accumulator written by hand: op applied to an
// aggregation expression, for what the typed constructors do not cover:
//
//	runtime.Accumulate("gross", "$sum", bson.D{{Key: "$multiply", Value: bson.A{"$price", "$qty"}}})
func Accumulate(as, op string, expr any) Accumulator { return Accumulator{as, op, expr} }

// Group outputs one document per distinct value of key, with _id set to
// that value and one field per accumulator ($group). key is a field (its
// value is the group key), nil (one group for all documents), or an
// expression such as bson.D{{Key: "owner", Value: runtime.Ref(F.Owner)}}
// for a compound key:
//
//	runtime.Group(OrderFields.Customer, runtime.Sum("revenue", OrderFields.Total), runtime.Count("orders"))
func Group(key any, accs ...Accumulator) Stage {
	if f, ok := key.(Pather); ok {
		key = Ref(f)
	}
	d := bson.D{{Key: "_id", Value: key}}
	for _, a := range accs {
		d = append(d, bson.E{Key: a.name, Value: bson.D{{Key: a.op, Value: a.arg}}})
	}
	return stage("$group", d)
}
