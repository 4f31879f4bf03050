package mongotest

import (
	"crypto/sha256"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongotxgen/mongotxgen/runtime/mongotest/internal/mql"
)

func init() {
	register(command{run: (*Server).aggregateOrStream, inTxn: true, locks: lockAggregate}, "aggregate")
}

// The aggregate command: on a collection, or on a database ({aggregate: 1})
// when the pipeline starts with $documents or $listLocalSessions. A final
// $out or $merge stage writes the results to a collection and the cursor
// returns nothing; the other stages run in package mql.

func (s *Server) aggregate(req *request) (bson.D, error) {
	if err := unsupported(req, "explain"); err != nil {
		return nil, err
	}
	collation, cerr := collationArg(req.body)
	if cerr != nil {
		return nil, cerr
	}
	vars, err := letVars(req)
	if err != nil {
		return nil, err
	}
	stages, cerr := pipelineArg(req.body)
	if cerr != nil {
		return nil, cerr
	}
	if !has(req.body, "cursor") {
		return nil, errorf(codeFailedToParse, "The 'cursor' option is required, except for aggregate with the explain argument")
	}
	batch, cerr := cursorBatch(req.body)
	if cerr != nil {
		return nil, cerr
	}
	docs, ns, stages, err := s.aggregateSource(req, stages)
	if err != nil {
		return nil, err
	}
	if collation != nil {
		if docs, stages, err = collatedMatch(collation, docs, stages, vars); err != nil {
			return nil, err
		}
	}
	var sink bson.D // a final $out or $merge
	if n := len(stages); n > 0 && (stages[n-1][0].Key == "$out" || stages[n-1][0].Key == "$merge") {
		sink, stages = stages[n-1], stages[:n-1]
	}
	for _, st := range stages {
		if k := st[0].Key; k == "$out" || k == "$merge" || k == "$documents" || k == "$listLocalSessions" {
			return nil, errorf(40601, "%s can only be the %s stage in the pipeline", k, map[bool]string{true: "final", false: "first"}[k == "$out" || k == "$merge"])
		}
	}
	out, perr := mql.RunPipelineIn(snapshotDB{s, req.db, req.view(), req.locks}, docs, stages, vars)
	if perr != nil {
		return nil, perr
	}
	if sink != nil {
		if err := s.writeSink(req, sink, out); err != nil {
			return nil, err
		}
		out = nil
	}
	return s.openCursor(ns, out, batch, false), nil
}

// pipelineArg reads the pipeline: an array of one-field documents.
func pipelineArg(body bson.D) ([]bson.D, *cmdError) {
	pipeline, ok := lookup(body, "pipeline").(bson.A)
	if !ok {
		return nil, errorf(codeTypeMismatch, "'pipeline' must be an array of stages")
	}
	stages := make([]bson.D, len(pipeline))
	for i, st := range pipeline {
		if stages[i], ok = st.(bson.D); !ok || len(stages[i]) != 1 {
			return nil, errorf(40323, "A pipeline stage specification object must contain exactly one field.")
		}
	}
	return stages, nil
}

// aggregateSource returns the documents the pipeline starts from, the
// namespace of its cursor and the stages left to run: a collection's
// documents, or for {aggregate: 1} those of a leading $documents or
// $listLocalSessions stage.
func (s *Server) aggregateSource(req *request, stages []bson.D) ([]bson.D, string, []bson.D, error) {
	if n, ok := wholeNumber(req.body[0].Value); ok && n == 1 {
		ns := req.db + ".$cmd.aggregate"
		if len(stages) == 0 {
			return nil, "", nil, errorf(codeInvalidNamespace, "{aggregate: 1} is not valid for an empty pipeline.")
		}
		switch stages[0][0].Key {
		case "$documents":
			docs, err := mql.RunPipeline(nil, stages[:1])
			return docs, ns, stages[1:], err
		case "$listLocalSessions":
			docs, err := s.localSessions(stages[0][0].Value)
			return docs, ns, stages[1:], err
		}
		if _, err := mql.RunPipeline(nil, stages[:1]); err != nil {
			return nil, "", nil, err // a stage mongotest refuses by name, such as $changeStream
		}
		return nil, "", nil, errorf(codeInvalidNamespace, "{aggregate: 1} is not valid for '%s'; a collection is required.", stages[0][0].Key)
	}
	name, err := collName(req)
	if err != nil {
		return nil, "", nil, err
	}
	c := s.coll(req.db, name, false)
	if err := checkHint(c, lookup(req.body, "hint")); err != nil {
		return nil, "", nil, err
	}
	// A leading $match goes to the planner (CountDocuments sends one),
	// unless let variables or a collation must reach it: the pipeline
	// then runs it.
	var q *query
	if !has(req.body, "let") && !has(req.body, "collation") {
		q, stages = leadingMatch(stages)
	}
	refs, qerr := matching(c, req.view(), q)
	if qerr != nil {
		return nil, "", nil, qerr
	}
	var docs []bson.D
	for _, r := range refs {
		docs = append(docs, r.doc)
	}
	return docs, req.db + "." + name, stages, nil
}

// localSessions is $listLocalSessions: the sessions this server knows,
// {_id: {id, uid}, lastUse}. Without authentication every session belongs
// to the same (empty) user, whose uid is the SHA-256 of its name.
func (s *Server) localSessions(arg any) ([]bson.D, error) {
	spec, ok := arg.(bson.D)
	if !ok {
		return nil, errorf(codeTypeMismatch, "$listLocalSessions must be an object")
	}
	for _, e := range spec {
		if e.Key != "allUsers" && e.Key != "users" {
			return nil, errorf(40415, "BSON field '$listLocalSessions.%s' is an unknown field.", e.Key)
		}
	}
	uid := sha256.Sum256(nil)
	s.regMu.Lock()
	defer s.regMu.Unlock()
	ids := make([]string, 0, len(s.sessions))
	for id := range s.sessions {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make([]bson.D, 0, len(ids))
	for _, id := range ids {
		out = append(out, bson.D{
			{Key: "_id", Value: bson.D{
				{Key: "id", Value: bson.Binary{Subtype: bson.TypeBinaryUUID, Data: []byte(id)}},
				{Key: "uid", Value: bson.Binary{Data: uid[:]}},
			}},
			{Key: "lastUse", Value: bson.NewDateTimeFromTime(s.sessions[id].lastUse)},
		})
	}
	return out, nil
}

// collatedMatch runs a pipeline's leading $match stages under a collation,
// by matching collation keys, and returns the documents they pass with the
// stages left. Those may only be stages that compare no strings: others
// would need the collation too, which package mql does not thread through
// the pipeline, so they are refused.
func collatedMatch(c *mql.Collation, docs, stages []bson.D, vars mql.Vars) ([]bson.D, []bson.D, error) {
	for len(stages) > 0 && stages[0][0].Key == "$match" {
		spec, ok := stages[0][0].Value.(bson.D)
		if !ok {
			return nil, nil, errorf(15959, "the match filter must be an expression in an object")
		}
		keyed, err := c.KeyFilter(spec)
		if err != nil {
			return nil, nil, err
		}
		f, err := mql.ParseFilterWith(keyed, vars)
		if err != nil {
			return nil, nil, err
		}
		var out []bson.D
		for _, d := range docs {
			k, err := c.KeyDoc(d)
			if err != nil {
				return nil, nil, err
			}
			if f.Match(k) {
				out = append(out, d)
			}
		}
		docs, stages = out, stages[1:]
	}
	for _, st := range stages {
		switch st[0].Key {
		case "$limit", "$skip", "$count", "$unset", "$out":
			continue
		case "$group":
			if groupsAll(st[0].Value) {
				continue
			}
		}
		return nil, nil, errorf(codeBadValue, "mongotest does not support a collation with the %s stage (only leading $match stages, then $limit, $skip, $count, $unset, $out or a $group of everything, such as countDocuments sends)", st[0].Key)
	}
	return docs, stages, nil
}

// groupsAll reports whether a $group spec puts every document in one group
// (a constant _id) and compares no values ($sum, $avg, $first, $last,
// $push, $count): a collation changes nothing in it.
func groupsAll(spec any) bool {
	d, ok := spec.(bson.D)
	if !ok {
		return false
	}
	for _, e := range d {
		if e.Key == "_id" {
			switch v := e.Value.(type) {
			case int32, int64, float64, nil, bool:
			case string:
				if strings.HasPrefix(v, "$") {
					return false
				}
			default:
				return false
			}
			continue
		}
		acc, ok := e.Value.(bson.D)
		if !ok || len(acc) != 1 {
			return false
		}
		switch acc[0].Key {
		case "$sum", "$avg", "$first", "$last", "$push", "$count":
		default:
			return false
		}
	}
	return true
}
