package runtime_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime"
)

func TestSelectProjection(t *testing.T) {
	f := bookFields
	for _, tc := range []struct {
		name string
		opts []runtime.FindOption
		want string
	}{
		{"no Select reads all", nil, `null`},
		{"Select() reads all", []runtime.FindOption{runtime.Select()}, `null`},
		{"fields in order", []runtime.FindOption{runtime.Select(f.Title, f.Tags)}, `{"title":1,"tags":1}`},
		{"several add up, once each", []runtime.FindOption{runtime.Select(f.Title), runtime.Select(f.Copies, f.Title)}, `{"title":1,"copies":1}`},
		{"a sub-field of an array", []runtime.FindOption{runtime.Select(f.Editions.Year)}, `{"editions.year":1}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := runtime.ApplyFindOptions(tc.opts).Projection
			got := "null"
			if p != nil {
				got = extJSON(t, p)
			}
			if got != tc.want {
				t.Errorf("Projection = %s, want %s", got, tc.want)
			}
		})
	}
}

// TestSelectOnTheServer: every find-like call reads only the selected
// fields and the _id; the others stay zero.
func TestSelectOnTheServer(t *testing.T) {
	f := bookFields
	full := book{ID: "b", Title: "Go", Copies: 2, Rating: 4.5, Tags: []string{"go"}, Scores: []int{1},
		Editions: []edition{{2001, "hb"}, {2010, "pb"}}}
	key := bson.D{{Key: "_id", Value: "b"}}
	sel := []runtime.FindOption{runtime.Select(f.Title, f.Editions.Year)}
	want := book{ID: "b", Title: "Go", Editions: []edition{{Year: 2001}, {Year: 2010}}}
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		coll := books(t, b, full)
		check := func(call string, decode func(any) error, want book) {
			t.Helper()
			var got book
			if err := decode(&got); err != nil {
				t.Errorf("%s: %v", call, err)
				return
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: document (-want +got):\n%s", call, diff)
			}
		}
		cur, err := coll.Find(ctx, key, runtime.FindArgs(sel))
		if err != nil {
			t.Fatal(err)
		}
		check("Find", func(v any) error {
			var all []book
			if err := cur.All(ctx, &all); err != nil || len(all) != 1 {
				return err
			}
			*v.(*book) = all[0]
			return nil
		}, want)
		check("FindOne", coll.FindOne(ctx, key, runtime.FindOneArgs(sel)).Decode, want)

		after := want
		after.Title = "Go 2"
		check("FindOneAndUpdate", coll.FindOneAndUpdate(ctx, key, runtime.UpdateDoc(f.Title.Set("Go 2")), runtime.FindOneAndUpdateArgs(sel)).Decode, after)

		repl := full
		repl.Title = "Go 3"
		after.Title = "Go 3"
		check("FindOneAndReplace", coll.FindOneAndReplace(ctx, key, repl, runtime.FindOneAndReplaceArgs(sel)).Decode, after)
		check("FindOneAndDelete", coll.FindOneAndDelete(ctx, key, runtime.FindOneAndDeleteArgs(sel)).Decode, after)

		if _, err := coll.InsertOne(ctx, full); err != nil {
			t.Fatal(err)
		}
		repl.Title = "Go 4"
		full.Title = "Go 4"
		check("FindOneAndReplace without options returns the document after", coll.FindOneAndReplace(ctx, key, repl, runtime.FindOneAndReplaceArgs(nil)).Decode, full)
		check("FindOneAndDelete without options", coll.FindOneAndDelete(ctx, key, runtime.FindOneAndDeleteArgs(nil)).Decode, full)
	})
}

// TestFindOneAndSortChooses: the sort of FindOneAndReplace and
// FindOneAndDelete chooses the document when several match.
func TestFindOneAndSortChooses(t *testing.T) {
	copies := bookFields.Copies
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		coll := books(t, b, book{ID: "one", Copies: 1}, book{ID: "three", Copies: 3}, book{ID: "two", Copies: 2})
		var got book
		err := coll.FindOneAndDelete(ctx, bson.D{}, runtime.FindOneAndDeleteArgs([]runtime.FindOption{runtime.Sort(copies.Desc())})).Decode(&got)
		if err != nil || got.ID != "three" {
			t.Errorf("FindOneAndDelete sorted by copies descending took %q (%v), want three", got.ID, err)
		}
		got = book{}
		err = coll.FindOneAndReplace(ctx, bson.D{}, bson.D{{Key: "title", Value: "least"}}, runtime.FindOneAndReplaceArgs([]runtime.FindOption{runtime.Sort(copies.Asc())})).Decode(&got)
		if err != nil || got.ID != "one" || got.Title != "least" {
			t.Errorf("FindOneAndReplace sorted by copies ascending gave %+v (%v), want one, retitled", got, err)
		}
	})
}
