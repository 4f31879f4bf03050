package mongotest_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readconcern"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime/mongotest"
)

// TestNoHalfCommits: transactions move units between a document of
// collection a and one of collection b while readers add up both
// collections in one read, which must always find the same total: a
// snapshot transaction reading a then b, snapshot reads of a and b at one
// cluster time, and an aggregate of a that looks b up.
func TestNoHalfCommits(t *testing.T) {
	testenv.Run(t, func(t *testing.T, be *testenv.Backend) {
		const writers, moves, docs, total = 4, 40, 4, 1000
		ctx := ctxT(t)
		db := be.DB(t)
		a, b := db.Collection("a"), db.Collection("b")
		for _, c := range []*mongo.Collection{a, b} {
			for i := range docs {
				_, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: i}, {Key: "v", Value: total / (2 * docs)}})
				must(t, err)
			}
		}
		var wg sync.WaitGroup
		stop := make(chan struct{})
		errs := make(chan error, writers+3)
		var writersWG sync.WaitGroup
		for w := range writers {
			writersWG.Add(1)
			go func() {
				defer writersWG.Done()
				errs <- moveUnits(ctx, be.Client, a, b, w, moves, docs)
			}()
		}
		readers := []func() (int32, error){
			func() (int32, error) { return txnTotal(ctx, be.Client, a, b) },
			func() (int32, error) { return snapshotTotal(ctx, db) },
			func() (int32, error) { return lookupTotal(ctx, a) },
		}
		reads := make([]int, len(readers))
		for k, read := range readers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						if reads[k] > 0 {
							errs <- nil
							return
						}
					default:
					}
					got, err := read()
					if err != nil {
						errs <- fmt.Errorf("reader %d: %w", k, err)
						return
					}
					if got != total {
						errs <- fmt.Errorf("reader %d read a total of %d, want %d: half of a commit", k, got, total)
						return
					}
					reads[k]++
				}
			}()
		}
		writersWG.Wait()
		close(stop)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("reads per reader: %v", reads)
	})
}

// moveUnits runs moves transactions that take one unit from a document of
// one collection and give it to a document of the other.
func moveUnits(ctx context.Context, client *mongo.Client, a, b *mongo.Collection, w, moves, docs int) error {
	sess, err := client.StartSession()
	if err != nil {
		return err
	}
	defer sess.EndSession(context.Background())
	for k := range moves {
		from, to := a, b
		if k%2 == 1 {
			from, to = b, a
		}
		_, err := sess.WithTransaction(ctx, func(ctx context.Context) (any, error) {
			inc := func(c *mongo.Collection, id, by int) error {
				_, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "v", Value: by}}}})
				return err
			}
			if err := inc(from, (w+k)%docs, -1); err != nil {
				return nil, err
			}
			return nil, inc(to, (w+2*k)%docs, 1)
		})
		if err != nil {
			return fmt.Errorf("writer %d: %w", w, err)
		}
	}
	return nil
}

func sumOf(ctx context.Context, cur *mongo.Cursor, err error) (int32, error) {
	if err != nil {
		return 0, err
	}
	var ds []struct{ V int32 }
	if err := cur.All(ctx, &ds); err != nil {
		return 0, err
	}
	var n int32
	for _, d := range ds {
		n += d.V
	}
	return n, nil
}

// txnTotal adds a and b up in one snapshot transaction, whose first
// statement reads another collection: its snapshot is taken while a commit
// may hold a and b.
func txnTotal(ctx context.Context, client *mongo.Client, a, b *mongo.Collection) (int32, error) {
	sess, err := client.StartSession()
	if err != nil {
		return 0, err
	}
	defer sess.EndSession(context.Background())
	var n int32
	_, err = sess.WithTransaction(ctx, func(ctx context.Context) (any, error) {
		n = 0
		if err := a.Database().Collection("unrelated").FindOne(ctx, bson.D{}).Err(); err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return nil, err
		}
		for _, c := range []*mongo.Collection{a, b} {
			cur, err := c.Find(ctx, bson.D{})
			k, err := sumOf(ctx, cur, err)
			if err != nil {
				return nil, err
			}
			n += k
		}
		return nil, nil
	}, options.Transaction().SetReadConcern(readconcern.Snapshot()))
	return n, err
}

// snapshotTotal reads a under readConcern snapshot, then b at the cluster
// time that read answered at.
func snapshotTotal(ctx context.Context, db *mongo.Database) (int32, error) {
	var n int32
	var at any
	for _, coll := range []string{"a", "b"} {
		rc := bson.D{{Key: "level", Value: "snapshot"}}
		if at != nil {
			rc = append(rc, bson.E{Key: "atClusterTime", Value: at})
		}
		var res struct {
			Cursor struct {
				FirstBatch    []struct{ V int32 }
				AtClusterTime bson.Timestamp `bson:"atClusterTime"`
			}
		}
		err := db.RunCommand(ctx, bson.D{{Key: "find", Value: coll}, {Key: "readConcern", Value: rc}}).Decode(&res)
		if err != nil {
			return 0, err
		}
		if at == nil {
			at = res.Cursor.AtClusterTime
		}
		for _, d := range res.Cursor.FirstBatch {
			n += d.V
		}
	}
	return n, nil
}

// lookupTotal adds a and b up in one aggregate of a that looks b up.
func lookupTotal(ctx context.Context, a *mongo.Collection) (int32, error) {
	sum := bson.D{{Key: "$group", Value: bson.D{{Key: "_id", Value: nil}, {Key: "v", Value: bson.D{{Key: "$sum", Value: "$v"}}}}}}
	cur, err := a.Aggregate(ctx, mongo.Pipeline{
		sum,
		{{Key: "$lookup", Value: bson.D{{Key: "from", Value: "b"}, {Key: "pipeline", Value: bson.A{sum}}, {Key: "as", Value: "b"}}}},
		{{Key: "$unwind", Value: "$b"}},
		{{Key: "$project", Value: bson.D{{Key: "v", Value: bson.D{{Key: "$add", Value: bson.A{"$v", "$b.v"}}}}}}},
	})
	n, err := sumOf(ctx, cur, err)
	if err != nil {
		return 0, errors.Join(errors.New("aggregate"), err)
	}
	return n, nil
}

// TestCursorInUse: while a getMore of a change stream waits for events,
// holding the cursor, another getMore of the same cursor fails with 143
// CursorInUse instead of waiting behind it; the first one then returns the
// event it waited for.
func TestCursorInUse(t *testing.T) {
	srv := mongotest.NewServer(t)
	client := testenv.NewClient(t, options.Client().ApplyURI(srv.URI()))
	ctx := ctxT(t)
	db := client.Database("db")
	must(t, db.CreateCollection(ctx, "c"))
	var opened struct{ Cursor struct{ ID int64 } }
	must(t, db.RunCommand(ctx, bson.D{{Key: "aggregate", Value: "c"}, {Key: "pipeline", Value: bson.A{bson.D{{Key: "$changeStream", Value: bson.D{}}}}}, {Key: "cursor", Value: bson.D{}}}).Decode(&opened))
	getMore := func(maxTimeMS int) (int, error) {
		var res struct {
			Cursor struct{ NextBatch []bson.Raw }
		}
		err := db.RunCommand(ctx, bson.D{{Key: "getMore", Value: opened.Cursor.ID}, {Key: "collection", Value: "c"}, {Key: "maxTimeMS", Value: maxTimeMS}}).Decode(&res)
		return len(res.Cursor.NextBatch), err
	}
	waiter := make(chan error, 1)
	inUse := func(err error) bool {
		var ce mongo.CommandError
		return errors.As(err, &ce) && ce.Code == 143
	}
	go func() {
		n, err := getMore(60000)
		for k := 0; inUse(err) && k < 10000; k++ { // a probe below held it
			n, err = getMore(60000)
		}
		if err == nil && n != 1 {
			err = fmt.Errorf("the waiting getMore returned %d events, want 1", n)
		}
		waiter <- err
	}()
	for attempt := 0; ; attempt++ {
		_, err := getMore(1)
		if inUse(err) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if attempt == 10000 {
			t.Fatal("no getMore met the waiting one")
		}
	}
	_, err := db.Collection("c").InsertOne(ctx, bson.D{{Key: "x", Value: 1}})
	must(t, err)
	must(t, <-waiter)
}

// TestLockMix runs clients that mix, at random over three collections,
// writes, transactions over two collections, reads with $lookup, index and
// collection drops and creations, and change streams, a bounded number of
// times. Command errors are expected (write conflicts, dropped
// namespaces); what must not happen is an internal error (a panic in the
// server) or a deadlock (the test's context ends first).
func TestLockMix(t *testing.T) {
	const clients, ops = 8, 150
	srv := mongotest.NewServer(t)
	client := testenv.NewClient(t, options.Client().ApplyURI(srv.URI()))
	ctx, cancel := context.WithTimeout(ctxT(t), 2*time.Minute)
	defer cancel()
	db := client.Database("mix")
	names := []string{"a", "b", "c"}
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(c), 12))
			for k := range ops {
				if err := mixOp(ctx, client, db, names, r, k); err != nil {
					errs <- fmt.Errorf("client %d op %d: %w", c, k, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// mixOp runs one random operation of TestLockMix; it returns only the
// errors that must not happen.
func mixOp(ctx context.Context, client *mongo.Client, db *mongo.Database, names []string, r *rand.Rand, k int) error {
	coll := func() *mongo.Collection { return db.Collection(names[r.IntN(len(names))]) }
	id := r.IntN(20)
	var err error
	switch r.IntN(9) {
	case 0:
		_, err = coll().InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "n", Value: k}})
	case 1:
		_, err = coll().UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}}, options.UpdateOne().SetUpsert(true))
	case 2:
		_, err = coll().DeleteMany(ctx, bson.D{{Key: "n", Value: bson.D{{Key: "$lt", Value: k % 5}}}})
	case 3:
		from, to := coll(), coll()
		var sess *mongo.Session
		if sess, err = client.StartSession(); err == nil {
			_, err = sess.WithTransaction(ctx, func(ctx context.Context) (any, error) {
				if _, err := from.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: -1}}}}); err != nil {
					return nil, err
				}
				return to.InsertOne(ctx, bson.D{{Key: "n", Value: k}})
			})
			sess.EndSession(context.Background())
		}
	case 4:
		var cur *mongo.Cursor
		cur, err = coll().Aggregate(ctx, mongo.Pipeline{{{Key: "$lookup", Value: bson.D{{Key: "from", Value: names[r.IntN(len(names))]}, {Key: "localField", Value: "n"}, {Key: "foreignField", Value: "n"}, {Key: "as", Value: "m"}}}}})
		if err == nil {
			err = cur.All(ctx, new([]bson.D))
		}
	case 5:
		_, err = coll().Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "n", Value: 1}}})
	case 6:
		err = coll().Drop(ctx)
	case 7:
		_, err = db.ListCollectionNames(ctx, bson.D{})
	case 8:
		var cs *mongo.ChangeStream
		if cs, err = coll().Watch(ctx, mongo.Pipeline{}, options.ChangeStream().SetMaxAwaitTime(5*time.Millisecond)); err == nil {
			cs.TryNext(ctx)
			err = cs.Close(ctx)
		}
	}
	var ce mongo.CommandError
	var we mongo.WriteException
	switch {
	case err == nil, errors.Is(err, mongo.ErrNoDocuments):
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("no progress (a deadlock?): %w", err)

	case errors.As(err, &ce) && ce.Code == 1, errors.As(err, &we) && strings.Contains(we.Error(), "internal error"):
		return err
	}
	return nil
}
