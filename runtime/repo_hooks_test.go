package runtime_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime"
)

// hooked has both hooks: BeforeSave lowers its name and refuses an empty
// one, AfterLoad records the load and refuses a name "bad".
type hooked struct {
	ID     bson.ObjectID `bson:"_id,omitempty"`
	Name   string        `bson:"name"`
	Rev    int64         `bson:"rev"`
	Loaded int           `bson:"-"`
}

var (
	errEmptyName = errors.New("empty name")
	errBadName   = errors.New("bad name")
)

// hookCalls records the contexts the hooks ran with.
var hookCalls struct{ saves, loads []context.Context }

func (h *hooked) BeforeSave(ctx context.Context) error {
	hookCalls.saves = append(hookCalls.saves, ctx)
	if h.Name == "" {
		return errEmptyName
	}
	h.Name = strings.ToLower(h.Name)
	return nil
}

func (h *hooked) AfterLoad(ctx context.Context) error {
	hookCalls.loads = append(hookCalls.loads, ctx)
	if h.Name == "bad" {
		return errBadName
	}
	h.Loaded++
	return nil
}

// hookedSchema names no hooks: the repository finds them, methods of
// *hooked.
var hookedSchema = runtime.Schema{
	Doc:     (*hooked)(nil),
	ID:      "ID",
	Version: &runtime.Counter{Path: "rev", Field: "Rev"},
}

var nameField = runtime.NewField[string]("name")

func newHooked(t *testing.T, b *testenv.Backend) (runtime.Repo, *mongo.Collection) {
	t.Helper()
	hookCalls.saves, hookCalls.loads = nil, nil
	coll := b.DB(t).Collection("hooked")
	return runtime.NewRepo(coll, nil, &hookedSchema), coll
}

// TestBeforeSave: the hook runs before Insert, InsertMany and Replace, its
// changes are stored, and its error stops the write with nothing sent and
// the document as it was.
func TestBeforeSave(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		repo, coll := newHooked(t, b)
		doc := &hooked{Name: "Ann"}
		if err := repo.Insert(ctx, doc); err != nil {
			t.Fatal(err)
		}
		if got := rawDoc(t, coll, doc.ID).Lookup("name").StringValue(); got != "ann" || len(hookCalls.saves) != 1 {
			t.Fatalf("stored name %q after %d BeforeSave calls", got, len(hookCalls.saves))
		}

		empty := &hooked{}
		err := repo.Insert(ctx, empty)
		wantOp(t, err, "insert", errEmptyName)
		if !empty.ID.IsZero() || empty.Rev != 0 {
			t.Errorf("a refused Insert prepared the document: %+v", empty)
		}
		err = repo.InsertMany(ctx, []*hooked{{Name: "b"}, {}})
		wantOp(t, err, "insertMany", errEmptyName)

		doc.Name = ""
		wantOp(t, repo.Replace(ctx, doc), "replace", errEmptyName)
		if doc.Rev != 1 {
			t.Errorf("a refused Replace bumped the version to %d", doc.Rev)
		}
		if n, err := coll.CountDocuments(ctx, bson.D{}); err != nil || n != 1 {
			t.Errorf("%d documents stored, %v; want only the first", n, err)
		}
		if got := rawDoc(t, coll, doc.ID); got.Lookup("name").StringValue() != "ann" || got.Lookup("rev").Int64() != 1 {
			t.Errorf("a refused Replace wrote %v", got)
		}
		doc.Name = "ANNA"
		if err := repo.Replace(ctx, doc); err != nil || doc.Name != "anna" {
			t.Errorf("Replace = %v, name %q", err, doc.Name)
		}
	})
}

// TestAfterLoad: the hook runs once on every document each read decodes,
// aggregates into the type included, and its error fails the read.
func TestAfterLoad(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		repo, coll := newHooked(t, b)
		if err := repo.InsertMany(ctx, []*hooked{{Name: "a"}, {Name: "b"}}); err != nil {
			t.Fatal(err)
		}
		loaded := func(what string, docs ...*hooked) {
			t.Helper()
			for _, d := range docs {
				if d == nil || d.Loaded != 1 {
					t.Errorf("%s: document %+v, want loaded once", what, d)
				}
			}
		}
		one, err := runtime.One[*hooked](repo.FindOne(ctx, nameField.Eq("a")))
		if err != nil {
			t.Fatal(err)
		}
		loaded("FindOne", one)
		got, err := runtime.One[*hooked](repo.Get(ctx, one.ID))
		if err != nil {
			t.Fatal(err)
		}
		loaded("Get", got)
		all, err := runtime.All[*hooked](repo.Find(ctx, nil))
		if err != nil || len(all) != 2 {
			t.Fatalf("Find = %v, %v", all, err)
		}
		loaded("Find", all...)
		for d, err := range runtime.Each[*hooked](repo.Iter(ctx, nil)) {
			if err != nil {
				t.Fatal(err)
			}
			loaded("Iter", d)
		}
		upd, err := runtime.One[*hooked](repo.FindOneAndUpdate(ctx, nameField.Eq("b"), nameField.Set("c")))
		if err != nil {
			t.Fatal(err)
		}
		loaded("FindOneAndUpdate", upd)
		rows, err := runtime.Aggregate[hooked](ctx, repo)
		if err != nil || len(rows) != 2 {
			t.Fatalf("Aggregate = %v, %v", rows, err)
		}
		loaded("Aggregate", &rows[0], &rows[1])
		type nameOnly struct {
			Name string `bson:"name"`
		}
		before := len(hookCalls.loads)
		if _, err := runtime.Aggregate[nameOnly](ctx, repo); err != nil || len(hookCalls.loads) != before {
			t.Errorf("Aggregate into another type: %v, %d hook calls", err, len(hookCalls.loads)-before)
		}

		if _, err := coll.InsertOne(ctx, bson.D{{Key: "name", Value: "bad"}}); err != nil {
			t.Fatal(err)
		}
		_, err = repo.FindOne(ctx, nameField.Eq("bad"))
		wantOp(t, err, "findOne", errBadName)
		_, err = runtime.All[*hooked](repo.Find(ctx, nil))
		wantOp(t, err, "find", errBadName)
		_, err = runtime.Aggregate[hooked](ctx, repo)
		wantOp(t, err, "aggregate", errBadName)
	})
}

// TestHooksPerAttempt: inside WithTx the hooks run in each attempt, with a
// context of that attempt's transaction.
func TestHooksPerAttempt(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		repo, _ := newHooked(t, b)
		if err := repo.Insert(context.Background(), &hooked{Name: "a"}); err != nil {
			t.Fatal(err)
		}
		hookCalls.saves, hookCalls.loads = nil, nil
		b.FailPoint(t, conflictOnce("commitTransaction"))
		var attempts []*runtime.Tx
		err := runtime.WithTx(testenv.Context(t), b.Client, func(ctx context.Context) error {
			attempts = append(attempts, runtime.TxFrom(ctx))
			if _, err := repo.FindOne(ctx, nameField.Eq("a")); err != nil {
				return err
			}
			return repo.Insert(ctx, &hooked{Name: "b"})
		}, fastBackoff)
		if err != nil {
			t.Fatal(err)
		}
		if len(attempts) != 2 || len(hookCalls.saves) != 2 || len(hookCalls.loads) != 2 {
			t.Fatalf("%d attempts, %d BeforeSave, %d AfterLoad calls; want 2 each", len(attempts), len(hookCalls.saves), len(hookCalls.loads))
		}
		for i, tx := range attempts {
			if tx == nil || runtime.TxFrom(hookCalls.saves[i]) != tx || runtime.TxFrom(hookCalls.loads[i]) != tx {
				t.Errorf("attempt %d: hooks ran outside its transaction", i+1)
			}
		}
	})
}
