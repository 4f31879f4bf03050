package mql

import (
	"math"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// stage is one compiled aggregation stage.
type stage func(docs []bson.D) ([]bson.D, error)

// RunPipeline runs an aggregation pipeline over docs, which it does not
// modify; the results are fresh copies the caller owns. Supported stages: $match, $sort, $skip, $limit, $project,
// $addFields/$set, $unset, $group, $count, $unwind, $replaceRoot,
// $replaceWith, $documents, $facet and $sortByCount; $lookup too with
// [RunPipelineIn]. Unknown stages fail with code 40324 as in mongod;
// stages mongod has but this package lacks are refused naming the stage.
func RunPipeline(docs []bson.D, pipeline []bson.D) ([]bson.D, error) {
	return RunPipelineIn(nil, docs, pipeline, nil)
}

// RunPipelineWith is RunPipeline with the command's let variables.
func RunPipelineWith(docs []bson.D, pipeline []bson.D, vars Vars) ([]bson.D, error) {
	return RunPipelineIn(nil, docs, pipeline, vars)
}

// parseStage compiles a stage that reads no other collection.
func parseStage(spec bson.D, vars Vars) (stage, error) { return parseStageIn(spec, env{vars: vars}) }

// parseStageIn compiles a stage in e: the database $lookup reads, the
// variables in scope and the $lookup nesting depth.
func parseStageIn(spec bson.D, e env) (stage, error) {
	vars := e.vars
	if len(spec) != 1 {
		return nil, errorf(40323, "A pipeline stage specification object must contain exactly one field.")
	}
	name, arg := spec[0].Key, normalize(spec[0].Value)
	switch name {
	case "$match":
		return parseMatchStage(arg, vars)
	case "$sort":
		return parseSortStage(arg)
	case "$skip", "$limit":
		return parseSkipLimit(name, arg)
	case "$project":
		d, ok := arg.(bson.D)
		if !ok {
			return nil, errorf(15969, "$project specification must be an object")
		}
		if len(d) == 0 {
			return nil, errorf(51272, "Invalid $project :: caused by :: projection specification must have at least one field")
		}
		p, err := parseProjection(d, vars)
		if err != nil {
			return nil, err
		}
		return mapStage(p.Apply), nil
	case "$unset":
		return parseUnsetStage(arg)
	case "$addFields", "$set":
		return parseAddFields(name, arg, vars)
	case "$replaceRoot", "$replaceWith":
		return parseReplaceRoot(name, arg, vars)
	case "$documents":
		return parseDocuments(arg, vars)
	case "$group":
		return parseGroup(arg, vars)
	case "$count":
		return parseCount(arg)
	case "$unwind":
		return parseUnwind(arg)
	case "$lookup":
		return parseLookup(arg, e)
	case "$facet":
		return parseFacet(arg, e)
	case "$sortByCount":
		return parseSortByCount(arg, vars)
	case "$bucket", "$bucketAuto", "$changeStream", "$changeStreamSplitLargeEvent", "$collStats",
		"$currentOp", "$densify", "$fill", "$geoNear", "$graphLookup",
		"$indexStats", "$listLocalSessions", "$listSampledQueries", "$listSearchIndexes",
		"$listSessions", "$merge", "$out", "$planCacheStats", "$querySettings",
		"$redact", "$sample", "$search", "$searchMeta", "$setWindowFields", "$shardedDataDistribution",
		"$unionWith", "$vectorSearch":
		return nil, unsupported("aggregation stage %s", name)
	}
	return nil, errorf(40324, "Unrecognized pipeline stage name: '%s'", name)
}

func parseMatchStage(arg any, vars Vars) (stage, error) {
	d, ok := arg.(bson.D)
	if !ok {
		return nil, errorf(15959, "the match filter must be an expression in an object")
	}
	f, err := ParseFilterWith(d, vars)
	if err != nil {
		return nil, err
	}
	return func(docs []bson.D) ([]bson.D, error) {
		var out []bson.D
		for _, d := range docs {
			if f.Match(d) {
				out = append(out, d)
			}
		}
		return out, nil
	}, nil
}

func parseSortStage(arg any) (stage, error) {
	d, ok := arg.(bson.D)
	if !ok {
		return nil, errorf(15973, "the $sort key specification must be an object")
	}
	if len(d) == 0 {
		return nil, errorf(15976, "$sort stage must have at least one sort key")
	}
	s, err := ParseSort(d)
	if err != nil {
		return nil, err
	}
	return func(docs []bson.D) ([]bson.D, error) {
		out := slices.Clone(docs)
		slices.SortStableFunc(out, s.Compare)
		return out, nil
	}, nil
}

func parseSkipLimit(name string, arg any) (stage, error) {
	n, ok := wholeNumber(arg)
	switch {
	case !ok || n < 0:
		return nil, errorf(5107200, "invalid argument to %s stage: Expected a non-negative number in: %s: %s", name, name, formatValue(arg))
	case name == "$limit" && n == 0:
		return nil, errorf(15958, "the limit must be positive")
	}
	return func(docs []bson.D) ([]bson.D, error) {
		if name == "$skip" {
			return docs[min(n, int64(len(docs))):], nil
		}
		return docs[:min(n, int64(len(docs)))], nil
	}, nil
}

func parseUnsetStage(arg any) (stage, error) {
	var fields bson.D
	switch x := arg.(type) {
	case string:
		fields = bson.D{{Key: x, Value: int32(0)}}
	case bson.A:
		for _, f := range x {
			s, ok := normalize(f).(string)
			if !ok {
				return nil, errorf(31120, "$unset specification must be a string or an array containing only string values")
			}
			fields = append(fields, bson.E{Key: s, Value: int32(0)})
		}
	}
	if len(fields) == 0 {
		return nil, errorf(31119, "$unset specification must be a string or an array with at least one field")
	}
	p, err := ParseProjection(fields)
	if err != nil {
		return nil, err
	}
	return mapStage(p.Apply), nil
}

func parseReplaceRoot(name string, arg any, vars Vars) (stage, error) {
	src := arg
	if name == "$replaceRoot" {
		d, ok := arg.(bson.D)
		if !ok || fieldIndex(d, "newRoot") < 0 || len(d) != 1 {
			return nil, errorf(40231, "no newRoot specified for the $replaceRoot stage")
		}
		src, _ = lookup(d, "newRoot")
	}
	ex, err := parseExpression(src, vars)
	if err != nil {
		return nil, err
	}
	return mapStage(func(d bson.D) (bson.D, error) {
		v, _, err := ex.eval(d)
		if err != nil {
			return nil, err
		}
		root, ok := v.(bson.D)
		if !ok {
			return nil, errorf(40228, "'replacement document' must evaluate to an object, but resulting value was: %s. Type of resulting value: '%s'. Input document: %s", formatValue(v), typeName(v), formatDoc(d))
		}
		return root, nil
	}), nil
}

func mapStage(fn func(bson.D) (bson.D, error)) stage {
	return func(docs []bson.D) ([]bson.D, error) {
		out := make([]bson.D, 0, len(docs))
		for _, d := range docs {
			r, err := fn(d)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, nil
	}
}

// wholeNumber reads a non-fractional number as int64.
func wholeNumber(v any) (int64, bool) {
	if i, ok := intValue(v); ok {
		return i, true
	}
	f, ok := asFloat(v)
	if !ok || f != math.Trunc(f) || math.IsInf(f, 0) || f >= math.MaxInt64 || f < math.MinInt64 {
		return 0, false
	}
	return int64(f), true
}

func parseAddFields(name string, arg any, vars Vars) (stage, error) {
	d, ok := arg.(bson.D)
	if !ok {
		return nil, errorf(40272, "%s specification stage must be an object, got %s", name, typeName(arg))
	}
	type field struct {
		path []string
		ex   expression
	}
	var fields []field
	var flatten func(prefix []string, d bson.D) error
	flatten = func(prefix []string, d bson.D) error {
		for _, e := range d {
			path := append(slices.Clone(prefix), strings.Split(e.Key, ".")...)
			for _, c := range path {
				if err := checkFieldName(c); err != nil {
					return err
				}
			}
			if sub, ok := normalize(e.Value).(bson.D); ok && len(sub) > 0 && !strings.HasPrefix(sub[0].Key, "$") {
				if err := flatten(path, sub); err != nil {
					return err
				}
				continue
			}
			ex, err := parseExpression(e.Value, vars)
			if err != nil {
				return err
			}
			fields = append(fields, field{path, ex})
		}
		return nil
	}
	if err := flatten(nil, d); err != nil {
		return nil, err
	}
	return mapStage(func(doc bson.D) (bson.D, error) {
		out := copyDoc(doc)
		for _, f := range fields {
			v, ok, err := f.ex.eval(doc)
			if err != nil {
				return nil, err
			}
			if !ok { // a missing value ($$REMOVE, a missing field) removes the field
				next, err := removeDocPath(out, f.path)
				if err != nil {
					return nil, err
				}
				out = next
				continue
			}
			next, err := setDocPath(out, f.path, v)
			if err != nil {
				return nil, err
			}
			out = next
		}
		return out, nil
	}), nil
}

// setDocPath sets a value at a path of documents, replacing non-document
// values on the way by documents, as $addFields does. Arrays on the path
// are refused rather than handled approximately.
func setDocPath(d bson.D, path []string, v any) (bson.D, error) {
	i := fieldIndex(d, path[0])
	if len(path) == 1 {
		return setField(d, path[0], v), nil
	}
	var sub bson.D
	if i >= 0 {
		switch x := normalize(d[i].Value).(type) {
		case bson.D:
			sub = x
		case bson.A:
			return nil, unsupported("$addFields on path '%s' through an array", strings.Join(path, "."))
		}
	}
	sub, err := setDocPath(slices.Clone(sub), path[1:], v)
	if err != nil {
		return nil, err
	}
	return setField(d, path[0], sub), nil
}

// removeDocPath removes the field at a path of documents; a missing path
// is left alone. Arrays on the path are refused, as in setDocPath.
func removeDocPath(d bson.D, path []string) (bson.D, error) {
	i := fieldIndex(d, path[0])
	if i < 0 {
		return d, nil
	}
	if len(path) == 1 {
		return append(d[:i:i], d[i+1:]...), nil
	}
	switch x := normalize(d[i].Value).(type) {
	case bson.D:
		sub, err := removeDocPath(slices.Clone(x), path[1:])
		if err != nil {
			return nil, err
		}
		return setField(d, path[0], sub), nil
	case bson.A:
		return nil, unsupported("$addFields on path '%s' through an array", strings.Join(path, "."))
	}
	return d, nil
}

func parseCount(arg any) (stage, error) {
	name, ok := arg.(string)
	switch {
	case !ok || name == "":
		return nil, errorf(40156, "the count field must be a non-empty string")
	case strings.HasPrefix(name, "$"):
		return nil, errorf(40158, "the count field cannot be a $-prefixed path")
	case strings.Contains(name, "."):
		return nil, errorf(40160, "the count field cannot contain '.'")
	}
	return func(docs []bson.D) ([]bson.D, error) {
		if len(docs) == 0 {
			return nil, nil
		}
		return []bson.D{{{Key: name, Value: int32(len(docs))}}}, nil
	}, nil
}

func parseUnwind(arg any) (stage, error) {
	var pathStr, indexField string
	preserve := false
	switch x := arg.(type) {
	case string:
		pathStr = x
	case bson.D:
		for _, e := range x {
			v := normalize(e.Value)
			switch e.Key {
			case "path":
				s, ok := v.(string)
				if !ok {
					return nil, errorf(28808, "expected a string as the path for $unwind stage, got %s", typeName(v))
				}
				pathStr = s
			case "includeArrayIndex":
				s, ok := v.(string)
				if !ok || s == "" || strings.HasPrefix(s, "$") {
					return nil, errorf(28810, "includeArrayIndex option to $unwind stage should be a non-empty string not starting with '$'")
				}
				indexField = s
			case "preserveNullAndEmptyArrays":
				b, ok := v.(bool)
				if !ok {
					return nil, errorf(28809, "expected a boolean for the preserveNullAndEmptyArrays option to $unwind stage, got %s", typeName(v))
				}
				preserve = b
			default:
				return nil, errorf(28811, "unrecognized option to $unwind stage: %s", e.Key)
			}
		}
		if pathStr == "" {
			return nil, errorf(28812, "no path specified to $unwind stage")
		}
	default:
		return nil, errorf(15981, "expected either a string or an object as specification for $unwind stage, got %s", typeName(arg))
	}
	if !strings.HasPrefix(pathStr, "$") {
		return nil, errorf(28818, "path option to $unwind stage should be prefixed with a '$': %s", pathStr)
	}
	path := strings.Split(pathStr[1:], ".")
	for _, c := range path {
		if err := checkFieldName(c); err != nil {
			return nil, err
		}
	}
	return func(docs []bson.D) ([]bson.D, error) {
		var out []bson.D
		emit := func(d bson.D, v any, idx any, replace bool) error {
			r := copyDoc(d)
			var err error
			if replace {
				if r, err = setDocPath(r, path, deepCopy(v)); err != nil {
					return err
				}
			}
			if indexField != "" {
				if r, err = setDocPath(r, strings.Split(indexField, "."), idx); err != nil {
					return err
				}
			}
			out = append(out, r)
			return nil
		}
		for _, d := range docs {
			v, found := nestedField(d, path)
			arr, isArr := v.(bson.A)
			var err error
			switch {
			case isArr && len(arr) > 0:
				for i, e := range arr {
					if err = emit(d, e, int64(i), true); err != nil {
						return nil, err
					}
				}
			case isArr || !found || v == nil:
				if preserve {
					err = emit(d, nil, nil, false)
					if isArr && err == nil { // an empty array is removed from the output
						out[len(out)-1] = unsetIn(out[len(out)-1], path).(bson.D)
					}
				}
			default:
				err = emit(d, v, nil, false)
			}
			if err != nil {
				return nil, err
			}
		}
		return out, nil
	}, nil
}

// nestedField follows a path through documents only.
func nestedField(d bson.D, path []string) (any, bool) {
	var cur any = d
	for _, p := range path {
		doc, ok := cur.(bson.D)
		if !ok {
			return nil, false
		}
		if cur, ok = lookup(doc, p); !ok {
			return nil, false
		}
	}
	return cur, true
}

// parseDocuments compiles $documents: its expression, evaluated once with
// no document, gives the stage's output, an array of documents.
func parseDocuments(arg any, vars Vars) (stage, error) {
	ex, err := parseExpression(arg, vars)
	if err != nil {
		return nil, err
	}
	if readsDocument(ex) {
		return nil, errorf(5858203, "$documents may not refer to fields of documents: it has no input")
	}
	v, _, err := ex.eval(bson.D{})
	if err != nil {
		return nil, err
	}
	list, ok := v.(bson.A)
	if !ok {
		return nil, errorf(5858203, "an array is expected for $documents, not %s", typeName(v))
	}
	docs := make([]bson.D, len(list))
	for i, e := range list {
		if docs[i], ok = normalize(e).(bson.D); !ok {
			return nil, errorf(40228, "'$documents' must evaluate to an array of objects, but an element was %s", typeName(e))
		}
	}
	return func([]bson.D) ([]bson.D, error) { return docs, nil }, nil
}
