package mql

import "go.mongodb.org/mongo-driver/v2/bson"

// Database gives the stages that read other collections ($lookup) the
// documents of a collection of the aggregate's database, as the aggregate's
// own read sees them: in its transaction and at its snapshot, so that a
// lookup sees the transaction's own writes and nothing committed after it
// began. A collection that does not exist has no documents. Stages never
// modify the documents returned.
type Database interface {
	Documents(collection string) []bson.D
}

// env is what compiling a stage needs beside its specification: the
// database $lookup reads (nil: $lookup is refused), the variables in scope
// (the command's let and those of enclosing $lookup lets), and how many
// $lookup sub-pipelines enclose the stage.
type env struct {
	db    Database
	vars  Vars
	depth int
}

// maxLookupDepth is mongod's limit on nested $lookup sub-pipelines.
const maxLookupDepth = 20

// RunPipelineIn is [RunPipelineWith] for an aggregate of a collection of
// db: $lookup reads db's collections.
func RunPipelineIn(db Database, docs []bson.D, pipeline []bson.D, vars Vars) ([]bson.D, error) {
	stages, err := compilePipeline(pipeline, env{db: db, vars: vars})
	if err != nil {
		return nil, err
	}
	out, err := runStages(stages, docs)
	if err != nil {
		return nil, err
	}
	// Stages such as $match pass documents through; copy them so that the
	// caller owns the results and its stored documents stay untouched.
	res := make([]bson.D, len(out))
	for i, d := range out {
		res[i] = copyDoc(d)
	}
	return res, nil
}

// compilePipeline compiles the stages of a pipeline, or of a sub-pipeline
// of $lookup or $facet, in e.
func compilePipeline(specs []bson.D, e env) ([]stage, error) {
	stages := make([]stage, 0, len(specs))
	for _, spec := range specs {
		s, err := parseStageIn(spec, e)
		if err != nil {
			return nil, err
		}
		stages = append(stages, s)
	}
	return stages, nil
}

// runStages runs compiled stages over docs. Compiled stages keep no state
// between runs, so a sub-pipeline runs once per input document.
func runStages(stages []stage, docs []bson.D) ([]bson.D, error) {
	out := docs
	for _, s := range stages {
		var err error
		if out, err = s(out); err != nil {
			return nil, err
		}
	}
	return out, nil
}
