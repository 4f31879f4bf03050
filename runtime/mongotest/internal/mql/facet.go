package mql

import (
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// notInFacet are the stages mongod refuses inside a $facet sub-pipeline.
var notInFacet = []string{"$collStats", "$facet", "$geoNear", "$indexStats", "$out", "$merge", "$planCacheStats", "$search", "$searchMeta", "$vectorSearch", "$changeStream"}

// parseFacet compiles $facet: one output document with, for each facet,
// the array of what its sub-pipeline makes of all the input documents.
func parseFacet(arg any, e env) (stage, error) {
	d, ok := arg.(bson.D)
	if !ok || len(d) == 0 {
		return nil, errorf(40169, "the $facet specification must be a non-empty object, but found: %s", formatValue(arg))
	}
	names := make([]string, len(d))
	facets := make([][]stage, len(d))
	for i, f := range d {
		if err := checkFieldName(f.Key); err != nil {
			return nil, err
		}
		if strings.Contains(f.Key, ".") {
			return nil, errorf(16412, "FieldPath field names may not contain '.'.")
		}
		arr, ok := normalize(f.Value).(bson.A)
		if !ok {
			return nil, errorf(40170, "arguments to $facet must be arrays, %s is type %s", f.Key, typeName(normalize(f.Value)))
		}
		specs := make([]bson.D, len(arr))
		for j, st := range arr {
			if specs[j], ok = normalize(st).(bson.D); !ok || len(specs[j]) == 0 {
				return nil, errorf(40171, "elements of arrays in $facet spec must be non-empty objects, %s argument contained an element of type %s: %s", f.Key, typeName(normalize(st)), formatValue(st))
			}
		}
		if len(specs) == 0 {
			return nil, errorf(CodeBadValue, "sub-pipeline in $facet stage cannot be empty")
		}
		for _, s := range specs {
			for _, bad := range notInFacet {
				if len(s) == 1 && s[0].Key == bad {
					return nil, errorf(40600, "%s is not allowed to be used within a $facet stage", bad)
				}
			}
		}
		var err error
		if facets[i], err = compilePipeline(specs, e); err != nil {
			return nil, err
		}
		names[i] = f.Key
	}
	return func(docs []bson.D) ([]bson.D, error) {
		out := bson.D{}
		for i, stages := range facets {
			res, err := runStages(stages, docs)
			if err != nil {
				return nil, err
			}
			arr := make(bson.A, len(res))
			for j, r := range res {
				arr[j] = copyDoc(r)
			}
			out = append(out, bson.E{Key: names[i], Value: arr})
		}
		return []bson.D{out}, nil
	}, nil
}

// parseSortByCount compiles $sortByCount: $group by the expression with a
// count, then $sort by count descending, as mongod rewrites it.
func parseSortByCount(arg any, vars Vars) (stage, error) {
	switch x := arg.(type) {
	case string:
		if !strings.HasPrefix(x, "$") {
			return nil, errorf(40148, "the sortByCount field must be defined as a $-prefixed path or an expression inside an object")
		}
	case bson.D:
		if len(x) == 0 || !strings.HasPrefix(x[0].Key, "$") {
			return nil, errorf(40147, "the sortByCount field must be defined as a $-prefixed path or an expression inside an object")
		}
	default:
		return nil, errorf(40149, "the sortByCount field must be specified as a string or as an object")
	}
	group, err := parseGroup(bson.D{{Key: "_id", Value: arg}, {Key: "count", Value: bson.D{{Key: "$sum", Value: int32(1)}}}}, vars)
	if err != nil {
		return nil, err
	}
	sort, err := ParseSort(bson.D{{Key: "count", Value: int32(-1)}})
	if err != nil {
		return nil, err
	}
	return func(docs []bson.D) ([]bson.D, error) {
		out, err := group(docs)
		if err != nil {
			return nil, err
		}
		slices.SortStableFunc(out, sort.Compare)
		return out, nil
	}, nil
}
