package mql

import (
	"maps"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// lookupSpec is a parsed $lookup: the equality form (localField and
// foreignField), the sub-pipeline form (let and pipeline), or both, as
// mongod 5.0 allows.
type lookupSpec struct {
	from, as, local, foreign string
	hasFrom, hasLocal        bool
	hasForeign, hasPipeline  bool
	letNames                 []string
	letValues                []any
	pipeline                 []bson.D
}

func parseLookupSpec(arg any) (*lookupSpec, error) {
	d, ok := arg.(bson.D)
	if !ok {
		return nil, errorf(CodeFailedToParse, "the $lookup stage specification must be an object, but found %s", typeName(arg))
	}
	l := &lookupSpec{}
	for _, f := range d {
		v := normalize(f.Value)
		switch f.Key {
		case "from", "as", "localField", "foreignField":
			s, ok := v.(string)
			if !ok {
				if _, doc := v.(bson.D); doc && f.Key == "from" {
					return nil, unsupported("$lookup from another database")
				}
				return nil, errorf(CodeFailedToParse, "$lookup argument '%s' must be a string, found %s: %s", f.Key, formatValue(v), typeName(v))
			}
			switch f.Key {
			case "from":
				l.from, l.hasFrom = s, true
			case "as":
				l.as = s
			case "localField":
				l.local, l.hasLocal = s, true
			default:
				l.foreign, l.hasForeign = s, true
			}
		case "let":
			let, ok := v.(bson.D)
			if !ok {
				return nil, errorf(CodeFailedToParse, "$lookup argument 'let' must be an object, is type %s", typeName(v))
			}
			for _, e := range let {
				l.letNames = append(l.letNames, e.Key)
				l.letValues = append(l.letValues, e.Value)
			}
		case "pipeline":
			specs, err := lookupPipeline(v)
			if err != nil {
				return nil, err
			}
			l.pipeline, l.hasPipeline = specs, true
		default:
			return nil, errorf(CodeFailedToParse, "unknown argument to $lookup: %s", f.Key)
		}
	}
	return l, l.check()
}

// check applies mongod's rules on which options go together.
func (l *lookupSpec) check() error {
	switch {
	case !l.hasFrom && l.hasPipeline:
		return unsupported("$lookup without 'from' (a collectionless $documents sub-pipeline)")
	case !l.hasFrom:
		return errorf(CodeFailedToParse, "must specify 'from' field for a $lookup")
	case l.as == "":
		return errorf(CodeFailedToParse, "must specify 'as' field for a $lookup")
	case l.hasLocal != l.hasForeign:
		return errorf(CodeFailedToParse, "$lookup requires both or neither of 'localField' and 'foreignField' to be specified")
	case !l.hasLocal && !l.hasPipeline:
		return errorf(CodeFailedToParse, "$lookup requires either 'pipeline' or both 'localField' and 'foreignField' to be specified")
	case l.letNames != nil && !l.hasPipeline:
		return errorf(CodeFailedToParse, "$lookup with 'let' must also specify 'pipeline'")
	}
	for _, p := range []string{l.as, l.local, l.foreign} {
		if p == "" {
			continue
		}
		for _, c := range strings.Split(p, ".") {
			if err := checkFieldName(c); err != nil {
				return err
			}
		}
	}
	return nil
}

// lookupMaxBytes is mongod's bound on the documents one $lookup gathers for
// one input document (internalLookupStageIntermediateDocumentMaxSizeBytes);
// a variable so that tests can lower it.
var lookupMaxBytes = 100 << 20

// approxSize is the size of a value in BSON, roughly: what bounds the work
// and memory of a pipeline, not an exact encoding.
func approxSize(v any) int {
	switch x := v.(type) {
	case bson.D:
		n := 5
		for _, e := range x {
			n += len(e.Key) + 2 + approxSize(e.Value)
		}
		return n
	case bson.A:
		n := 5
		for _, e := range x {
			n += 3 + approxSize(e)
		}
		return n
	case string:
		return len(x) + 5
	case bson.Binary:
		return len(x.Data) + 5
	}
	return 8
}

// parseLookup compiles $lookup. Each input document gets, at the path of
// 'as', the array of the documents of 'from' (read through e.db, in the
// aggregate's own snapshot) whose foreignField equals a value of its
// localField, if given, and that come out of the sub-pipeline, if given.
// Variables are constants within a compiled pipeline, so the sub-pipeline
// is compiled once to report its errors whatever the input, then again for
// each input document with the let variables bound to that document's
// values (a missing value binds null).
func parseLookup(arg any, e env) (stage, error) {
	l, err := parseLookupSpec(arg)
	if err != nil {
		return nil, err
	}
	if e.db == nil {
		return nil, unsupported("$lookup outside an aggregate command")
	}
	if e.depth >= maxLookupDepth {
		return nil, errorf(CodeMaxSubPipelineDepth, "Maximum number of nested sub-pipelines exceeded. Limit is %d", maxLookupDepth)
	}
	lets := make([]expression, len(l.letNames))
	for i, name := range l.letNames {
		if name == "CURRENT" {
			return nil, unsupported("rebinding $$CURRENT")
		}
		if err := checkVarName(name); err != nil {
			return nil, err
		}
		if lets[i], err = parseExpression(l.letValues[i], e.vars); err != nil {
			return nil, err
		}
	}
	inner := func(vals []any) env {
		vars := Vars{}
		maps.Copy(vars, e.vars)
		for i, name := range l.letNames {
			vars[name] = vals[i]
		}
		return env{db: e.db, vars: vars, depth: e.depth + 1}
	}
	if _, err := compilePipeline(l.pipeline, inner(make([]any, len(lets)))); err != nil {
		return nil, err
	}
	asPath := strings.Split(l.as, ".")
	return func(docs []bson.D) ([]bson.D, error) {
		foreign := e.db.Documents(l.from)
		out := make([]bson.D, 0, len(docs))
		for _, d := range docs {
			matches, err := foreign, error(nil)
			if l.hasLocal {
				if matches, err = l.equalMatches(foreign, d); err != nil {
					return nil, err
				}
			}
			if l.hasPipeline {
				if matches, err = l.runPipeline(lets, d, inner, matches); err != nil {
					return nil, err
				}
			}
			arr := make(bson.A, len(matches))
			size := 0
			for i, m := range matches {
				if size += approxSize(m); size > lookupMaxBytes {
					return nil, errorf(4568, "Total size of documents in %s matching pipeline's $lookup stage exceeds %d bytes", l.from, lookupMaxBytes)
				}
				arr[i] = copyDoc(m)
			}
			r, err := setDocPath(copyDoc(d), asPath, arr)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, nil
	}, nil
}

// runPipeline runs the sub-pipeline on the foreign documents for input
// document d: its let values evaluated on d, compiled in inner.
func (l *lookupSpec) runPipeline(lets []expression, d bson.D, inner func([]any) env, foreign []bson.D) ([]bson.D, error) {
	vals := make([]any, len(lets))
	for i, ex := range lets {
		v, _, err := ex.eval(d)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	stages, err := compilePipeline(l.pipeline, inner(vals))
	if err != nil {
		return nil, err
	}
	return runStages(stages, foreign)
}

// equalMatches returns the foreign documents whose foreignField equals one
// of the values of doc's localField (the elements of an array), with a
// query's meaning of equality: a missing or null localField matches a
// missing or null foreignField, an array foreignField matches by element.
func (l *lookupSpec) equalMatches(foreign []bson.D, doc bson.D) ([]bson.D, error) {
	vals := DistinctValues(doc, l.local)
	if len(vals) == 0 {
		vals = []any{nil}
	}
	for _, v := range vals {
		if _, re := normalize(v).(bson.Regex); re {
			return nil, unsupported("$lookup on a localField holding a regular expression")
		}
	}
	f, err := ParseFilter(bson.D{{Key: l.foreign, Value: bson.D{{Key: "$in", Value: bson.A(vals)}}}})
	if err != nil {
		return nil, err
	}
	var out []bson.D
	for _, fd := range foreign {
		if f.Match(fd) {
			out = append(out, fd)
		}
	}
	return out, nil
}

// lookupPipeline reads the stages of a $lookup sub-pipeline.
func lookupPipeline(v any) ([]bson.D, error) {
	arr, ok := normalize(v).(bson.A)
	if !ok {
		return nil, errorf(CodeFailedToParse, "'pipeline' option must be specified as an array")
	}
	specs := make([]bson.D, len(arr))
	for i, st := range arr {
		d, ok := normalize(st).(bson.D)
		if !ok {
			return nil, errorf(CodeTypeMismatch, "Each element of the 'pipeline' array must be an object")
		}
		specs[i] = d
	}
	return specs, nil
}
