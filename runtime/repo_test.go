package runtime_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime"
)

// Tests of the generic repository core on hand-written schemas, the way the
// generator writes them. The generated repositories are tested through
// their own packages (templates/internal/shop, example); these tests cover
// what those types do not have: counters of each integer type, stamps
// without a version, an _id that is not an ObjectID.

// ticket has every field a schema can maintain, its counter an int32.
type ticket struct {
	ID      bson.ObjectID `bson:"_id,omitempty"`
	Title   string        `bson:"title"`
	Meta    ticketMeta    `bson:"meta"`
	Updated time.Time     `bson:"updated"`
	Rev     int32         `bson:"rev"`
}

type ticketMeta struct {
	Created time.Time `bson:"created"`
}

// ticketSchema's _id is an ObjectID, which Insert assigns; its created
// stamp is in a sub-document.
var ticketSchema = runtime.Schema{
	Doc:     (*ticket)(nil),
	ID:      "ID",
	Created: &runtime.Stamp{Path: "meta.created", Field: "Meta.Created"},
	Updated: &runtime.Stamp{Path: "updated", Field: "Updated"},
	Version: &runtime.Counter{Path: "rev", Field: "Rev"},
	Indexes: []runtime.Index{{Keys: bson.D{{Key: "title", Value: 1}}, Unique: true}},
}

// note has a string _id, an updated stamp and no version.
type note struct {
	Key     string    `bson:"_id"`
	Text    string    `bson:"text"`
	Updated time.Time `bson:"updated"`
}

var noteSchema = runtime.Schema{
	Doc:     (*note)(nil),
	ID:      "Key",
	Updated: &runtime.Stamp{Path: "updated", Field: "Updated"},
}

var titleField = runtime.NewField[string]("title")

// rawDoc reads the stored document with _id id as it is, for its BSON types.
func rawDoc(t *testing.T, coll *mongo.Collection, id any) bson.Raw {
	t.Helper()
	raw, err := coll.FindOne(context.Background(), bson.D{{Key: "_id", Value: id}}).Raw()
	if err != nil {
		t.Fatalf("reading %v back: %v", id, err)
	}
	return raw
}

// insertedTicket returns the Repo of a fresh tickets collection, the
// collection, and the ticket "a" it inserted there.
func insertedTicket(t *testing.T, b *testenv.Backend) (runtime.Repo, *mongo.Collection, *ticket) {
	t.Helper()
	coll := b.DB(t).Collection("tickets")
	repo := runtime.NewRepo(coll, nil, &ticketSchema)
	doc := &ticket{Title: "a"}
	if err := repo.Insert(context.Background(), doc); err != nil {
		t.Fatal(err)
	}
	return repo, coll, doc
}

// wantOp checks that err is the *runtime.OpError of op, matching target.
func wantOp(t *testing.T, err error, op string, target error) {
	t.Helper()
	var oe *runtime.OpError
	if !errors.As(err, &oe) || oe.Op != op || !errors.Is(err, target) {
		t.Fatalf("error %v: want a *runtime.OpError of %s matching %v", err, op, target)
	}
}

// TestRepoInsertStamps: Insert gives a zero ObjectID a new one, sets both
// stamps to the same millisecond and starts the counter at 1, storing it in
// the field's own BSON type; a failed Insert leaves them set.
func TestRepoInsertStamps(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		coll := b.DB(t).Collection("tickets")
		repo := runtime.NewRepo(coll, nil, &ticketSchema)
		if err := repo.EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
		before := time.Now().UTC().Truncate(time.Millisecond)
		doc := &ticket{Title: "a", Rev: 7}
		if err := repo.Insert(ctx, doc); err != nil {
			t.Fatal(err)
		}
		if doc.ID.IsZero() || doc.Rev != 1 || doc.Updated.Before(before) || !doc.Meta.Created.Equal(doc.Updated) ||
			doc.Updated.Location() != time.UTC || doc.Updated.Nanosecond()%int(time.Millisecond) != 0 {
			t.Fatalf("Insert prepared %+v", doc)
		}
		got, err := runtime.One[*ticket](repo.Get(ctx, doc.ID))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(doc, got); diff != "" {
			t.Errorf("stored document differs from doc (-doc +stored):\n%s", diff)
		}
		if rev := rawDoc(t, coll, doc.ID).Lookup("rev"); rev.Type != bson.TypeInt32 {
			t.Errorf("rev stored as %v, want int32", rev.Type)
		}

		again := &ticket{Title: "a"}
		err = repo.Insert(ctx, again)
		wantOp(t, err, "insert", runtime.ErrDuplicateKey)
		if again.ID.IsZero() || again.Rev != 1 || again.Updated.IsZero() {
			t.Errorf("a failed Insert reset doc: %+v", again)
		}
	})
}

// TestRepoInsertKeepsOtherIDs: an _id that is not an ObjectID is the
// caller's to set; Insert only stamps.
func TestRepoInsertKeepsOtherIDs(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		repo := runtime.NewRepo(b.DB(t).Collection("notes"), nil, &noteSchema)
		docs := []*note{{Key: "x", Text: "one"}, {Key: "y", Text: "two"}}
		if err := repo.InsertMany(ctx, docs); err != nil {
			t.Fatal(err)
		}
		if err := repo.InsertMany(ctx, []*note(nil)); err != nil {
			t.Fatalf("InsertMany of nothing: %v", err)
		}
		got, err := runtime.All[*note](repo.Find(ctx, nil, runtime.Sort(runtime.NewField[string]("_id").Asc())))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(docs, got); diff != "" || docs[0].Updated.IsZero() {
			t.Errorf("stored notes (-inserted +stored):\n%s", diff)
		}
	})
}

// TestRepoReplace: Replace requires the stored counter to be doc's, bumps
// it in its own type and stamps doc; when it fails, for a conflict or a
// missing document, doc gets its counter and stamp back.
func TestRepoReplace(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		repo, coll, doc := insertedTicket(t, b)
		stale := *doc
		time.Sleep(2 * time.Millisecond)
		doc.Title = "b"
		if err := repo.Replace(ctx, doc); err != nil {
			t.Fatal(err)
		}
		if doc.Rev != 2 || !doc.Updated.After(stale.Updated) || !doc.Meta.Created.Equal(stale.Meta.Created) {
			t.Errorf("after Replace doc is %+v", doc)
		}
		if rev := rawDoc(t, coll, doc.ID).Lookup("rev"); rev.Type != bson.TypeInt32 || rev.Int32() != 2 {
			t.Errorf("rev stored as %v", rev)
		}

		conflict := stale
		wantOp(t, repo.Replace(ctx, &conflict), "replace", runtime.ErrVersionConflict)
		if diff := cmp.Diff(stale, conflict); diff != "" {
			t.Errorf("a conflicting Replace changed doc (-before +after):\n%s", diff)
		}
		missing := stale
		missing.ID = bson.NewObjectID()
		before := missing
		wantOp(t, repo.Replace(ctx, &missing), "replace", runtime.ErrNotFound)
		if diff := cmp.Diff(before, missing); diff != "" {
			t.Errorf("a Replace of a missing document changed doc (-before +after):\n%s", diff)
		}
	})
}

// TestRepoReplaceWithoutVersion: without a counter Replace matches on the
// _id alone; a missing document is ErrNotFound, and the stamp is restored.
func TestRepoReplaceWithoutVersion(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		repo := runtime.NewRepo(b.DB(t).Collection("notes"), nil, &noteSchema)
		n := &note{Key: "x", Text: "one"}
		if err := repo.Insert(ctx, n); err != nil {
			t.Fatal(err)
		}
		n.Text = "two"
		if err := repo.Replace(ctx, n); err != nil {
			t.Fatal(err)
		}
		ghost := &note{Key: "ghost"}
		wantOp(t, repo.Replace(ctx, ghost), "replace", runtime.ErrNotFound)
		if !ghost.Updated.IsZero() {
			t.Errorf("a failed Replace left the stamp set: %v", ghost.Updated)
		}
	})
}

// TestRepoUpdatesStamp: every update sets the Updated stamp and adds 1 to
// the counter, keeping its BSON type; a missing document is ErrNotFound.
func TestRepoUpdatesStamp(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		repo, coll, doc := insertedTicket(t, b)
		time.Sleep(2 * time.Millisecond)
		if err := repo.UpdateByID(ctx, doc.ID, titleField.Set("b")); err != nil {
			t.Fatal(err)
		}
		got, err := runtime.One[*ticket](repo.FindOneAndUpdate(ctx, titleField.Eq("b"), titleField.Set("c")))
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != "c" || got.Rev != 3 || !got.Updated.After(doc.Updated) {
			t.Errorf("after two updates the document is %+v", got)
		}
		if n, err := repo.UpdateMany(ctx, nil, titleField.Set("d")); n != 1 || err != nil {
			t.Errorf("UpdateMany = %d, %v", n, err)
		}
		if rev := rawDoc(t, coll, doc.ID).Lookup("rev"); rev.Type != bson.TypeInt32 || rev.Int32() != 4 {
			t.Errorf("rev stored as %v, want int32 4", rev)
		}
		wantOp(t, repo.UpdateByID(ctx, bson.NewObjectID(), titleField.Set("x")), "updateByID", runtime.ErrNotFound)
		_, err = repo.FindOneAndUpdate(ctx, titleField.Eq("none"), titleField.Set("x"))
		wantOp(t, err, "findOneAndUpdate", runtime.ErrNotFound)
	})
}

// TestRepoReadsAndDeletes: the reads decode into the schema's documents,
// name their operation in errors (a GetBy its own), and Iter stops when the
// loop does.
func TestRepoReadsAndDeletes(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		repo := runtime.NewRepo(b.DB(t).Collection("tickets"), nil, &ticketSchema)
		for _, title := range []string{"a", "b", "c"} {
			if err := repo.Insert(ctx, &ticket{Title: title}); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := runtime.One[*ticket](repo.GetBy(ctx, "getByTitle", titleField.Eq("b"))); err != nil || got.Title != "b" {
			t.Errorf("GetBy = %+v, %v", got, err)
		}
		_, err := repo.GetBy(ctx, "getByTitle", titleField.Eq("z"))
		wantOp(t, err, "getByTitle", runtime.ErrNotFound)
		_, err = repo.Get(ctx, bson.NewObjectID())
		wantOp(t, err, "get", runtime.ErrNotFound)
		if got, err := runtime.One[*ticket](repo.FindOne(ctx, nil, runtime.Sort(titleField.Desc()))); err != nil || got.Title != "c" {
			t.Errorf("FindOne = %+v, %v", got, err)
		}
		if got, err := runtime.All[*ticket](repo.FindBy(ctx, "findByTitle", titleField.In("a", "c"), runtime.Sort(titleField.Asc()))); err != nil || len(got) != 2 || got[1].Title != "c" {
			t.Errorf("FindBy = %+v, %v", got, err)
		}
		if got, err := runtime.All[*ticket](repo.Find(ctx, titleField.Eq("z"))); err != nil || got == nil || len(got) != 0 {
			t.Errorf("Find of nothing = %#v, %v; want an empty slice", got, err)
		}
		var seen []string
		for doc, err := range runtime.Each[*ticket](repo.Iter(ctx, nil, runtime.Sort(titleField.Asc()))) {
			if err != nil {
				t.Fatal(err)
			}
			if seen = append(seen, doc.Title); len(seen) == 2 {
				break
			}
		}
		if diff := cmp.Diff([]string{"a", "b"}, seen); diff != "" {
			t.Errorf("Iter (-want +got):\n%s", diff)
		}
		if n, err := repo.Count(ctx, titleField.Gte("b")); n != 2 || err != nil {
			t.Errorf("Count = %d, %v", n, err)
		}
		a, _ := runtime.One[*ticket](repo.GetBy(ctx, "getByTitle", titleField.Eq("a")))
		if err := repo.Delete(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		wantOp(t, repo.Delete(ctx, a.ID), "delete", runtime.ErrNotFound)
		if n, err := repo.DeleteMany(ctx, nil); n != 2 || err != nil {
			t.Errorf("DeleteMany = %d, %v", n, err)
		}
	})
}

// TestRepoIterError: a failing query is yielded once, as (nil, err).
func TestRepoIterError(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		repo := runtime.NewRepo(b.DB(t).Collection("tickets"), nil, &ticketSchema)
		bad := runtime.Raw{{Key: "$nope", Value: 1}}
		n := 0
		for doc, err := range runtime.Each[*ticket](repo.Iter(context.Background(), bad)) {
			n++
			if doc != nil {
				t.Errorf("Iter yielded %+v with the error", doc)
			}
			var oe *runtime.OpError
			if !errors.As(err, &oe) || oe.Op != "iter" || oe.Collection != "tickets" {
				t.Errorf("Iter yielded error %v, want the OpError of iter on tickets", err)
			}
		}
		if n != 1 {
			t.Errorf("Iter yielded %d times, want once", n)
		}
	})
}

// TestRepoBoundToTx: a Repo made with a Tx runs its operations in that
// transaction even when called with a context that carries none.
func TestRepoBoundToTx(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		coll := b.DB(t).Collection("notes")
		if err := runtime.NewRepo(coll, nil, &noteSchema).Insert(ctx, &note{Key: "setup"}); err != nil {
			t.Fatal(err) // creates the collection outside the transaction
		}
		rollback := errors.New("roll back")
		err := runtime.WithTx(ctx, b.Client, func(txCtx context.Context) error {
			repo := runtime.NewRepo(coll, runtime.TxFrom(txCtx), &noteSchema)
			if err := repo.Insert(ctx, &note{Key: "x"}); err != nil {
				return err
			}
			if _, err := repo.Get(ctx, "x"); err != nil {
				return err
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatalf("WithTx = %v", err)
		}
		_, err = runtime.NewRepo(coll, nil, &noteSchema).Get(ctx, "x")
		wantOp(t, err, "get", runtime.ErrNotFound)
	})
}
