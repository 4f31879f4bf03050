package mongotest

import (
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongotxgen/mongotxgen/runtime/mongotest/internal/mql"
)

// This file turns the change log into a stream's batches: which events a
// stream sees, their documents as mongod shapes them (see MongoDB's
// "Change Events" reference), and the later stages applied to them.

// candidate is an event document of a batch, before the later stages.
type candidate struct {
	pos  streamPos
	kind tokenKind
	doc  bson.D
}

// streamBatch returns the next events of st, at most limit of them (0:
// none, -1: as many as fit), and the token to resume after them; done
// reports that the stream was invalidated and its cursor is finished.
func (s *Server) streamBatch(st *changeStream, limit int64) (batch bson.A, pbrt bson.D, done bool, err *cmdError) {
	cands, end, endKind, invalidated, err := s.streamCandidates(st)
	if err != nil {
		return nil, nil, false, err
	}
	outs, from, err := st.transform(cands)
	if err != nil {
		return nil, nil, false, err
	}
	batch = bson.A{}
	if limit != 0 {
		batch, _ = takeBatch(outs, max(limit, 0))
	}
	k := len(batch)
	switch {
	case k < len(outs):
		if k > 0 {
			st.after, st.afterKind = from[k-1].pos, from[k-1].kind
		}
	case invalidated:
		return batch, cands[len(cands)-1].pos.token(tokenInvalidate), true, nil
	case end.cmp(st.after) > 0:
		st.after, st.afterKind = end, endKind
	}
	return batch, st.after.token(st.afterKind), false, nil
}

// streamCandidates are the event documents st has not returned yet, up to
// an invalidate or streamBatchScan events, and the position scanned to.
func (s *Server) streamCandidates(st *changeStream) (cands []candidate, end streamPos, endKind tokenKind, invalidated bool, err *cmdError) {
	evs, now, err := s.eventsSince(st.after, streamBatchScan+1)
	if err != nil {
		return nil, end, 0, false, err
	}
	if st.afterKind == tokenEvent {
		// The stream returned an invalidating event but not yet the
		// invalidate that follows it.
		if e := s.eventAt(st.after); e != nil && st.invalidatedBy(e) {
			return []candidate{{e.pos, tokenInvalidate, invalidateDoc(e)}}, end, 0, true, nil
		}
	}
	end, endKind = streamPos{t: uint32(s.started.Unix()), i: now, idx: idxAll}, tokenHighWater
	for k := range evs {
		e := &evs[k]
		if k == streamBatchScan {
			end, endKind = evs[k-1].pos, tokenEvent
			break
		}
		if !st.watches(e) {
			continue
		}
		cands = append(cands, candidate{e.pos, tokenEvent, s.eventDoc(st, e)})
		if st.invalidatedBy(e) {
			cands = append(cands, candidate{e.pos, tokenInvalidate, invalidateDoc(e)})
			return cands, end, 0, true, nil
		}
	}
	return cands, end, endKind, false, nil
}

// eventAt is the kept event at position p, nil if none.
func (s *Server) eventAt(p streamPos) *changeEvent {
	evs, _, err := s.eventsSince(streamPos{t: p.t, i: p.i, idx: p.idx - 1}, 1)
	if err != nil || len(evs) == 0 || evs[0].pos != p {
		return nil
	}
	return &evs[0]
}

// transform runs the later stages over cands; from[i] is the candidate
// outs[i] came from, known by its resume token, which the stages must keep.
func (st *changeStream) transform(cands []candidate) (outs []bson.D, from []candidate, err *cmdError) {
	docs := make([]bson.D, len(cands))
	byToken := make(map[string]candidate, len(cands))
	for i, c := range cands {
		docs[i] = c.doc
		byToken[lookup(c.doc, "_id").(bson.D)[0].Value.(string)] = c
	}
	outs, perr := mql.RunPipeline(docs, st.later)
	if perr != nil {
		return nil, nil, fromMQL(perr)
	}
	for _, d := range outs {
		id, _ := lookup(d, "_id").(bson.D)
		data, _ := lookup(id, "_data").(string)
		c, ok := byToken[data]
		if !ok || len(id) != 1 {
			return nil, nil, errorf(codeChangeStreamFatalError, "Encountered an event whose _id field, which contains the resume token, was modified by the pipeline. Modifying the _id field of an event makes it impossible to resume the stream from that point. Only transformations that retain the unmodified _id field are allowed.")
		}
		from = append(from, c)
	}
	return outs, from, nil
}

// watches reports whether e is a change st reports: internal databases
// and system collections are never watched.
func (st *changeStream) watches(e *changeEvent) bool {
	switch {
	case internalDB(e.db) || strings.HasPrefix(e.coll, "system."):
		return false
	case st.db == "":
		return true
	case st.coll == "":
		return e.db == st.db
	}
	return e.db == st.db && e.coll == st.coll
}

// invalidatedBy reports whether e ends st: the drop of its collection, or
// of its database.
func (st *changeStream) invalidatedBy(e *changeEvent) bool {
	switch {
	case st.db == "":
		return false
	case st.coll == "":
		return e.op == "dropDatabase" && e.db == st.db
	}
	return e.op == "drop" && e.db == st.db && e.coll == st.coll
}

// eventDoc is the change event document of e for st.
func (s *Server) eventDoc(st *changeStream, e *changeEvent) bson.D {
	d := bson.D{
		{Key: "_id", Value: e.pos.token(tokenEvent)},
		{Key: "operationType", Value: e.op},
		{Key: "clusterTime", Value: bson.Timestamp{T: e.pos.t, I: e.pos.i}},
		{Key: "wallTime", Value: bson.NewDateTimeFromTime(e.wall)},
	}
	ns := bson.D{{Key: "db", Value: e.db}}
	if e.coll != "" {
		ns = append(ns, bson.E{Key: "coll", Value: e.coll})
	}
	key := bson.D{{Key: "_id", Value: e.id}}
	switch e.op {
	case "insert", "replace":
		d = append(d, bson.E{Key: "fullDocument", Value: e.doc}, bson.E{Key: "ns", Value: ns}, bson.E{Key: "documentKey", Value: key})
	case "update":
		d = append(d, bson.E{Key: "ns", Value: ns}, bson.E{Key: "documentKey", Value: key},
			bson.E{Key: "updateDescription", Value: updateDescription(e.pre, e.doc)})
		if st.lookup {
			d = append(d, bson.E{Key: "fullDocument", Value: s.currentDoc(e)})
		}
	case "delete":
		d = append(d, bson.E{Key: "ns", Value: ns}, bson.E{Key: "documentKey", Value: key})
	default: // drop, dropDatabase
		d = append(d, bson.E{Key: "ns", Value: ns})
	}
	if e.lsid != nil {
		d = append(d, bson.E{Key: "lsid", Value: e.lsid}, bson.E{Key: "txnNumber", Value: e.txnNumber})
	}
	return d
}

// currentDoc is the latest committed document with e's _id (fullDocument:
// updateLookup), nil when it is gone. The stream holds the catalog
// shared, and no namespace: it reads e's under its lock.
func (s *Server) currentDoc(e *changeEvent) any {
	m := s.nsLocks.get(e.db + "." + e.coll)
	m.RLock()
	defer m.RUnlock()
	c := s.coll(e.db, e.coll, false)
	if c == nil || c.creator != nil {
		return nil
	}
	r := c.records.get(e.id)
	if r == nil || r.latest() == nil {
		return nil
	}
	return r.latest()
}

func invalidateDoc(e *changeEvent) bson.D {
	return bson.D{
		{Key: "_id", Value: e.pos.token(tokenInvalidate)},
		{Key: "operationType", Value: "invalidate"},
		{Key: "clusterTime", Value: bson.Timestamp{T: e.pos.t, I: e.pos.i}},
		{Key: "wallTime", Value: bson.NewDateTimeFromTime(e.wall)},
	}
}

// updateDescription describes how an update changed pre into post, as the
// difference of the documents: fields set or changed (by dotted path
// inside sub-documents and arrays both sides have), fields removed, and
// arrays made shorter. mongod derives it from the update's own operators,
// so where an update $sets a whole sub-document mongod may list it whole
// where this lists the paths that changed inside it.
func updateDescription(pre, post bson.D) bson.D {
	var diff docDiff
	diff.docs("", pre, post)
	return bson.D{
		{Key: "updatedFields", Value: append(bson.D{}, diff.updated...)},
		{Key: "removedFields", Value: append(bson.A{}, diff.removed...)},
		{Key: "truncatedArrays", Value: append(bson.A{}, diff.truncated...)},
	}
}

type docDiff struct {
	updated   bson.D
	removed   bson.A
	truncated bson.A
}

func (d *docDiff) docs(prefix string, pre, post bson.D) {
	for _, e := range pre {
		if !has(post, e.Key) {
			d.removed = append(d.removed, prefix+e.Key)
		}
	}
	for _, e := range post {
		old, ok := lookupOK(pre, e.Key)
		if ok {
			d.value(prefix+e.Key, old, e.Value)
		} else {
			d.updated = append(d.updated, bson.E{Key: prefix + e.Key, Value: e.Value})
		}
	}
}

func (d *docDiff) value(path string, old, v any) {
	if mql.Identical(old, v) {
		return
	}
	switch nv := v.(type) {
	case bson.D:
		if ov, ok := old.(bson.D); ok {
			d.docs(path+".", ov, nv)
			return
		}
	case bson.A:
		if ov, ok := old.(bson.A); ok {
			d.arrays(path, ov, nv)
			return
		}
	}
	d.updated = append(d.updated, bson.E{Key: path, Value: v})
}

func (d *docDiff) arrays(path string, old, v bson.A) {
	if len(v) < len(old) {
		d.truncated = append(d.truncated, bson.D{{Key: "field", Value: path}, {Key: "newSize", Value: int32(len(v))}})
	}
	for i, x := range v {
		p := path + "." + strconv.Itoa(i)
		if i < len(old) {
			d.value(p, old[i], x)
		} else {
			d.updated = append(d.updated, bson.E{Key: p, Value: x})
		}
	}
}

func lookupOK(d bson.D, key string) (any, bool) {
	for _, e := range d {
		if e.Key == key {
			return e.Value, true
		}
	}
	return nil, false
}
