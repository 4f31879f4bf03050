package mongotest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// settle bounds every wait of the lock tests: long enough never to be
// reached by a command that is not blocked, so reaching it is a failure.
const settle = 20 * time.Second

// holdWrites makes every write command on namespace ns stop, its locks
// held, until the returned release is called; held is closed once the
// first one stopped.
// A test that fails releases them as it ends.
func holdWrites(t *testing.T, s *Server, ns string) (held <-chan struct{}, release func()) {
	h, r := make(chan struct{}), make(chan struct{})
	var once atomic.Bool
	release = sync.OnceFunc(func() { close(r) })
	t.Cleanup(release)
	s.lockedHook = func(req *request) {
		name, _ := req.body[0].Value.(string)
		if commands[req.name].locks == lockWrite && req.db+"."+name == ns {
			if once.CompareAndSwap(false, true) {
				close(h)
			}
			<-r
		}
	}
	return h, release
}

func lockTestClient(t *testing.T, s *Server) *mongo.Database {
	t.Helper()
	client, err := mongo.Connect(options.Client().ApplyURI(s.URI()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Disconnect(context.Background()) })
	return client.Database("db")
}

// done waits for ch within settle.
func done[T any](t *testing.T, what string, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(settle):
		t.Fatalf("%s did not complete within %v", what, settle)
	}
	var zero T
	return zero
}

// TestReadNotBehindOtherWriter: while a write to collection b is held inside
// the server, its locks taken, reads of collection a, writes to a and
// transactions on a complete; a read of b waits for the write.
func TestReadNotBehindOtherWriter(t *testing.T) {
	s := NewServer(t)
	db := lockTestClient(t, s)
	ctx := context.Background()
	a, b := db.Collection("a"), db.Collection("b")
	for _, c := range []*mongo.Collection{a, b} {
		if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: 1}, {Key: "n", Value: 0}}); err != nil {
			t.Fatal(err)
		}
	}
	held, release := holdWrites(t, s, "db.b")
	writerDone := make(chan error, 1)
	go func() {
		_, err := b.UpdateOne(ctx, bson.D{{Key: "_id", Value: 1}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}})
		writerDone <- err
	}()
	done(t, "the held write", held)

	errs := make(chan error, 1)
	go func() { errs <- a.FindOne(ctx, bson.D{{Key: "_id", Value: 1}}).Err() }()
	if err := done(t, "a find on a", errs); err != nil {
		t.Fatal(err)
	}
	go func() {
		_, err := a.UpdateOne(ctx, bson.D{{Key: "_id", Value: 1}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}})
		errs <- err
	}()
	if err := done(t, "an update of a", errs); err != nil {
		t.Fatal(err)
	}
	go func() {
		sess, err := db.Client().StartSession()
		if err != nil {
			errs <- err
			return
		}
		defer sess.EndSession(ctx)
		_, err = sess.WithTransaction(ctx, func(ctx context.Context) (any, error) {
			if err := a.FindOne(ctx, bson.D{{Key: "_id", Value: 1}}).Err(); err != nil {
				return nil, err
			}
			return a.InsertOne(ctx, bson.D{{Key: "_id", Value: 2}})
		})
		errs <- err
	}()
	if err := done(t, "a transaction on a", errs); err != nil {
		t.Fatal(err)
	}

	// The find on b starts while the write to b is held: it must wait
	// for it and see it.
	readB := make(chan error, 1)
	var got struct{ N int32 }
	go func() { readB <- b.FindOne(ctx, bson.D{{Key: "_id", Value: 1}}).Decode(&got) }()
	release()
	if err := done(t, "the held write", writerDone); err != nil {
		t.Fatal(err)
	}
	if err := done(t, "a find on b", readB); err != nil {
		t.Fatal(err)
	}
	if got.N != 1 {
		t.Fatalf("the find on b read n = %d, want the held write's 1", got.N)
	}
}

// TestCommitOneTime: a transaction's commit over two collections takes one
// commit time: the clock advances once, every version it writes and every
// change event it logs carry that time, so a snapshot either has all of it
// or none.
func TestCommitOneTime(t *testing.T) {
	s := NewServer(t)
	s.catalogMu.Lock() // no command runs meanwhile
	defer s.catalogMu.Unlock()
	a, b := s.coll("db", "a", true), s.coll("db", "b", true)
	tx := s.beginTxn(s.session("x"), 1, 0, false)
	var recs []*record
	for i, c := range []*collection{a, b, a} {
		r := c.record(int32(i), true)
		s.put(view{tx: tx}, c, r, bson.D{{Key: "_id", Value: int32(i)}}, false)
		recs = append(recs, r)
	}
	if got := tx.nss; len(got) != 2 || got[0] != "db.a" || got[1] != "db.b" {
		t.Fatalf("the transaction's namespaces are %v, want [db.a db.b]", got)
	}
	before := s.clock.Load()
	if err := s.commitTxn(tx); err != nil {
		t.Fatal(err)
	}
	ts := s.clock.Load()
	if ts != before+1 {
		t.Fatalf("the clock moved from %d to %d, want one step", before, ts)
	}
	for i, r := range recs {
		if r.latestTS() != ts || (view{at: ts - 1, atSet: true}).doc(r) != nil {
			t.Fatalf("record %d: committed at %d, want %d and absent just before", i, r.latestTS(), ts)
		}
	}
	evs, _, err := s.eventsSince(streamPos{t: uint32(s.started.Unix()), i: before, idx: idxAll}, changeLogCap)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 3 {
		t.Fatalf("%d events, want 3", len(evs))
	}
	for _, e := range evs {
		if e.pos.i != ts {
			t.Fatalf("event %v at %d, want %d", e.op, e.pos.i, ts)
		}
	}
}

// TestPruneIdleCollection: the versions a commit to collection a made
// obsolete are forgotten once they leave the history window even if a is
// never written again: a commit to b prunes them, taking a's lock, which is
// free.
func TestPruneIdleCollection(t *testing.T) {
	now := time.Unix(1000, 0)
	s := frozenServer(t, &now)
	a, b := s.coll("db", "a", true), s.coll("db", "b", true)
	r := a.record("k", true)
	for v := range int32(3) {
		s.put(view{}, a, r, bson.D{{Key: "_id", Value: "k"}, {Key: "v", Value: v}}, false)
		now = now.Add(time.Second)
	}
	if n := len(versionTimes(r)); n != 3 {
		t.Fatalf("%d versions inside the window, want 3", n)
	}
	now = now.Add(2 * time.Minute)
	s.put(view{}, b, b.record("x", true), bson.D{{Key: "_id", Value: "x"}}, false)
	if ts := versionTimes(r); len(ts) != 1 || r.latest()[1].Value != int32(2) {
		t.Fatalf("versions of the idle collection's record after the window: %v, want only the last", ts)
	}
}

// TestKillCursorsBesideWaitingGetMore: killCursors with the session of a
// change stream whose getMore awaits events (keeping its session checked
// out) completes at once, as the driver's ChangeStream.Close needs.
func TestKillCursorsBesideWaitingGetMore(t *testing.T) {
	s := NewServer(t)
	lsid := bson.D{{Key: "id", Value: bson.Binary{Subtype: bson.TypeBinaryUUID, Data: make([]byte, 16)}}}
	run := func(cmd bson.D) bson.D {
		reply, err := s.handle(&conn{s: s}, &message{opCode: opMsg, db: "db", body: append(cmd, bson.E{Key: "lsid", Value: lsid})})
		if err != nil {
			t.Error(err)
		}
		return reply
	}
	opened := run(bson.D{{Key: "aggregate", Value: "c"}, {Key: "pipeline", Value: bson.A{bson.D{{Key: "$changeStream", Value: bson.D{}}}}}, {Key: "cursor", Value: bson.D{}}})
	id, _ := lookup(lookup(opened, "cursor").(bson.D), "id").(int64)
	if id == 0 {
		t.Fatalf("no change stream cursor: %v", opened)
	}
	waiting := make(chan struct{})
	var once sync.Once
	s.lockedHook = func(req *request) {
		if req.name == "getMore" {
			once.Do(func() { close(waiting) })
		}
	}
	go run(bson.D{{Key: "getMore", Value: id}, {Key: "collection", Value: "c"}, {Key: "maxTimeMS", Value: int32(60000)}})
	done(t, "the getMore", waiting)
	killed := make(chan bson.D, 1)
	go func() { killed <- run(bson.D{{Key: "killCursors", Value: "c"}, {Key: "cursors", Value: bson.A{id}}}) }()
	reply := done(t, "killCursors", killed)
	if got := lookup(reply, "cursorsKilled"); !sameDoc(bson.D{{Key: "k", Value: got}}, bson.D{{Key: "k", Value: bson.A{id}}}) {
		t.Fatalf("killCursors: %v, want cursorsKilled [%d]", reply, id)
	}
}
