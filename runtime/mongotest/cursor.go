package mongotest

import (
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func init() {
	register(command{run: (*Server).getMore, inTxn: true, locks: lockListing}, "getMore")
	register(command{run: (*Server).killCursors, inTxn: true, locks: lockNothing}, "killCursors")
}

// codeCursorInUse is mongod's CursorInUse: another getMore reads the cursor.
const codeCursorInUse int32 = 143

// defaultFirstBatch is mongod's default size of a cursor's first batch.
const defaultFirstBatch = 101

// maxBatchBytes bounds the documents of one batch, like mongod's 16 MiB.
const maxBatchBytes = maxBSONSize

// cursor holds the rest of a result: results are computed whole when the
// cursor opens, so later batches do not see later writes.
type cursor struct {
	// mu is held by the getMore that reads it: one at a time.
	mu   sync.Mutex
	ns   string
	docs []bson.D
	// stream, when set, makes it a change stream's cursor: its batches are
	// the changes committed since the last one.
	stream *changeStream
}

// cursorBatch is the first batch size a command asks for in its cursor
// option, {cursor: {batchSize: n}}, or mongod's default.
func cursorBatch(body bson.D) (int64, *cmdError) {
	cur, err := docArg(body, "cursor")
	if err != nil {
		return 0, err
	}
	n, ok, err := intArg(cur, "batchSize")
	switch {
	case err != nil:
		return 0, err
	case !ok:
		return defaultFirstBatch, nil
	case n < 0:
		return 0, errorf(codeBadValue, "batchSize must be non-negative")
	}
	return n, nil
}

// openCursor returns the reply for a result: its first batch of at most
// batch documents (0: none) and a cursor for the rest unless single.
func (s *Server) openCursor(ns string, docs []bson.D, batch int64, single bool) bson.D {
	first, rest := bson.A{}, docs
	if batch > 0 {
		first, rest = takeBatch(docs, batch)
	}
	var id int64
	if len(rest) > 0 && !single {
		id = s.registerCursor(&cursor{ns: ns, docs: rest})
	}
	return bson.D{{Key: "cursor", Value: bson.D{
		{Key: "firstBatch", Value: first},
		{Key: "id", Value: id},
		{Key: "ns", Value: ns},
	}}}
}

// registerCursor gives cur a new id.
func (s *Server) registerCursor(cur *cursor) int64 {
	s.regMu.Lock()
	defer s.regMu.Unlock()
	s.nextCursor++
	s.cursors[s.nextCursor] = cur
	return s.nextCursor
}

// lookupCursor is cursor id, nil when there is none.
func (s *Server) lookupCursor(id int64) *cursor {
	s.regMu.Lock()
	defer s.regMu.Unlock()
	return s.cursors[id]
}

// forgetCursor removes cursor id if it is still cur.
func (s *Server) forgetCursor(id int64, cur *cursor) {
	s.regMu.Lock()
	defer s.regMu.Unlock()
	if s.cursors[id] == cur {
		delete(s.cursors, id)
	}
}

// takeBatch encodes up to n documents (n <= 0: as many as fit) within
// maxBatchBytes, and at least one.
func takeBatch(docs []bson.D, n int64) (bson.A, []bson.D) {
	batch := bson.A{}
	size := 0
	for len(docs) > 0 && (n <= 0 || int64(len(batch)) < n) {
		raw, err := appendDoc(nil, docs[0])
		if err != nil {
			// Stored documents came from BSON: they always encode.
			panic("mongotest: cannot encode a stored document: " + err.Error())
		}
		if len(batch) > 0 && size+len(raw) > maxBatchBytes {
			break
		}
		size += len(raw)
		batch = append(batch, bson.Raw(raw))
		docs = docs[1:]
	}
	return batch, docs
}

func (s *Server) getMore(req *request) (bson.D, error) {
	id, ok := req.body[0].Value.(int64)
	if !ok {
		return nil, errorf(codeTypeMismatch, "getMore cursor id must be a long, not %s", bsonTypeName(req.body[0].Value))
	}
	coll, ok := lookup(req.body, "collection").(string)
	if !ok {
		return nil, errorf(codeTypeMismatch, "getMore needs a string 'collection'")
	}
	batch, _, err := intArg(req.body, "batchSize")
	if err != nil {
		return nil, err
	}
	if batch < 0 {
		return nil, errorf(codeBadValue, "batchSize must be non-negative")
	}
	cur := s.lookupCursor(id)
	if cur == nil {
		return nil, errorf(codeCursorNotFound, "cursor id %d not found", id)
	}
	if ns := req.db + "." + coll; ns != cur.ns {
		return nil, errorf(codeUnauthorized, "Requested getMore on namespace '%s', but cursor belongs to a different namespace %s", ns, cur.ns)
	}
	// A getMore of a change stream waits with the cursor held and the
	// catalog lock released: another one must not wait for the cursor
	// holding the catalog lock, but fails as on mongod.
	if !cur.mu.TryLock() {
		err := errorf(codeCursorInUse, "Cursor already in use (namespace: '%s', id: %d).", cur.ns, id)
		err.Name = "CursorInUse"
		return nil, err
	}
	defer cur.mu.Unlock()
	if s.lookupCursor(id) != cur {
		return nil, errorf(codeCursorNotFound, "cursor id %d not found", id)
	}
	if cur.stream != nil {
		return s.streamGetMore(req, id, cur, batch)
	}
	next, rest := takeBatch(cur.docs, batch)
	cur.docs = rest
	if len(rest) == 0 {
		s.forgetCursor(id, cur)
		id = 0
	}
	return bson.D{{Key: "cursor", Value: bson.D{
		{Key: "nextBatch", Value: next},
		{Key: "id", Value: id},
		{Key: "ns", Value: cur.ns},
	}}}, nil
}

func (s *Server) killCursors(req *request) (bson.D, error) {
	ids, ok := lookup(req.body, "cursors").(bson.A)
	if !ok {
		return nil, errorf(codeTypeMismatch, "killCursors needs a 'cursors' array")
	}
	killed, notFound := bson.A{}, bson.A{}
	for _, v := range ids {
		id, ok := v.(int64)
		if !ok {
			return nil, errorf(codeTypeMismatch, "cursor ids must be longs")
		}
		if cur := s.lookupCursor(id); cur != nil {
			s.forgetCursor(id, cur)
			killed = append(killed, id)
		} else {
			notFound = append(notFound, id)
		}
	}
	return bson.D{
		{Key: "cursorsKilled", Value: killed},
		{Key: "cursorsNotFound", Value: notFound},
		{Key: "cursorsAlive", Value: bson.A{}},
		{Key: "cursorsUnknown", Value: bson.A{}},
	}, nil
}
