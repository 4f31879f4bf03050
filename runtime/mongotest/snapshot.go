package mongotest

import (
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Codes of snapshot reads (kept here, next to their only use).
const (
	codeSnapshotTooOld      int32 = 239
	codeSnapshotUnavailable int32 = 246
)

// DefaultSnapshotHistory is how long a committed state stays readable at
// its cluster time: as long as a transaction may read its snapshot.
const DefaultSnapshotHistory = DefaultTransactionLifetime

// history keeps superseded versions readable for a while, like mongod's
// minSnapshotHistoryWindowInSeconds, so that a snapshot read at a cluster
// time (readConcern snapshot, with or without atClusterTime) sees exactly
// what was committed then. A time older than what is kept is refused with
// SnapshotTooOld, never answered from newer data.
type history struct {
	window time.Duration
	now    func() time.Time // time.Now; a test's clock
	// log[head:] lists the commits still inside the window, oldest first,
	// with the records they wrote: once a commit leaves the window its
	// records' older versions may be forgotten.
	log  []commitMark
	head int
	// from is the oldest commit time still readable.
	from uint32
	// backlog are the records, by collection, whose commits left the
	// window: pruned by the next commit to their collection, which holds
	// it exclusively, or by a commit elsewhere that finds its lock free
	// (pruneBacklog).
	backlog map[*collection][]*record
	// dropped is the commit time at which each namespace was last dropped:
	// collections are not versioned, so a snapshot older than a drop
	// cannot be read.
	dropped map[string]uint32
}

type commitMark struct {
	ts   uint32
	at   time.Time
	recs []pending
}

// tick advances the clock for a commit that wrote recs and returns its
// time, in the commit section. Records whose only version the commit
// writes are left out of the log: there is nothing older of theirs to
// forget.
func (s *Server) tick(recs []pending) uint32 {
	ts := s.clock.Add(1)
	var logged []pending
	for _, p := range recs {
		if !firstVersion(p) {
			logged = append(logged, p)
		}
	}
	if logged != nil {
		s.hist.log = append(s.hist.log, commitMark{ts: ts, at: s.hist.now(), recs: logged})
	}
	s.age()
	return ts
}

// firstVersion reports whether p's commit, a transaction's, writes its
// record's first version, a document.
func firstVersion(p pending) bool {
	o := p.rec.owner
	return !p.rec.committed() && o != nil && o.writes[p.rec] != nil
}

// age forgets the history that left the window: it advances hist.from and
// hands the records written by the commits that aged out to the backlog.
func (s *Server) age() {
	h := &s.hist
	cutoff := h.now().Add(-h.window)
	n := h.head
	for n < len(h.log) && h.log[n].at.Before(cutoff) {
		n++
	}
	if n == h.head {
		return
	}
	aged := slices.Clone(h.log[h.head:n])
	clear(h.log[h.head:n]) // let their records go
	h.head = n
	if h.head > 1024 && h.head > len(h.log)/2 {
		h.log = slices.Delete(h.log, 0, h.head) // amortized: each entry moves O(1) times
		h.head = 0
	}
	h.from = aged[len(aged)-1].ts
	oldest := s.oldestSnapshot()
	// Another collection's records are pruned under its own lock.
	if h.backlog == nil {
		h.backlog = map[*collection][]*record{}
	}
	for _, m := range aged {
		for _, p := range m.recs {
			h.backlog[p.coll] = append(h.backlog[p.coll], p.rec)
		}
	}
	for ns, ts := range h.dropped {
		if ts <= oldest {
			delete(h.dropped, ns)
		}
	}
}

// pruneOthers bounds the other collections one commit prunes the backlog
// of, when their locks are free.
const pruneOthers = 2

// pruneBacklog forgets the versions of c's records that the commits that
// left the window made obsolete, c being held exclusively, and those of a
// few other collections whose locks it can take at once: a collection no
// longer written is pruned too.
func (s *Server) pruneBacklog(c *collection) {
	s.pruneColl(c)
	s.commitMu.Lock()
	var others []*collection
	for o := range s.hist.backlog {
		if len(others) == pruneOthers {
			break
		}
		if o != c {
			others = append(others, o)
		}
	}
	s.commitMu.Unlock()
	for _, o := range others {
		// Never waited for: the caller holds locks of its own.
		if m := s.nsLocks.get(o.ns()); m.TryLock() {
			s.pruneColl(o)
			m.Unlock()
		}
	}
}

// pruneColl prunes c's backlog; c is held exclusively.
func (s *Server) pruneColl(c *collection) {
	s.commitMu.Lock()
	recs := s.hist.backlog[c]
	if recs == nil {
		s.commitMu.Unlock()
		return
	}
	delete(s.hist.backlog, c)
	oldest, from := s.oldestSnapshot(), s.hist.from
	s.commitMu.Unlock()
	var again []pending
	for _, r := range recs {
		if r.removed() {
			continue
		}
		c.prune(r, oldest)
		// An open transaction's older snapshot kept versions that no
		// later commit in the log will look at: look at the record
		// again once another window has passed.
		if !r.removed() && r.latestTS() <= from && (r.hasOlder() || r.latest() == nil) {
			again = append(again, pending{c, r})
		}
	}
	if again != nil {
		s.commitMu.Lock()
		s.hist.log = append(s.hist.log, commitMark{ts: s.clock.Load(), at: s.hist.now(), recs: again})
		s.commitMu.Unlock()
	}
}

// noteDrop records, in the commit section, that namespace ns is dropped
// now. A drop advances the clock, so that a snapshot taken before it is
// older than it.
func (s *Server) noteDrop(c *collection) {
	ns := c.ns()
	delete(s.hist.backlog, c)
	if s.hist.dropped == nil {
		s.hist.dropped = map[string]uint32{}
	}
	ts := s.clock.Add(1)
	s.hist.log = append(s.hist.log, commitMark{ts: ts, at: s.hist.now()})
	s.age()
	s.hist.dropped[ns] = ts
}

// snapshotTime resolves the cluster time a snapshot read outside a
// transaction reads at: atClusterTime, or now when it is absent.
func (s *Server) snapshotTime(rc bson.D) (uint32, *cmdError) {
	v, ok := lookup(rc, "atClusterTime").(bson.Timestamp)
	if !ok {
		if has(rc, "atClusterTime") {
			return 0, errorf(codeTypeMismatch, "atClusterTime must be a timestamp")
		}
		return s.clock.Load(), nil
	}
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	now := s.clusterTime()
	switch {
	case v.T > now.T || (v.T == now.T && v.I > now.I):
		return 0, errorf(codeBadValue, "readConcern atClusterTime value %s must not be greater than the current clusterTime %s", tsString(v), tsString(now))
	case v.T < now.T || v.I < s.hist.from:
		return 0, errorf(codeSnapshotTooOld, "Read timestamp %s is older than the oldest available timestamp %s: mongotest keeps the history of the last %v (Options.SnapshotHistory)",
			tsString(v), tsString(bson.Timestamp{T: now.T, I: s.hist.from}), s.hist.window)
	}
	return v.I, nil
}

// checkSnapshotNS refuses a read at snapshot ts (a snapshot read or a
// transaction's statement) of namespace ns when ns was dropped since: its
// collection at ts is no longer known.
func (s *Server) checkSnapshotNS(ns string, ts uint32) *cmdError {
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	if d, ok := s.hist.dropped[ns]; ok && d > ts {
		return errorf(codeSnapshotUnavailable, "Unable to read from a snapshot due to pending collection catalog changes; please retry the operation. Snapshot timestamp is %s. Collection %s was dropped at %s.",
			tsString(s.at(ts)), ns, tsString(s.at(d)))
	}
	return nil
}

// at is the cluster timestamp of commit time ts.
func (s *Server) at(ts uint32) bson.Timestamp {
	return bson.Timestamp{T: uint32(s.started.Unix()), I: ts}
}

func tsString(t bson.Timestamp) string { return fmt.Sprintf("Timestamp(%d, %d)", t.T, t.I) }

// snapshotReads are the commands mongod serves under readConcern snapshot
// outside a transaction; it refuses every other one.
var snapshotReads = map[string]bool{"find": true, "aggregate": true, "distinct": true}

// readConcern is the command's readConcern level and document.
func readConcern(body bson.D) (string, bson.D) {
	rc, _ := lookup(body, "readConcern").(bson.D)
	level, _ := lookup(rc, "level").(string)
	return level, rc
}

// runSnapshotRead runs a read under readConcern snapshot outside a
// transaction: it reads what was committed at atClusterTime (or now), and
// its reply says at which time, as mongod's does.
func (s *Server) runSnapshotRead(req *request, cmd command, rc bson.D) (bson.D, error) {
	if !snapshotReads[req.name] {
		return nil, errorf(codeInvalidOptions, "Command %s does not support { readConcern: { level: \"snapshot\" } } :: caused by :: read concern snapshot not supported outside a multi-document transaction", req.name)
	}
	ts, err := s.snapshotTime(rc)
	if err != nil {
		return nil, err
	}
	if name, ok := req.body[0].Value.(string); ok {
		if err := s.checkSnapshotNS(req.db+"."+name, ts); err != nil {
			return nil, err
		}
	}
	req.at, req.atSet = ts, true
	res, rerr := cmd.run(s, req)
	if rerr != nil {
		return nil, rerr
	}
	at := bson.E{Key: "atClusterTime", Value: s.at(ts)}
	for i, e := range res {
		if cur, ok := e.Value.(bson.D); ok && e.Key == "cursor" {
			res[i].Value = append(cur, at)
			return res, nil
		}
	}
	return append(res, at), nil
}
