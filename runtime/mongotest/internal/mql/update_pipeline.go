package mql

import (
	"go.mongodb.org/mongo-driver/v2/bson"
)

// pipelineUpdateStages are the aggregation stages an update pipeline may
// hold, as in mongod.
var pipelineUpdateStages = map[string]bool{
	"$addFields": true, "$set": true, "$project": true, "$unset": true,
	"$replaceRoot": true, "$replaceWith": true,
}

// parsePipelineUpdate compiles an update given as an array of stages.
func parsePipelineUpdate(list bson.A, vars Vars) (*Update, error) {
	u := &Update{}
	for _, v := range list {
		spec, ok := normalize(v).(bson.D)
		if !ok {
			return nil, errorf(CodeFailedToParse, "Each element of the 'pipeline' array must be an object")
		}
		if len(spec) == 1 && !pipelineUpdateStages[spec[0].Key] {
			return nil, errorf(CodeInvalidOptions, "%s is not allowed to be used within an update", spec[0].Key)
		}
		st, err := parseStage(spec, vars)
		if err != nil {
			return nil, err
		}
		u.stages = append(u.stages, st)
	}
	u.isPipeline = true
	return u, nil
}

// applyPipeline runs the update's stages on doc. Like a replacement, the
// result keeps doc's _id first, and may not change it.
func (u *Update) applyPipeline(doc bson.D) (bson.D, error) {
	docs := []bson.D{copyDoc(doc)}
	for _, st := range u.stages {
		var err error
		if docs, err = st(docs); err != nil {
			return nil, err
		}
	}
	if len(docs) != 1 {
		return nil, errorf(CodeInternalError, "an update pipeline produced %d documents", len(docs))
	}
	return keepID(doc, docs[0])
}

// keepID places out's _id first, restoring doc's when out lacks one and
// refusing a changed one.
func keepID(doc, out bson.D) (bson.D, error) {
	oldID, hadID := lookup(doc, "_id")
	newID, hasID := lookup(out, "_id")
	switch {
	case hasID && hadID && !Identical(oldID, newID):
		return nil, errorf(CodeImmutableField, "After applying the update, the (immutable) field '_id' was found to have been altered to _id: %s", formatValue(newID))
	case hasID:
		i := fieldIndex(out, "_id")
		out = append(bson.D{out[i]}, append(out[:i:i], out[i+1:]...)...)
	case hadID:
		out = append(bson.D{{Key: "_id", Value: deepCopy(oldID)}}, out...)
	}
	return out, checkID(out)
}
