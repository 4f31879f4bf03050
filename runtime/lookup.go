package runtime

import "go.mongodb.org/mongo-driver/v2/bson"

// Lookup adds to each document the array, at path as, of the documents of
// the collection from whose foreignField equals its localField ($lookup;
// an array localField matches each of its elements, a missing one matches
// a missing or null foreignField):
//
//	runtime.Lookup("accounts", OrderFields.AccountID, AccountFields.ID, "account")
//
// Inside a transaction the foreign collection is read in the same
// transaction, so the lookup sees its writes.
func Lookup(from string, localField, foreignField Pather, as string) Stage {
	return stage("$lookup", bson.D{
		{Key: "from", Value: from},
		{Key: "localField", Value: localField.Path()},
		{Key: "foreignField", Value: foreignField.Path()},
		{Key: "as", Value: as},
	})
}

// LetVar is a variable of a [LookupPipeline], bound to a field of each
// input document; the sub-pipeline reads it with [Var] or [EqVar].
type LetVar struct {
	name  string
	field Pather
}

// Let binds the variable name to field of the input document. MongoDB
// requires the name to start with a lowercase letter.
func Let(name string, field Pather) LetVar { return LetVar{name, field} }

// LookupPipeline adds to each document the array, at path as, of what the
// stages make of the documents of the collection from, with the lets bound
// to the input document's fields ($lookup with let and pipeline):
//
//	runtime.LookupPipeline("accounts", "account", []runtime.LetVar{runtime.Let("acct", OrderFields.AccountID)},
//		runtime.Match(runtime.EqVar(AccountFields.ID, "acct")), runtime.Project(AccountFields.Owner))
//
// Find options among the stages are sorts, skips, limits and projections
// of the sub-pipeline.
func LookupPipeline(from, as string, lets []LetVar, stages ...Stage) Stage {
	let := bson.D{}
	for _, l := range lets {
		let = append(let, bson.E{Key: l.name, Value: Ref(l.field)})
	}
	sub := NewPipeline(stages...).Stages
	if sub == nil {
		sub = []bson.D{}
	}
	return stage("$lookup", bson.D{
		{Key: "from", Value: from},
		{Key: "let", Value: let},
		{Key: "pipeline", Value: sub},
		{Key: "as", Value: as},
	})
}
