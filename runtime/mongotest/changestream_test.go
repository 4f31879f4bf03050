package mongotest_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime/mongotest"
)

// watch opens a change stream on w (a collection, database or client)
// and closes it at cleanup.
func watch(t *testing.T, ctx context.Context, w interface {
	Watch(context.Context, any, ...options.Lister[options.ChangeStreamOptions]) (*mongo.ChangeStream, error)
}, pipeline any, opts ...options.Lister[options.ChangeStreamOptions]) *mongo.ChangeStream {
	t.Helper()
	if pipeline == nil {
		pipeline = mongo.Pipeline{}
	}
	cs, err := w.Watch(ctx, pipeline, opts...)
	must(t, err)
	t.Cleanup(func() { cs.Close(context.Background()) })
	return cs
}

// nextEvents reads n events from cs.
func nextEvents(t *testing.T, ctx context.Context, cs *mongo.ChangeStream, n int) []bson.D {
	t.Helper()
	var out []bson.D
	for len(out) < n {
		if !cs.Next(ctx) {
			t.Fatalf("stream ended after %d of %d events: %v", len(out), n, cs.Err())
		}
		var d bson.D
		must(t, bson.Unmarshal(cs.Current, &d))
		out = append(out, d)
	}
	return out
}

// shape is an event without what differs from run to run: its resume
// token, cluster time and wall time (and a transaction's lsid).
func shape(events []bson.D) []bson.D {
	out := make([]bson.D, len(events))
	for i, e := range events {
		for _, f := range e {
			switch f.Key {
			case "_id", "clusterTime", "wallTime", "lsid", "collectionUUID":
				continue
			}
			out[i] = append(out[i], f)
		}
	}
	return out
}

func ns(db, coll string) bson.E {
	return bson.E{Key: "ns", Value: bson.D{{Key: "db", Value: db}, {Key: "coll", Value: coll}}}
}

func key(id any) bson.E { return bson.E{Key: "documentKey", Value: bson.D{{Key: "_id", Value: id}}} }

func wantEvents(t *testing.T, got, want []bson.D) {
	t.Helper()
	if d := cmp.Diff(want, shape(got)); d != "" {
		t.Fatalf("events (-want +got):\n%s", d)
	}
}

// watchedColl is the prologue of a stream test: a context, the test's
// database and its collection "c", created (a real server needs it to
// exist before a stream on it sees its first insert's commit time).
func watchedColl(t *testing.T, b *testenv.Backend) (context.Context, *mongo.Database, *mongo.Collection) {
	t.Helper()
	ctx, db := b.Begin(t)
	must(t, db.CreateCollection(ctx, "c"))
	return ctx, db, db.Collection("c")
}

func TestChangeStreamCollectionEvents(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, db, coll := watchedColl(t, b)
		cs := watch(t, ctx, coll, nil)
		_, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 1}, {Key: "a", Value: 1}, {Key: "b", Value: "x"}, {Key: "arr", Value: bson.A{1, 2, 3}}})
		must(t, err)
		_, err = coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: 1}}, bson.D{
			{Key: "$set", Value: bson.D{{Key: "a", Value: 2}, {Key: "n.x", Value: true}}},
			{Key: "$unset", Value: bson.D{{Key: "b", Value: ""}}},
			{Key: "$pop", Value: bson.D{{Key: "arr", Value: 1}}},
		})
		must(t, err)
		_, err = coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: 1}}, bson.D{{Key: "z", Value: 9}})
		must(t, err)
		_, err = coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: 1}})
		must(t, err)
		// Another collection's write is not this stream's.
		_, err = db.Collection("other").InsertOne(ctx, bson.D{{Key: "_id", Value: 2}})
		must(t, err)
		_, err = coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 3}})
		must(t, err)

		dbName := db.Name()
		wantEvents(t, nextEvents(t, ctx, cs, 5), []bson.D{
			{{Key: "operationType", Value: "insert"},
				{Key: "fullDocument", Value: bson.D{{Key: "_id", Value: int32(1)}, {Key: "a", Value: int32(1)}, {Key: "b", Value: "x"}, {Key: "arr", Value: bson.A{int32(1), int32(2), int32(3)}}}},
				ns(dbName, "c"), key(int32(1))},
			{{Key: "operationType", Value: "update"}, ns(dbName, "c"), key(int32(1)),
				{Key: "updateDescription", Value: bson.D{
					{Key: "updatedFields", Value: bson.D{{Key: "a", Value: int32(2)}, {Key: "n", Value: bson.D{{Key: "x", Value: true}}}}},
					{Key: "removedFields", Value: bson.A{"b"}},
					{Key: "truncatedArrays", Value: bson.A{bson.D{{Key: "field", Value: "arr"}, {Key: "newSize", Value: int32(2)}}}},
				}}},
			{{Key: "operationType", Value: "replace"}, {Key: "fullDocument", Value: bson.D{{Key: "_id", Value: int32(1)}, {Key: "z", Value: int32(9)}}},
				ns(dbName, "c"), key(int32(1))},
			{{Key: "operationType", Value: "delete"}, ns(dbName, "c"), key(int32(1))},
			{{Key: "operationType", Value: "insert"}, {Key: "fullDocument", Value: bson.D{{Key: "_id", Value: int32(3)}}}, ns(dbName, "c"), key(int32(3))},
		})
	})
}

func TestChangeStreamDatabaseAndCluster(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, db := b.Begin(t)
		other := b.DB(t)
		must(t, db.CreateCollection(ctx, "a"))
		must(t, other.CreateCollection(ctx, "x"))
		// The cluster stream is narrowed to this test's two databases: a
		// real server may be busy with others.
		onlyOurs := mongo.Pipeline{{{Key: "$match", Value: bson.D{{Key: "ns.db", Value: bson.D{{Key: "$in", Value: bson.A{db.Name(), other.Name()}}}}}}}}
		dbStream := watch(t, ctx, db, nil)
		clusterStream := watch(t, ctx, b.Client, onlyOurs)
		for _, w := range []struct {
			c  *mongo.Collection
			id int32
		}{{db.Collection("a"), 1}, {other.Collection("x"), 2}, {db.Collection("b"), 3}} {
			_, err := w.c.InsertOne(ctx, bson.D{{Key: "_id", Value: w.id}})
			must(t, err)
		}
		ins := func(dbName, coll string, id int32) bson.D {
			return bson.D{{Key: "operationType", Value: "insert"}, {Key: "fullDocument", Value: bson.D{{Key: "_id", Value: id}}}, ns(dbName, coll), key(id)}
		}
		wantEvents(t, nextEvents(t, ctx, dbStream, 2), []bson.D{ins(db.Name(), "a", 1), ins(db.Name(), "b", 3)})
		wantEvents(t, nextEvents(t, ctx, clusterStream, 3), []bson.D{ins(db.Name(), "a", 1), ins(other.Name(), "x", 2), ins(db.Name(), "b", 3)})
	})
}

func TestChangeStreamResume(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, _, coll := watchedColl(t, b)
		cs := watch(t, ctx, coll, nil)
		start := cs.ResumeToken() // the high-water mark before any event
		for i := int32(1); i <= 3; i++ {
			_, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: i}})
			must(t, err)
		}
		first := nextEvents(t, ctx, cs, 1)[0]
		firstToken, _ := bson.Marshal(first[0].Value)
		ids := func(events []bson.D) []any {
			var out []any
			for _, e := range events {
				for _, f := range e {
					if f.Key == "documentKey" {
						out = append(out, f.Value.(bson.D)[0].Value)
					}
				}
			}
			return out
		}
		for name, opts := range map[string]*options.ChangeStreamOptionsBuilder{
			"resumeAfter": options.ChangeStream().SetResumeAfter(bson.Raw(firstToken)),
			"startAfter":  options.ChangeStream().SetStartAfter(bson.Raw(firstToken)),
		} {
			got := ids(nextEvents(t, ctx, watch(t, ctx, coll, nil, opts), 2))
			if d := cmp.Diff([]any{int32(2), int32(3)}, got); d != "" {
				t.Errorf("%s the first event: (-want +got)\n%s", name, d)
			}
		}
		got := ids(nextEvents(t, ctx, watch(t, ctx, coll, nil, options.ChangeStream().SetResumeAfter(start)), 3))
		if d := cmp.Diff([]any{int32(1), int32(2), int32(3)}, got); d != "" {
			t.Errorf("resumeAfter the opening token: (-want +got)\n%s", d)
		}
		ct, ok := first[2].Value.(bson.Timestamp)
		if !ok {
			t.Fatalf("event has no clusterTime: %v", first)
		}
		got = ids(nextEvents(t, ctx, watch(t, ctx, coll, nil, options.ChangeStream().SetStartAtOperationTime(&ct)), 3))
		if d := cmp.Diff([]any{int32(1), int32(2), int32(3)}, got); d != "" {
			t.Errorf("startAtOperationTime of the first event: (-want +got)\n%s", d)
		}
	})
}

func TestChangeStreamTransactionAtCommit(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, db, coll := watchedColl(t, b)
		cs := watch(t, ctx, coll, nil, options.ChangeStream().SetMaxAwaitTime(50*time.Millisecond))
		sess, tctx := startTxn(t, b.Client)
		_, err := coll.InsertOne(tctx, bson.D{{Key: "_id", Value: 1}, {Key: "v", Value: 1}})
		must(t, err)
		f, u := setV(1, 2)
		_, err = coll.UpdateOne(tctx, f, u)
		must(t, err)
		_, err = coll.InsertOne(tctx, bson.D{{Key: "_id", Value: 2}})
		must(t, err)
		if cs.TryNext(ctx) {
			t.Fatalf("an uncommitted write is in the stream: %v", cs.Current)
		}
		must(t, cs.Err())
		_, err = coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 0}}) // committed first
		must(t, err)
		must(t, sess.CommitTransaction(ctx))

		got := nextEvents(t, ctx, cs, 4)
		dbName := db.Name()
		wantEvents(t, got, []bson.D{
			{{Key: "operationType", Value: "insert"}, {Key: "fullDocument", Value: bson.D{{Key: "_id", Value: int32(0)}}}, ns(dbName, "c"), key(int32(0))},
			{{Key: "operationType", Value: "insert"}, {Key: "fullDocument", Value: bson.D{{Key: "_id", Value: int32(1)}, {Key: "v", Value: int32(1)}}},
				ns(dbName, "c"), key(int32(1)), {Key: "txnNumber", Value: int64(1)}},
			{{Key: "operationType", Value: "update"}, ns(dbName, "c"), key(int32(1)),
				{Key: "updateDescription", Value: bson.D{{Key: "updatedFields", Value: bson.D{{Key: "v", Value: int32(2)}}}, {Key: "removedFields", Value: bson.A{}}, {Key: "truncatedArrays", Value: bson.A{}}}},
				{Key: "txnNumber", Value: int64(1)}},
			{{Key: "operationType", Value: "insert"}, {Key: "fullDocument", Value: bson.D{{Key: "_id", Value: int32(2)}}}, ns(dbName, "c"), key(int32(2)), {Key: "txnNumber", Value: int64(1)}},
		})
		// The transaction's events share its commit's time and its session.
		var lsids []any
		for _, e := range got[1:] {
			if e[2].Value != got[1][2].Value {
				t.Errorf("transaction events at different cluster times: %v and %v", e[2].Value, got[1][2].Value)
			}
			if l := get(e, "lsid"); l != nil {
				lsids = append(lsids, l)
			}
		}
		var want bson.D
		must(t, bson.Unmarshal(sess.ID(), &want))
		for _, l := range lsids {
			if d := cmp.Diff(want, l); d != "" {
				t.Errorf("event lsid is not the session's (-want +got):\n%s", d)
			}
		}
		if len(lsids) != 3 {
			t.Errorf("%d transaction events carry an lsid, want 3", len(lsids))
		}
	})
}

func TestChangeStreamUpdateLookup(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, _, coll := watchedColl(t, b)
		cs := watch(t, ctx, coll, mongo.Pipeline{{{Key: "$match", Value: bson.D{{Key: "operationType", Value: "update"}}}}},
			options.ChangeStream().SetFullDocument(options.UpdateLookup))
		_, err := coll.InsertMany(ctx, []any{bson.D{{Key: "_id", Value: 1}, {Key: "v", Value: 0}}, bson.D{{Key: "_id", Value: 2}, {Key: "v", Value: 0}}})
		must(t, err)
		for _, id := range []int32{1, 2} {
			f, u := setV(id, 1)
			_, err = coll.UpdateOne(ctx, f, u)
			must(t, err)
		}
		f, u := setV(1, 5)
		_, err = coll.UpdateOne(ctx, f, u)
		must(t, err)
		_, err = coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: 2}})
		must(t, err)
		// The lookup reads the document as it is when the event is read.
		var full []any
		for _, e := range nextEvents(t, ctx, cs, 3) {
			full = append(full, get(e, "fullDocument"))
		}
		v5 := bson.D{{Key: "_id", Value: int32(1)}, {Key: "v", Value: int32(5)}}
		if d := cmp.Diff([]any{v5, nil, v5}, full); d != "" {
			t.Fatalf("updateLookup documents (-want +got):\n%s", d)
		}
	})
}

func TestChangeStreamInvalidate(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, db, coll := watchedColl(t, b)
		collStream := watch(t, ctx, coll, nil)
		dbStream := watch(t, ctx, db, nil)
		must(t, coll.Drop(ctx))
		got := nextEvents(t, ctx, collStream, 2)
		wantEvents(t, got, []bson.D{
			{{Key: "operationType", Value: "drop"}, ns(db.Name(), "c")},
			{{Key: "operationType", Value: "invalidate"}},
		})
		if collStream.Next(ctx) {
			t.Fatalf("the stream goes on after invalidate: %v", collStream.Current)
		}
		must(t, collStream.Err())
		// startAfter the invalidate watches the collection made again.
		inv, _ := bson.Marshal(got[1][0].Value)
		again := watch(t, ctx, coll, nil, options.ChangeStream().SetStartAfter(bson.Raw(inv)))
		_, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 1}})
		must(t, err)
		wantEvents(t, nextEvents(t, ctx, again, 1), []bson.D{
			{{Key: "operationType", Value: "insert"}, {Key: "fullDocument", Value: bson.D{{Key: "_id", Value: int32(1)}}}, ns(db.Name(), "c"), key(int32(1))},
		})
		_, err = coll.Watch(ctx, mongo.Pipeline{}, options.ChangeStream().SetResumeAfter(bson.Raw(inv)))
		wantCode(t, err, 260)

		must(t, db.Drop(ctx))
		wantEvents(t, nextEvents(t, ctx, dbStream, 5), []bson.D{
			{{Key: "operationType", Value: "drop"}, ns(db.Name(), "c")},
			{{Key: "operationType", Value: "insert"}, {Key: "fullDocument", Value: bson.D{{Key: "_id", Value: int32(1)}}}, ns(db.Name(), "c"), key(int32(1))},
			{{Key: "operationType", Value: "drop"}, ns(db.Name(), "c")},
			{{Key: "operationType", Value: "dropDatabase"}, {Key: "ns", Value: bson.D{{Key: "db", Value: db.Name()}}}},
			{{Key: "operationType", Value: "invalidate"}},
		})
	})
}

// TestChangeStreamHistoryLost: the change log keeps Options.SnapshotHistory;
// resuming from before it is refused, never answered with a partial stream.
func TestChangeStreamHistoryLost(t *testing.T) {
	c := clientWith(t, mongotest.Options{SnapshotHistory: 20 * time.Millisecond})
	ctx := ctxT(t)
	coll := c.Database("hist").Collection("c")
	cs := watch(t, ctx, coll, nil)
	behind := watch(t, ctx, coll, nil) // not read until the log moved on
	for i := int32(1); i <= 2; i++ {
		_, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: i}})
		must(t, err)
	}
	first := nextEvents(t, ctx, cs, 1)[0]
	token, _ := bson.Marshal(first[0].Value)
	time.Sleep(50 * time.Millisecond)
	_, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 3}}) // ages the first two out
	must(t, err)
	_, err = coll.Watch(ctx, mongo.Pipeline{}, options.ChangeStream().SetResumeAfter(bson.Raw(token)))
	wantCode(t, err, 286)
	ct := first[2].Value.(bson.Timestamp)
	_, err = coll.Watch(ctx, mongo.Pipeline{}, options.ChangeStream().SetStartAtOperationTime(&ct))
	wantCode(t, err, 286)
	// An open stream that fell behind the log fails the same way (the
	// driver's resume then meets the same refusal)...
	if behind.Next(ctx) {
		t.Fatalf("a stream behind the log goes on: %v", behind.Current)
	}
	wantCode(t, behind.Err(), 286)
	// ...while one that kept up goes on.
	wantEvents(t, nextEvents(t, ctx, cs, 2)[1:], []bson.D{
		{{Key: "operationType", Value: "insert"}, {Key: "fullDocument", Value: bson.D{{Key: "_id", Value: int32(3)}}}, ns("hist", "c"), key(int32(3))},
	})
}

// TestChangeStreamRefusals: what mongotest cannot do right is refused.
func TestChangeStreamRefusals(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, db := b.Begin(t)
		coll := db.Collection("c")
		_, err := coll.Watch(ctx, mongo.Pipeline{{{Key: "$group", Value: bson.D{{Key: "_id", Value: nil}}}}})
		if err == nil {
			t.Fatal("$group after $changeStream accepted")
		}
		_, err = db.Client().Database("admin").Watch(ctx, mongo.Pipeline{})
		wantCode(t, err, 73)
		_, err = coll.Aggregate(ctx, mongo.Pipeline{{{Key: "$match", Value: bson.D{}}}, {{Key: "$changeStream", Value: bson.D{}}}})
		wantCode(t, err, 40602)
		_, err = coll.Watch(ctx, mongo.Pipeline{}, options.ChangeStream().SetResumeAfter(bson.D{{Key: "_data", Value: "nonsense"}}))
		if err == nil {
			t.Fatal("a malformed resume token accepted")
		}
		// A stage that drops the resume token makes the stream fail.
		cs := watch(t, ctx, coll, mongo.Pipeline{{{Key: "$project", Value: bson.D{{Key: "_id", Value: 0}}}}})
		_, err = coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 1}})
		must(t, err)
		if cs.Next(ctx) {
			t.Fatalf("an event without its resume token: %v", cs.Current)
		}
		wantCode(t, cs.Err(), 280)
		if b.Real {
			return
		}
		for _, o := range []*options.ChangeStreamOptionsBuilder{
			options.ChangeStream().SetFullDocument(options.WhenAvailable),
			options.ChangeStream().SetFullDocumentBeforeChange(options.Required),
			options.ChangeStream().SetShowExpandedEvents(true),
		} {
			_, err = coll.Watch(ctx, mongo.Pipeline{}, o)
			wantCode(t, err, 2)
		}
	})
}

// TestChangeStreamDriverResumes: when a getMore's connection drops, the
// driver resumes from the last postBatchResumeToken and no event is lost
// or repeated.
func TestChangeStreamDriverResumes(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, _, coll := watchedColl(t, b)
		cs := watch(t, ctx, coll, nil, options.ChangeStream().SetBatchSize(1))
		for i := int32(1); i <= 3; i++ {
			_, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: i}})
			must(t, err)
		}
		first := nextEvents(t, ctx, cs, 1)
		b.FailPoint(t, mongotest.FailPoint{Mode: mongotest.Times(1), Commands: []string{"getMore"}, CloseConnection: true})
		got := append(first, nextEvents(t, ctx, cs, 2)...)
		var ids []any
		for _, e := range got {
			ids = append(ids, get(get(e, "documentKey").(bson.D), "_id"))
		}
		if d := cmp.Diff([]any{int32(1), int32(2), int32(3)}, ids); d != "" {
			t.Fatalf("events across a resume (-want +got):\n%s", d)
		}
	})
}

// TestChangeStreamResumableLabel: a retryable error of a $changeStream
// aggregate carries ResumableChangeStreamError, as mongod labels it; the
// same error of an ordinary aggregate does not.
func TestChangeStreamResumableLabel(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, db, _ := watchedColl(t, b)
		for _, tc := range []struct {
			stage bson.D
			want  bool
		}{{bson.D{{Key: "$changeStream", Value: bson.D{}}}, true}, {bson.D{{Key: "$match", Value: bson.D{}}}, false}} {
			b.FailPoint(t, mongotest.FailPoint{Mode: mongotest.Times(1), Commands: []string{"aggregate"}, ErrorCode: 11600})
			err := db.RunCommand(ctx, bson.D{{Key: "aggregate", Value: "c"}, {Key: "pipeline", Value: bson.A{tc.stage}}, {Key: "cursor", Value: bson.D{}}}).Err()
			wantCode(t, err, 11600)
			wantLabel(t, err, "ResumableChangeStreamError", tc.want)
		}
	})
}
