package mongotest

import (
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongotxgen/mongotxgen/runtime/mongotest/internal/mql"
)

// parsePartialFilter validates a partialFilterExpression as mongod (before
// 6.0's $or and $in) does: equalities (with null too), $lt, $lte, $gt,
// $gte, $type and $exists: true, under one top-level $and at most.
// Anything else, a negation such as $exists: false or $ne above all, is
// refused.
func parsePartialFilter(v any) (bson.D, *mql.Filter, *cmdError) {
	d, ok := v.(bson.D)
	if !ok {
		return nil, nil, cannotCreateIndex(`"partialFilterExpression" for an index must be a document`)
	}
	if err := checkPartial(d, true); err != nil {
		return nil, nil, err
	}
	f, perr := mql.ParseFilter(d)
	if perr != nil {
		return nil, nil, asCmdError(perr)
	}
	return d, f, nil
}

// checkPartial checks the expressions of a partial filter document; top
// says whether an $and may appear.
func checkPartial(d bson.D, top bool) *cmdError {
	for _, e := range d {
		if e.Key == "$and" && top {
			list, _ := e.Value.(bson.A)
			for _, c := range list {
				if cd, ok := c.(bson.D); ok {
					if err := checkPartial(cd, false); err != nil {
						return err
					}
				}
			}
			continue
		}
		if strings.HasPrefix(e.Key, "$") {
			if e.Key == "$and" {
				return cannotCreateIndex("$and only supported in partialFilterExpression at top level")
			}
			return cannotCreateIndex("Expression not supported in partial index: " + e.Key)
		}
		ops, isOps := e.Value.(bson.D)
		if !isOps || len(ops) == 0 || !strings.HasPrefix(ops[0].Key, "$") {
			continue // an equality
		}
		for _, op := range ops {
			switch op.Key {
			case "$eq", "$lt", "$lte", "$gt", "$gte", "$type":
			case "$exists":
				// $exists: true, as the query language reads its argument,
				// is the one that leaves out a document without the field.
				if f, err := mql.ParseFilter(bson.D{{Key: "f", Value: bson.D{op}}}); err == nil && !f.Match(bson.D{}) {
					continue
				}
				return cannotCreateIndex("Expression not supported in partial index: $not\n    " + e.Key + " exists\n")
			default:
				return cannotCreateIndex("Expression not supported in partial index: " + e.Key + " " + op.Key)
			}
		}
	}
	return nil
}

// cannotCreateIndex is mongod's CannotCreateIndex error (code 67).
func cannotCreateIndex(msg string) *cmdError {
	return &cmdError{Code: 67, Name: "CannotCreateIndex", Msg: msg}
}
