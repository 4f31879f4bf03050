package runtime_test

import (
	"context"
	"errors"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime"
)

// A schema with Decode, as the generator writes one for a type with
// generated codecs: every read decodes with it, from the reply's bytes.
func TestReadsDecodeWithTheSchemasDecode(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		decoded := 0
		var fail error
		schema := runtime.Schema{Doc: noteSchema.Doc, ID: noteSchema.ID, Updated: noteSchema.Updated}
		schema.Decode = func(doc any, data []byte) error {
			decoded++
			if fail != nil {
				return fail
			}
			return bson.Unmarshal(data, doc.(*note))
		}
		repo := runtime.NewRepo(b.DB(t).Collection("notes"), nil, &schema)
		for _, key := range []string{"a", "b"} {
			if err := repo.Insert(ctx, &note{Key: key, Text: "text " + key}); err != nil {
				t.Fatal(err)
			}
		}
		byKey := runtime.NewField[string]("_id").Eq("a")
		reads := []struct {
			name string
			docs int
			run  func() error
		}{
			{"Get", 1, func() error { return want(runtime.One[*note](repo.Get(ctx, "a"))) }},
			{"GetBy", 1, func() error { return want(runtime.One[*note](repo.GetBy(ctx, "getByKey", byKey))) }},
			{"FindOne", 1, func() error { return want(runtime.One[*note](repo.FindOne(ctx, byKey))) }},
			{"FindOneAndUpdate", 1, func() error {
				return want(runtime.One[*note](repo.FindOneAndUpdate(ctx, byKey, runtime.NewField[string]("text").Set("text a"))))
			}},
			{"Find", 2, func() error {
				notes, err := runtime.All[*note](repo.Find(ctx, nil))
				if err == nil && (len(notes) != 2 || notes[0].Text != "text a") {
					err = errors.New("wrong documents")
				}
				return err
			}},
			{"Iter", 2, func() error {
				for n, err := range runtime.Each[*note](repo.Iter(ctx, nil)) {
					if err != nil {
						return err
					}
					if n.Text != "text "+n.Key {
						return errors.New("wrong document")
					}
				}
				return nil
			}},
		}
		for _, r := range reads {
			decoded = 0
			if err := r.run(); err != nil || decoded != r.docs {
				t.Errorf("%s = %v after %d Decode calls, want success after %d", r.name, err, decoded, r.docs)
			}
			fail = errors.New("refused")
			var oe *runtime.OpError
			if err := r.run(); !errors.As(err, &oe) || !errors.Is(err, fail) {
				t.Errorf("%s with a failing Decode = %v, want an OpError wrapping its error", r.name, err)
			}
			fail = nil
		}
	})
}

// want is the error of a read of note "a".
func want(n *note, err error) error {
	if err == nil && (n == nil || n.Text != "text a") {
		err = errors.New("wrong document")
	}
	return err
}

// countedNote is a note with its own UnmarshalBSON, as a type with a
// generated codec has: it counts its calls in countedNoteCalls.
type countedNote struct{ note }

var countedNoteCalls int

func (n *countedNote) UnmarshalBSON(data []byte) error {
	countedNoteCalls++
	return bson.Unmarshal(data, &n.note)
}

// A schema without Decode decodes a document that has its own UnmarshalBSON
// method with it, from the reply's bytes: the generated schemas leave
// Decode out. (The driver's decoder would call the method too; what the
// shortcut saves shows in internal/benchmarks' Find ratios.)
func TestReadsWithoutDecodeUseTheDocumentsUnmarshalBSON(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		countedNoteCalls = 0
		schema := runtime.Schema{Doc: (*countedNote)(nil), ID: "Key"}
		repo := runtime.NewRepo(b.DB(t).Collection("notes"), nil, &schema)
		if err := repo.Insert(ctx, &note{Key: "a", Text: "text a"}); err != nil {
			t.Fatal(err)
		}
		got, err := runtime.One[*countedNote](repo.Get(ctx, "a"))
		if err != nil || got.Text != "text a" || countedNoteCalls != 1 {
			t.Errorf("Get = %+v, %v after %d UnmarshalBSON calls, want note a after 1", got, err, countedNoteCalls)
		}
		countedNoteCalls = 0
		all, err := runtime.All[*countedNote](repo.Find(ctx, nil))
		if err != nil || len(all) != 1 || countedNoteCalls != 1 {
			t.Errorf("Find = %d documents, %v after %d UnmarshalBSON calls, want 1 after 1", len(all), err, countedNoteCalls)
		}
	})
}
