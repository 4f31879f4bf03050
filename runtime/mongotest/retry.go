package mongotest

import (
	"cmp"
	"reflect"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Retryable writes (insert, update, delete and findAndModify with lsid and
// txnNumber outside a transaction) are applied once per statement, as
// mongod does with its statement ids: each statement that succeeded is
// remembered with its own reply, and a retry with the same txnNumber
// answers those again and runs only the others (a write whose connection
// closed after its first statement committed).

// statementsKey names the statement array of a batched retryable write;
// findAndModify is a single statement.
var statementsKey = map[string]string{"insert": "documents", "update": "updates", "delete": "deletes"}

// runRetryable runs a retryable write, its session checked out.
func (s *Server) runRetryable(req *request, cmd command) (bson.D, error) {
	ss := req.sess
	switch {
	case req.txnNumber < ss.txnNumber:
		return nil, errTooOld(req.txnNumber, ss.txnNumber)
	case req.txnNumber == ss.txnNumber && ss.tx != nil:
		return nil, errorf(codeIllegalOperation, "txnNumber %d was used by a transaction on this session", req.txnNumber)
	case req.txnNumber > ss.txnNumber || !ss.retrying:
		if ss.tx != nil {
			s.abortTxn(ss.tx, "a newer txnNumber was used on its session")
		}
		ss.txnNumber, ss.tx, ss.retrying = req.txnNumber, nil, true
		ss.stmts.reset()
	}
	key, batched := statementsKey[req.name]
	if !batched {
		return s.runStatement(req, cmd, 0, nil, false)
	}
	list, ok := lookup(req.body, key).(bson.A)
	if !ok || len(list) == 0 || slices.ContainsFunc(list, func(v any) bool { _, ok := v.(bson.D); return !ok }) {
		return cmd.run(s, req) // the command reports what is wrong
	}
	if len(list) == 1 {
		return s.runStatement(req, cmd, 0, nil, true)
	}
	ordered := true
	if o, ok := lookup(req.body, "ordered").(bool); ok {
		ordered = o
	}
	var out mergedReply
	for i, st := range list {
		body := make(bson.D, len(req.body))
		copy(body, req.body)
		for j := range body {
			if body[j].Key == key {
				body[j].Value = bson.A{st}
			}
		}
		res, err := s.runStatement(req, cmd, i, body, true)
		if err != nil {
			return nil, err
		}
		out.add(i, res)
		if ordered && hasWriteErrors(res) {
			break
		}
	}
	return out.reply(), nil
}

// runStatement runs statement i of a retryable write, as a command whose
// body holds only that statement (nil: req's own), unless it already
// succeeded. The
// onPrimaryTransactionalWrite fail point acts here.
func (s *Server) runStatement(req *request, cmd command, i int, body bson.D, batched bool) (bson.D, error) {
	ss := req.sess
	if res := ss.stmts.get(i); res != nil {
		return res, nil // a retry: answer again, apply nothing
	}
	if fp := s.fireWriteFail(true); fp != nil {
		// The write fails before it commits: nothing of it is applied.
		req.closeConn = req.closeConn || fp.closeConnection
		err := errorf(fp.failBeforeCommit, "Failing write for %d due to failpoint. The write must not be reflected.", req.txnNumber)
		if !batched {
			return nil, err
		}
		return bson.D{{Key: "n", Value: int32(0)}, {Key: "writeErrors", Value: bson.A{writeError(0, err)}}}, nil
	}
	sub := req
	if body != nil {
		sub = new(request)
		*sub = *req
		sub.body = body
	}
	res, err := cmd.run(s, sub)
	if err != nil || hasWriteErrors(res) {
		return res, err
	}
	ss.stmts.set(i, res)
	if fp := s.fireWriteFail(false); fp != nil {
		// The write committed; its reply is lost with the connection.
		req.closeConn = req.closeConn || fp.closeConnection
	}
	return res, nil
}

// stmtReplies are the replies of the statements of a retryable write that
// succeeded, by statement index. A batch's statements mostly get the same
// reply ({n: 1} for each document of an insert): consecutive statements
// with equal replies share one run, so that a session does not keep a
// reply per document of its last insertMany.
type stmtReplies struct {
	runs []stmtRun // in statement order, disjoint
}

// stmtRun is the reply of statements from to to-1.
type stmtRun struct {
	from, to int
	reply    bson.D
}

func (r *stmtReplies) reset() {
	clear(r.runs)
	r.runs = r.runs[:0]
}

// find is the index of the first run that ends after statement i.
func (r *stmtReplies) find(i int) int {
	k, _ := slices.BinarySearchFunc(r.runs, i, func(run stmtRun, i int) int { return cmp.Compare(run.to-1, i) })
	return k
}

// get is statement i's reply, nil when it has not succeeded.
func (r *stmtReplies) get(i int) bson.D {
	if k := r.find(i); k < len(r.runs) && r.runs[k].from <= i {
		return r.runs[k].reply
	}
	return nil
}

// set records res as the reply of statement i, which has none yet.
func (r *stmtReplies) set(i int, res bson.D) {
	k := r.find(i)
	if k > 0 && r.runs[k-1].to == i && reflect.DeepEqual(r.runs[k-1].reply, res) {
		r.runs[k-1].to++
		return
	}
	r.runs = slices.Insert(r.runs, k, stmtRun{from: i, to: i + 1, reply: res})
}

// mergedReply merges the replies of a batch's statements, each run alone:
// counts add up and indexes become the statement's place in the batch.
type mergedReply struct {
	out bson.D
}

func (b *mergedReply) add(i int, res bson.D) {
	for _, e := range res {
		switch v := e.Value.(type) {
		case int32:
			if e.Key == "n" || e.Key == "nModified" {
				b.set(e.Key, func(old any) any { n, _ := old.(int32); return n + v })
				continue
			}
		case bson.A:
			if e.Key == "upserted" || e.Key == "writeErrors" {
				b.set(e.Key, func(old any) any {
					list, _ := old.(bson.A)
					for _, item := range v {
						list = append(list, reindexed(item, i))
					}
					return list
				})
				continue
			}
		}
		b.set(e.Key, func(old any) any {
			if old != nil {
				return old
			}
			return e.Value
		})
	}
}

// set replaces the value of key by f of its current value (nil: none).
func (b *mergedReply) set(key string, f func(old any) any) {
	for i := range b.out {
		if b.out[i].Key == key {
			b.out[i].Value = f(b.out[i].Value)
			return
		}
	}
	b.out = append(b.out, bson.E{Key: key, Value: f(nil)})
}

// reply is the merged reply, with writeErrors last as mongod orders it.
func (b *mergedReply) reply() bson.D {
	out := make(bson.D, 0, len(b.out))
	var werrs any
	for _, e := range b.out {
		if e.Key == "writeErrors" {
			werrs = e.Value
			continue
		}
		out = append(out, e)
	}
	if werrs != nil {
		out = append(out, bson.E{Key: "writeErrors", Value: werrs})
	}
	return out
}

// reindexed is an upserted or writeErrors entry with index i.
func reindexed(item any, i int) any {
	d, ok := item.(bson.D)
	if !ok {
		return item
	}
	out := make(bson.D, len(d))
	copy(out, d)
	for j := range out {
		if out[j].Key == "index" {
			out[j].Value = int32(i)
		}
	}
	return out
}
