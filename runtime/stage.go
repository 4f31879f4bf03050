package runtime

import (
	"go.mongodb.org/mongo-driver/v2/bson"
)

// Stage is one step of an aggregation pipeline, given to [Aggregate]. Build
// it with [Match], [Project], [Group], [Unwind], [Lookup], [LookupPipeline],
// [ReplaceRoot], [SortByCount] or [RawStage]. The find options are stages too: [Sort],
// [Skip] and [Limit] become $sort, $skip and $limit, [Select] a $project,
// and [BatchSize] sets the batch size of the aggregate's cursor.
type Stage interface {
	appendTo(p *Pipeline)
}

// Pipeline is what a list of stages makes: the stage documents sent to the
// server and the find options given among the stages.
type Pipeline struct {
	Stages  []bson.D
	Options FindOptions // every FindOption given as a stage, applied in order
}

// NewPipeline builds the pipeline of stages.
func NewPipeline(stages ...Stage) Pipeline {
	var p Pipeline
	for _, s := range stages {
		if s != nil {
			s.appendTo(&p)
		}
	}
	return p
}

// docStage is a stage that is one document.
type docStage bson.D

func (s docStage) appendTo(p *Pipeline) { p.Stages = append(p.Stages, bson.D(s)) }

func stage(name string, arg any) Stage { return docStage{{Key: name, Value: arg}} }

// RawStage is a stage written by hand, for what the typed constructors do
// not cover ($addFields, $facet, $replaceRoot, ...):
//
//	runtime.RawStage(bson.D{{Key: "$addFields", Value: bson.D{{Key: "year", Value: bson.D{{Key: "$year", Value: "$at"}}}}}})
func RawStage(d bson.D) Stage { return docStage(d) }

// appendTo makes a find option a stage: Sort, Skip, Limit and Select give
// their stage, in the order given; every option is also kept in
// Pipeline.Options (BatchSize is read from there).
func (o FindOption) appendTo(p *Pipeline) {
	if o == nil {
		return
	}
	o(&p.Options)
	var one FindOptions
	o(&one)
	if len(one.Sort) > 0 {
		p.Stages = append(p.Stages, bson.D{{Key: "$sort", Value: one.Sort}})
	}
	if one.Skip > 0 {
		p.Stages = append(p.Stages, bson.D{{Key: "$skip", Value: one.Skip}})
	}
	if one.Limit > 0 {
		p.Stages = append(p.Stages, bson.D{{Key: "$limit", Value: one.Limit}})
	}
	if len(one.Projection) > 0 {
		p.Stages = append(p.Stages, bson.D{{Key: "$project", Value: one.Projection}})
	}
}

// Match keeps the documents filter matches ($match); a nil filter keeps
// all:
//
//	runtime.Match(OrderFields.Status.Eq("paid"))
func Match(filter Filter) Stage { return stage("$match", FilterDoc(filter)) }

// Project keeps only the given fields of each document, and its _id
// ($project); [Select] is the same as a find option.
func Project(fields ...Pather) Stage {
	d := bson.D{}
	for _, f := range fields {
		d = append(d, bson.E{Key: f.Path(), Value: 1})
	}
	return stage("$project", d)
}

// Unwind outputs one document per element of the array at field, with the
// field set to that element ($unwind). A document whose field is missing,
// null or an empty array is dropped; [UnwindKeepEmpty] keeps it.
func Unwind(field Pather) Stage { return stage("$unwind", Ref(field)) }

// UnwindKeepEmpty is [Unwind] that keeps the documents whose field is
// missing, null or an empty array, without the field
// (preserveNullAndEmptyArrays).
func UnwindKeepEmpty(field Pather) Stage {
	return stage("$unwind", bson.D{{Key: "path", Value: Ref(field)}, {Key: "preserveNullAndEmptyArrays", Value: true}})
}

// SortByCount groups the documents by the value of field and outputs, most
// frequent first, one document per value: {_id: value, count: n}
// ($sortByCount).
func SortByCount(field Pather) Stage { return stage("$sortByCount", Ref(field)) }

// ReplaceRoot replaces each document by its sub-document at field
// ($replaceWith), e.g. the account a [Lookup] and an [Unwind] put in it, to
// decode the accounts themselves. A document whose field is not a document
// makes the aggregate fail.
func ReplaceRoot(field Pather) Stage { return stage("$replaceWith", Ref(field)) }

// Path is a dotted path given by name, for the fields a pipeline makes that
// no generated field names: the array a [Lookup] adds, a [Group] output.
type Path string

// Path returns p.
func (p Path) Path() string { return string(p) }

// Ref returns the aggregation expression that reads field: "$" + its path.
func Ref(field Pather) string { return "$" + field.Path() }

// Var returns the aggregation expression that reads the variable name of a
// [LookupPipeline] let: "$$" + name.
func Var(name string) string { return "$$" + name }

// EqVar matches documents whose field equals the variable name of the
// enclosing [LookupPipeline] ({$expr: {$eq: ["$field", "$$name"]}}), the
// way a pipeline lookup correlates a foreign document with its input
// document.
func EqVar(field Pather, name string) Filter {
	return Raw{{Key: "$expr", Value: bson.D{{Key: "$eq", Value: bson.A{Ref(field), Var(name)}}}}}
}

// Asc orders by p, smallest first.
func (p Path) Asc() SortKey { return SortKey{Path: string(p)} }

// Desc orders by p, greatest first.
func (p Path) Desc() SortKey { return SortKey{Path: string(p), Desc: true} }
