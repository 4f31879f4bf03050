package runtime_test

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime"
)

// subscriber is soft-deleted, with the stamps a delete bumps and a unique
// email, as the generator declares them.
type subscriber struct {
	ID      bson.ObjectID `bson:"_id,omitempty"`
	Email   string        `bson:"email"`
	Deleted *time.Time    `bson:"deleted_at"`
	Updated time.Time     `bson:"updated"`
	Version int64         `bson:"version"`
}

var subscriberSchema = runtime.Schema{
	Doc:     (*subscriber)(nil),
	ID:      "ID",
	Updated: &runtime.Stamp{Path: "updated", Field: "Updated"},
	Version: &runtime.Counter{Path: "version", Field: "Version"},
	Deleted: "deleted_at",
	Indexes: []runtime.Index{{Keys: bson.D{{Key: "email", Value: 1}}, Unique: true, PartialFilter: bson.D{{Key: "deleted_at", Value: nil}}}},
}

var emailField = runtime.NewField[string]("email")

// members returns the Repo of a fresh members collection with its indexes,
// and the members it inserted with those emails.
func subscribers(t *testing.T, b *testenv.Backend, emails ...string) (runtime.Repo, *mongo.Collection, []*subscriber) {
	t.Helper()
	coll := b.DB(t).Collection("subscribers")
	repo := runtime.NewRepo(coll, nil, &subscriberSchema)
	if err := repo.EnsureIndexes(context.Background()); err != nil {
		t.Fatal(err)
	}
	var docs []*subscriber
	for _, e := range emails {
		docs = append(docs, &subscriber{Email: e})
	}
	if err := repo.InsertMany(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	return repo, coll, docs
}

// TestSoftDeleteHides: a deleted document keeps its data with the mark,
// the updated stamp and the version bump; every read, count and update
// leaves it out; WithDeleted brings it back to the reads that take it.
func TestSoftDeleteHides(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		repo, coll, docs := subscribers(t, b, "a", "b")
		a := docs[0]
		if err := repo.Delete(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		raw := rawDoc(t, coll, a.ID)
		if raw.Lookup("deleted_at").Type != bson.TypeDateTime || raw.Lookup("version").Int64() != 2 ||
			!raw.Lookup("updated").Time().After(a.Updated.Add(-time.Millisecond)) {
			t.Fatalf("deleted document stored as %v", raw)
		}

		_, err := repo.Get(ctx, a.ID)
		wantOp(t, err, "get", runtime.ErrNotFound)
		_, err = repo.FindOne(ctx, emailField.Eq("a"))
		wantOp(t, err, "findOne", runtime.ErrNotFound)
		_, err = repo.GetBy(ctx, "getByEmail", emailField.Eq("a"))
		wantOp(t, err, "getByEmail", runtime.ErrNotFound)
		if all, err := runtime.All[*subscriber](repo.Find(ctx, nil)); err != nil || len(all) != 1 || all[0].Email != "b" {
			t.Errorf("Find = %v, %v; want b alone", all, err)
		}
		if n, err := repo.Count(ctx, nil); err != nil || n != 1 {
			t.Errorf("Count = %d, %v; want 1", n, err)
		}
		wantOp(t, repo.UpdateByID(ctx, a.ID, emailField.Set("x")), "updateByID", runtime.ErrNotFound)
		if n, err := repo.UpdateMany(ctx, nil, emailField.Set("y")); err != nil || n != 1 {
			t.Errorf("UpdateMany = %d, %v; want only b changed", n, err)
		}
		_, err = repo.FindOneAndUpdate(ctx, emailField.Eq("a"), emailField.Set("x"))
		wantOp(t, err, "findOneAndUpdate", runtime.ErrNotFound)
		a.Version = 2
		wantOp(t, repo.Replace(ctx, a), "replace", runtime.ErrNotFound)
		wantOp(t, repo.Delete(ctx, a.ID), "delete", runtime.ErrNotFound)
		if rawDoc(t, coll, a.ID).Lookup("email").StringValue() != "a" {
			t.Error("a write changed the deleted document")
		}

		if n, err := repo.Count(ctx, nil, runtime.WithDeleted()); err != nil || n != 2 {
			t.Errorf("Count WithDeleted = %d, %v; want 2", n, err)
		}
		if n, err := repo.Count(ctx, nil, runtime.WithDeleted(), runtime.Skip(1), runtime.Limit(5)); err != nil || n != 1 {
			t.Errorf("Count WithDeleted, skip 1 = %d, %v; want 1", n, err)
		}
		got, err := runtime.One[*subscriber](repo.FindOne(ctx, emailField.Eq("a"), runtime.WithDeleted()))
		if err != nil || got.Deleted == nil {
			t.Fatalf("FindOne WithDeleted = %+v, %v", got, err)
		}
		if all, err := runtime.All[*subscriber](repo.Find(ctx, nil, runtime.WithDeleted())); err != nil || len(all) != 2 {
			t.Errorf("Find WithDeleted = %v, %v; want both", all, err)
		}
		var seen int
		for _, err := range runtime.Each[*subscriber](repo.Iter(ctx, nil, runtime.WithDeleted())) {
			if err != nil {
				t.Fatal(err)
			}
			seen++
		}
		if seen != 2 {
			t.Errorf("Iter WithDeleted saw %d, want 2", seen)
		}
	})
}

// TestSoftDeleteMany: DeleteMany marks the live documents it matches and
// counts only them.
func TestSoftDeleteMany(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		repo, _, docs := subscribers(t, b, "a", "b", "c")
		if err := repo.Delete(ctx, docs[0].ID); err != nil {
			t.Fatal(err)
		}
		if n, err := repo.DeleteMany(ctx, nil); err != nil || n != 2 {
			t.Fatalf("DeleteMany = %d, %v; want 2", n, err)
		}
		if n, err := repo.Count(ctx, nil); err != nil || n != 0 {
			t.Errorf("Count after DeleteMany = %d, %v", n, err)
		}
	})
}

// TestRestoreAndHardDelete: Restore brings a deleted document back with
// the stamps of an update, does nothing to a live one, and is ErrNotFound
// without the document; HardDelete removes a document, deleted or not.
func TestRestoreAndHardDelete(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		repo, coll, docs := subscribers(t, b, "a", "b")
		a, bm := docs[0], docs[1]
		if err := repo.Delete(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if err := repo.Restore(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		got, err := runtime.One[*subscriber](repo.Get(ctx, a.ID))
		if err != nil || got.Deleted != nil || got.Version != 3 {
			t.Fatalf("restored document = %+v, %v; want live at version 3", got, err)
		}
		if err := repo.Restore(ctx, bm.ID); err != nil {
			t.Errorf("Restore of a live document = %v", err)
		}
		if v := rawDoc(t, coll, bm.ID).Lookup("version").Int64(); v != 1 {
			t.Errorf("Restore of a live document bumped its version to %d", v)
		}
		wantOp(t, repo.Restore(ctx, bson.NewObjectID()), "restore", runtime.ErrNotFound)

		if err := repo.Delete(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		for _, id := range []bson.ObjectID{a.ID, bm.ID} {
			if err := repo.HardDelete(ctx, id); err != nil {
				t.Fatal(err)
			}
			wantOp(t, repo.HardDelete(ctx, id), "hardDelete", runtime.ErrNotFound)
		}
		if n, err := coll.CountDocuments(ctx, bson.D{}); err != nil || n != 0 {
			t.Errorf("%d documents left after HardDelete, %v", n, err)
		}
	})
}

// TestSoftDeleteUnique: the partial unique index lets a new subscriber take a
// deleted subscriber's email; restoring the deleted one then fails on it.
func TestSoftDeleteUnique(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		repo, _, docs := subscribers(t, b, "a")
		wantOp(t, repo.Insert(ctx, &subscriber{Email: "a"}), "insert", runtime.ErrDuplicateKey)
		if err := repo.Delete(ctx, docs[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := repo.Insert(ctx, &subscriber{Email: "a"}); err != nil {
			t.Fatalf("insert over a deleted subscriber's email: %v", err)
		}
		wantOp(t, repo.Restore(ctx, docs[0].ID), "restore", runtime.ErrDuplicateKey)
	})
}

// TestSoftDeleteAggregate: an aggregate of the repository starts with the
// $match that leaves deleted documents out, unless given WithDeleted.
func TestSoftDeleteAggregate(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		repo, _, docs := subscribers(t, b, "a", "b")
		if err := repo.Delete(ctx, docs[0].ID); err != nil {
			t.Fatal(err)
		}
		got, err := runtime.Aggregate[subscriber](ctx, repo, runtime.Sort(emailField.Asc()))
		if err != nil || len(got) != 1 || got[0].Email != "b" {
			t.Errorf("Aggregate = %+v, %v; want b alone", got, err)
		}
		got, err = runtime.Aggregate[subscriber](ctx, repo, runtime.WithDeleted(), runtime.Sort(emailField.Asc()))
		if err != nil || len(got) != 2 || got[0].Email != "a" {
			t.Errorf("Aggregate WithDeleted = %+v, %v; want a and b", got, err)
		}
	})
}
