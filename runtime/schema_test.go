package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime"
)

// stale is a document type that generated schemas below get wrong.
type stale struct {
	ID      bson.ObjectID `bson:"_id"`
	Updated *time.Time    `bson:"updated"`
	Rev     uint32        `bson:"rev"`
	Count   int64         `bson:"count"`
	Meta    *ticketMeta   `bson:"meta"`
}

// embedsMeta has the created stamp of an embedded struct, promoted, and
// embedsMetaPtr through an embedded pointer.
type (
	Meta struct {
		Created time.Time `bson:"created"`
	}
	embedsMeta struct {
		ID   bson.ObjectID `bson:"_id"`
		Meta `bson:",inline"`
	}
	embedsMetaPtr struct {
		ID bson.ObjectID `bson:"_id"`
		*Meta
	}
)

// TestSchemaPromotedField: a field promoted from an embedded struct is
// reached at its offset in the embedding one.
func TestSchemaPromotedField(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		coll := b.DB(t).Collection("embedded")
		repo := runtime.NewRepo(coll, nil, &runtime.Schema{Doc: (*embedsMeta)(nil), ID: "ID", Created: &runtime.Stamp{Path: "created", Field: "Created"}})
		doc := &embedsMeta{}
		if err := repo.Insert(context.Background(), doc); err != nil {
			t.Fatal(err)
		}
		stored := rawDoc(t, coll, doc.ID).Lookup("created")
		if doc.Created.IsZero() || stored.Type != bson.TypeDateTime || !stored.Time().Equal(doc.Created) {
			t.Errorf("Insert stamped %v, stored %v", doc.Created, stored)
		}
	})
}

// TestStaleSchemaPanics: a schema whose names or types do not fit the
// document type, which only stale generated code has, panics at its first
// NewRepo with a message naming the type and the field.
func TestStaleSchemaPanics(t *testing.T) {
	doc := (*stale)(nil)
	for _, c := range []struct {
		name   string
		schema *runtime.Schema
		want   string
	}{
		{"no doc", &runtime.Schema{ID: "ID"}, "Schema.Doc is <nil>, want a nil pointer to the document's struct type"},
		{"doc not a pointer", &runtime.Schema{Doc: stale{}, ID: "ID"}, "Schema.Doc is runtime_test.stale, want a nil pointer"},
		{"no ID", &runtime.Schema{Doc: doc}, "the Schema of runtime_test.stale names no ID field"},
		{"unknown ID", &runtime.Schema{Doc: doc, ID: "Key"}, "names field Key, which runtime_test.stale does not have"},
		{"stamp of another type", &runtime.Schema{Doc: doc, ID: "ID", Updated: &runtime.Stamp{Path: "updated", Field: "Updated"}},
			"has field Updated of type *time.Time as an updated stamp"},
		{"created stamp not a time", &runtime.Schema{Doc: doc, ID: "ID", Created: &runtime.Stamp{Path: "count", Field: "Count"}},
			"has field Count of type int64 as a created stamp"},
		{"unsigned counter", &runtime.Schema{Doc: doc, ID: "ID", Version: &runtime.Counter{Path: "rev", Field: "Rev"}},
			"has field Rev of type uint32 as a version counter (int, int32 or int64)"},
		{"through a pointer", &runtime.Schema{Doc: doc, ID: "ID", Created: &runtime.Stamp{Path: "meta.created", Field: "Meta.Created"}},
			"names field Meta.Created, which is reached through a *runtime_test.ticketMeta"},
		{"promoted through a pointer", &runtime.Schema{Doc: (*embedsMetaPtr)(nil), ID: "ID", Created: &runtime.Stamp{Path: "created", Field: "Created"}},
			"names field Created, which is reached through a *runtime_test.Meta"},
		{"unknown sub-field", &runtime.Schema{Doc: (*ticket)(nil), ID: "ID", Created: &runtime.Stamp{Path: "meta.at", Field: "Meta.At"}},
			"names field Meta.At, which runtime_test.ticket does not have"},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				msg := fmt.Sprint(recover())
				if !strings.HasPrefix(msg, "runtime: ") || !strings.Contains(msg, c.want) {
					t.Errorf("panic %q, want one containing %q", msg, c.want)
				}
			}()
			runtime.NewRepo(nil, nil, c.schema)
		})
	}
}

// TestSchemaRefusesOtherDocuments: a document of another type than the
// schema's, or a nil one, given to a write that sets its fields panics
// with a message naming both, rather than writing at the wrong offsets.
func TestSchemaRefusesOtherDocuments(t *testing.T) {
	repo := runtime.NewRepo(nil, nil, &ticketSchema)
	for _, c := range []struct {
		doc  any
		want string
	}{
		{&note{}, "runtime: a *runtime_test.note given to a repository of *runtime_test.ticket"},
		{(*ticket)(nil), "runtime: a nil *runtime_test.ticket given to a repository"},
	} {
		func() {
			defer func() {
				if msg := fmt.Sprint(recover()); msg != c.want {
					t.Errorf("Insert(%T): panic %q, want %q", c.doc, msg, c.want)
				}
			}()
			_ = repo.Insert(context.Background(), c.doc)
		}()
	}
}

// revision is a named counter type: the repository sends it as itself.
type revision int32

// valueHooked has hooks with value receivers, and a named counter.
type valueHooked struct {
	Key  string   `bson:"_id"`
	Name string   `bson:"name"`
	Rev  revision `bson:"rev"`
}

var valueHookedLoads int

func (v valueHooked) BeforeSave(context.Context) error {
	if v.Name == "" {
		return errEmptyName
	}
	return nil
}

func (v valueHooked) AfterLoad(context.Context) error {
	valueHookedLoads++
	return nil
}

var valueHookedSchema = runtime.Schema{
	Doc:     (*valueHooked)(nil),
	ID:      "Key",
	Version: &runtime.Counter{Path: "rev", Field: "Rev"},
}

// TestValueReceiverHooksAndNamedCounter: hooks declared on T, not *T, run
// as the generated closures ran them, an aggregate into T gets AfterLoad
// and one into *T does not (as before); a counter of a named integer type
// is stored in its kind's BSON type, starts at 1 and is checked by Replace.
func TestValueReceiverHooksAndNamedCounter(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		coll := b.DB(t).Collection("valued")
		repo := runtime.NewRepo(coll, nil, &valueHookedSchema)
		wantOp(t, repo.Insert(ctx, &valueHooked{Key: "a"}), "insert", errEmptyName)
		doc := &valueHooked{Key: "a", Name: "ann"}
		if err := repo.Insert(ctx, doc); err != nil || doc.Rev != 1 {
			t.Fatalf("Insert = %v, rev %d", err, doc.Rev)
		}
		if rev := rawDoc(t, coll, "a").Lookup("rev"); rev.Type != bson.TypeInt32 || rev.Int32() != 1 {
			t.Errorf("rev stored as %v, want int32 1", rev)
		}
		valueHookedLoads = 0
		got, err := runtime.One[*valueHooked](repo.Get(ctx, "a"))
		if err != nil || got.Name != "ann" || valueHookedLoads != 1 {
			t.Fatalf("Get = %+v, %v after %d AfterLoad calls", got, err, valueHookedLoads)
		}
		if _, err := runtime.Aggregate[valueHooked](ctx, repo); err != nil || valueHookedLoads != 2 {
			t.Errorf("Aggregate into the type: %v after %d AfterLoad calls, want 2", err, valueHookedLoads)
		}
		if _, err := runtime.Aggregate[*valueHooked](ctx, repo); err != nil || valueHookedLoads != 2 {
			t.Errorf("Aggregate into pointers: %v after %d AfterLoad calls, want still 2", err, valueHookedLoads)
		}
		if err := repo.Replace(ctx, got); err != nil || got.Rev != 2 {
			t.Fatalf("Replace = %v, rev %d", err, got.Rev)
		}
		err = repo.Replace(ctx, doc) // at rev 1, stale
		if !errors.Is(err, runtime.ErrVersionConflict) || doc.Rev != 1 {
			t.Errorf("stale Replace = %v, rev %d; want a version conflict and rev 1 kept", err, doc.Rev)
		}
	})
}
