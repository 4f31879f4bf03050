package mongotest

import (
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongotxgen/mongotxgen/runtime/mongotest/internal/mql"
)

// A change stream is an aggregate whose pipeline starts with $changeStream,
// on a collection (aggregate: "coll"), a database (aggregate: 1) or the
// cluster (aggregate: 1 on admin, allChangesForCluster: true). Its cursor
// reads the change log from a position on: each getMore returns the events
// committed since, through the later stages of the pipeline, waiting up to
// maxTimeMS (1 s by default, as mongod's awaitData cursors do) when there
// are none, and every batch carries the postBatchResumeToken to resume
// from. A collection stream ends with an invalidate event when its
// collection is dropped, a database stream when its database is.

// defaultAwait is how long a change stream's getMore waits for events
// without maxTimeMS.
const defaultAwait = time.Second

// streamBatchScan bounds the events one batch looks at.
const streamBatchScan = 1024

type changeStream struct {
	db, coll string // coll "": the database; db "": the cluster
	later    []bson.D
	// lookup: fullDocument updateLookup, the current document on updates.
	lookup bool
	after  streamPos // the events up to here have been returned
	// afterKind is the kind of token after was given as: an invalidate
	// token stays one until the stream moves on.
	afterKind tokenKind
}

// laterStages may follow $changeStream, as on mongod.
var laterStages = map[string]bool{
	"$match": true, "$project": true, "$addFields": true, "$set": true, "$unset": true,
	"$replaceRoot": true, "$replaceWith": true, "$redact": true,
}

// aggregateOrStream runs an aggregate, or opens a change stream.
func (s *Server) aggregateOrStream(req *request) (bson.D, error) {
	pipeline, _ := lookup(req.body, "pipeline").(bson.A)
	for i, st := range pipeline {
		if d, ok := st.(bson.D); ok && len(d) > 0 && d[0].Key == "$changeStream" {
			if i > 0 {
				return nil, errorf(40602, "$changeStream is only valid as the first stage in a pipeline")
			}
			return s.openStream(req, pipeline)
		}
	}
	return s.aggregate(req)
}

// changeStream reports whether req opens or reads a change stream.
func (req *request) changeStream() bool {
	if req.streamCursor {
		return true
	}
	pipeline, _ := lookup(req.body, "pipeline").(bson.A)
	if req.name != "aggregate" || len(pipeline) == 0 {
		return false
	}
	first, _ := pipeline[0].(bson.D)
	return len(first) > 0 && first[0].Key == "$changeStream"
}

func (s *Server) openStream(req *request, pipeline bson.A) (bson.D, error) {
	switch {
	case req.tx != nil:
		return nil, errorf(codeOperationNotSupportedInTx, "Operation not permitted in transaction :: caused by :: $changeStream is not allowed in a multi-document transaction")
	case req.atSet:
		return nil, errorf(codeInvalidOptions, "$changeStream does not support read concern level snapshot")
	}
	if err := unsupported(req, "explain", "collation", "let"); err != nil {
		return nil, err
	}
	spec, ok := pipeline[0].(bson.D)[0].Value.(bson.D)
	if !ok {
		return nil, errorf(codeFailedToParse, "the $changeStream stage must be a document")
	}
	st, err := s.streamScope(req, spec)
	if err != nil {
		return nil, err
	}
	if err := s.streamOptions(st, spec); err != nil {
		return nil, err
	}
	for _, v := range pipeline[1:] {
		d, ok := v.(bson.D)
		if !ok || len(d) != 1 {
			return nil, errorf(codeTypeMismatch, "each pipeline stage must be a document with one field")
		}
		if !laterStages[d[0].Key] {
			return nil, errorf(codeIllegalOperation, "%s is not permitted in a $changeStream pipeline", d[0].Key)
		}
		st.later = append(st.later, d)
	}
	if _, perr := mql.RunPipeline(nil, st.later); perr != nil {
		return nil, perr
	}
	if !has(req.body, "cursor") {
		return nil, errorf(codeFailedToParse, "The 'cursor' option is required, except for aggregate with the explain argument")
	}
	batch, err := cursorBatch(req.body)
	if err != nil {
		return nil, err
	}
	ns := req.db + "." + st.coll
	if st.coll == "" {
		ns = req.db + ".$cmd.aggregate"
	}
	cur := &cursor{ns: ns, stream: st}
	first, pbrt, done, err := s.streamBatch(st, batch)
	if err != nil {
		return nil, err
	}
	var id int64
	if !done {
		id = s.registerCursor(cur)
	}
	return bson.D{{Key: "cursor", Value: bson.D{
		{Key: "firstBatch", Value: first},
		{Key: "postBatchResumeToken", Value: pbrt},
		{Key: "id", Value: id},
		{Key: "ns", Value: ns},
	}}}, nil
}

// streamScope is what a stream opened by req watches.
func (s *Server) streamScope(req *request, spec bson.D) (*changeStream, *cmdError) {
	cluster, _ := lookup(spec, "allChangesForCluster").(bool)
	name, isColl := req.body[0].Value.(string)
	if !isColl {
		if n, ok := wholeNumber(req.body[0].Value); !ok || n != 1 {
			return nil, errorf(codeFailedToParse, "Invalid aggregate namespace: 'aggregate' must be a collection name or 1")
		}
	}
	switch {
	case cluster && (isColl || req.db != "admin"):
		return nil, errorf(codeInvalidOptions, "A $changeStream with 'allChangesForCluster:true' may only be opened on the 'admin' database, and with no collection name; found %s", req.db)
	case cluster:
		return &changeStream{}, nil
	case internalDB(req.db):
		return nil, errorf(codeInvalidNamespace, "$changeStream may not be opened on the internal %s database", req.db)
	case !isColl:
		return &changeStream{db: req.db}, nil
	}
	if _, err := collName(req); err != nil {
		return nil, err
	}
	if strings.HasPrefix(name, "system.") {
		return nil, errorf(codeInvalidNamespace, "$changeStream may not be opened on the internal %s.%s collection", req.db, name)
	}
	return &changeStream{db: req.db, coll: name}, nil
}

func internalDB(db string) bool { return db == "admin" || db == "config" || db == "local" }

// streamOptions applies the $changeStream options: what the events hold
// and where the stream starts (now, by default).
func (s *Server) streamOptions(st *changeStream, spec bson.D) *cmdError {
	st.after = streamPos{t: uint32(s.started.Unix()), i: s.clock.Load(), idx: idxAll}
	st.afterKind = tokenHighWater
	resumes := 0
	for _, e := range spec {
		switch e.Key {
		case "allChangesForCluster":
			if _, ok := e.Value.(bool); !ok {
				return errorf(codeTypeMismatch, "BSON field '$changeStream.allChangesForCluster' is the wrong type '%s', expected type 'bool'", bsonTypeName(e.Value))
			}
		case "fullDocument":
			switch e.Value {
			case "default":
			case "updateLookup":
				st.lookup = true
			case "whenAvailable", "required":
				return errorf(codeBadValue, "mongotest does not support fullDocument: %q: it keeps no post-images (changeStreamPreAndPostImages)", e.Value)
			default:
				return errorf(codeBadValue, "Enumeration value '%s' for field '$changeStream.fullDocument' is not a valid value.", bsonString(e.Value))
			}
		case "fullDocumentBeforeChange":
			switch e.Value {
			case "off":
			case "whenAvailable", "required":
				return errorf(codeBadValue, "mongotest does not support fullDocumentBeforeChange: %q: it keeps no pre-images (changeStreamPreAndPostImages)", e.Value)
			default:
				return errorf(codeBadValue, "Enumeration value '%s' for field '$changeStream.fullDocumentBeforeChange' is not a valid value.", bsonString(e.Value))
			}
		case "showExpandedEvents":
			if on, _ := e.Value.(bool); on {
				return errorf(codeBadValue, "mongotest does not support showExpandedEvents: true (create, createIndexes and other DDL events)")
			}
		case "resumeAfter", "startAfter":
			resumes++
			p, kind, err := parseToken(e.Value)
			if err != nil {
				return err
			}
			if kind == tokenInvalidate && e.Key == "resumeAfter" {
				return errorf(codeInvalidResumeToken, "Attempting to resume a change stream using 'resumeAfter' is not allowed from an invalidate notification.")
			}
			st.after, st.afterKind = p, kind
		case "startAtOperationTime":
			resumes++
			t, ok := e.Value.(bson.Timestamp)
			if !ok {
				return errorf(codeTypeMismatch, "BSON field '$changeStream.startAtOperationTime' is the wrong type '%s', expected type 'timestamp'", bsonTypeName(e.Value))
			}
			st.after, st.afterKind = streamPos{t: t.T, i: t.I, idx: -1}, tokenHighWater
		default:
			return errorf(40415, "BSON field '$changeStream.%s' is an unknown field.", e.Key)
		}
	}
	if resumes > 1 {
		return errorf(40674, "Only one type of resume option is allowed, but multiple were found.")
	}
	return nil
}

func (s *Server) streamGetMore(req *request, id int64, cur *cursor, batch int64) (bson.D, error) {
	req.streamCursor = true
	if batch == 0 {
		batch = -1 // getMore's default: as many as fit
	}
	deadline := req.deadline
	if deadline.IsZero() {
		deadline = time.Now().Add(defaultAwait)
	}
	for {
		// Taken before the batch: an event committed after it wakes the wait.
		wake := s.eventWake()
		next, pbrt, done, err := s.streamBatch(cur.stream, batch)
		if err != nil {
			s.forgetCursor(id, cur)
			return nil, err
		}
		if done {
			s.forgetCursor(id, cur)
			id = 0
		}
		if len(next) > 0 || done || !time.Now().Before(deadline) {
			return bson.D{{Key: "cursor", Value: bson.D{
				{Key: "nextBatch", Value: next},
				{Key: "postBatchResumeToken", Value: pbrt},
				{Key: "id", Value: id},
				{Key: "ns", Value: cur.ns},
			}}}, nil
		}
		if !s.awaitEvent(req, wake, deadline) {
			return nil, errorf(codeShutdownInProgress, "The server is shutting down")
		}
		if s.lookupCursor(id) != cur {
			return nil, errorf(codeCursorKilled, "cursor id %d was killed while it awaited data", id)
		}
	}
}

// eventWake is closed when the next change is logged.
func (s *Server) eventWake() <-chan struct{} {
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	return s.events.waitCh()
}

// awaitEvent waits, with req's locks released, for the next change or the
// deadline; it reports whether the server is still open.
func (s *Server) awaitEvent(req *request, wake <-chan struct{}, deadline time.Time) bool {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	s.release(req.locks)
	defer s.acquire(req.locks)
	select {
	case <-wake:
	case <-t.C:
	case <-s.done:
		return false
	}
	return true
}
