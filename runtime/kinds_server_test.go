package runtime_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime"
)

// These tests send what the field kinds build through the real driver, to
// mongotest and, when MONGOTXGEN_TEST_URI is set, to a real replica set:
// the documents are right only if the server gives MongoDB's answers.

type book struct {
	ID       string    `bson:"_id"`
	Title    string    `bson:"title"`
	Copies   int       `bson:"copies"`
	Rating   float64   `bson:"rating"`
	Tags     []string  `bson:"tags"`
	Scores   []int     `bson:"scores"`
	Editions []edition `bson:"editions"`
}

// books inserts docs into a fresh collection of b.
func books(t *testing.T, b *testenv.Backend, docs ...book) *mongo.Collection {
	t.Helper()
	coll := b.DB(t).Collection("books")
	for _, d := range docs {
		if _, err := coll.InsertOne(context.Background(), d); err != nil {
			t.Fatalf("insert %s: %v", d.ID, err)
		}
	}
	return coll
}

// matching returns the sorted IDs of the documents f matches.
func matching(t *testing.T, coll *mongo.Collection, f runtime.Filter) []string {
	t.Helper()
	ctx := context.Background()
	cur, err := coll.Find(ctx, runtime.FilterDoc(f))
	if err != nil {
		t.Fatalf("find %v: %v", runtime.FilterDoc(f), err)
	}
	var got []book
	if err := cur.All(ctx, &got); err != nil {
		t.Fatalf("find %v: %v", runtime.FilterDoc(f), err)
	}
	out := []string{}
	for _, g := range got {
		out = append(out, g.ID)
	}
	slices.Sort(out)
	return out
}

// matchCase is a filter and the sorted IDs of the documents it must match.
type matchCase struct {
	name string
	f    runtime.Filter
	want []string
}

// expectMatches checks that each filter matches exactly its documents.
func expectMatches(t *testing.T, coll *mongo.Collection, cases []matchCase) {
	t.Helper()
	for _, tc := range cases {
		if got := matching(t, coll, tc.f); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v matches %v, want %v", tc.name, runtime.FilterDoc(tc.f), got, tc.want)
		}
	}
}

// get returns the stored document id.
func get(t *testing.T, coll *mongo.Collection, id string) book {
	t.Helper()
	var got book
	if err := coll.FindOne(context.Background(), bson.D{{Key: "_id", Value: id}}).Decode(&got); err != nil {
		t.Fatalf("get %s: %v", id, err)
	}
	return got
}

func TestAnyElementVersusElemMatch(t *testing.T) {
	e := bookFields.Editions
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		coll := books(t, b,
			book{ID: "mixed", Editions: []edition{{2001, "pb"}, {1990, "hb"}}},
			book{ID: "new-hb", Editions: []edition{{2005, "hb"}}},
			book{ID: "old-pb", Editions: []edition{{1980, "pb"}}},
		)
		expectMatches(t, coll, []matchCase{
			{"any element", runtime.Where(e.Year.Gte(2000), e.Format.Eq("hb")), []string{"mixed", "new-hb"}},
			{"same element", e.ElemMatch(e.Year.Gte(2000), e.Format.Eq("hb")), []string{"new-hb"}},
			{"same element, one field twice", e.ElemMatch(e.Year.Gte(1985), e.Year.Lt(1995)), []string{"mixed"}},
			{"same element, Or inside", e.ElemMatch(runtime.Or(e.Year.Lt(1985), e.Format.Eq("hb"))), []string{"mixed", "new-hb", "old-pb"}},
			{"whole element", e.Contains(edition{1980, "pb"}), []string{"old-pb"}},
		})
	})
}

func TestStringFiltersOnTheServer(t *testing.T) {
	title := bookFields.Title
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		coll := books(t, b,
			book{ID: "cpp", Title: "C++ Primer"},
			book{ID: "ccc", Title: "CCC"},
			book{ID: "dot", Title: "a.b rules"},
			book{ID: "axb", Title: "axb rules"},
			book{ID: "inner", Title: "learn C++"},
		)
		expectMatches(t, coll, []matchCase{
			{"HasPrefix C++", title.HasPrefix("C++"), []string{"cpp"}},
			{"HasPrefix a.b", title.HasPrefix("a.b"), []string{"dot"}},
			{"HasPrefix is case-sensitive", title.HasPrefix("c"), []string{}},
			{"HasPrefix empty", title.HasPrefix(""), []string{"axb", "ccc", "cpp", "dot", "inner"}},
			{"Regex with flags", title.Regex(`^c`, "i"), []string{"ccc", "cpp"}},
			{"Regex is a pattern", title.Regex(`a.b`, ""), []string{"axb", "dot"}},
			{"Gte and Lt", runtime.Where(title.Gte("C"), title.Lt("D")), []string{"ccc", "cpp"}},
		})
	})
}

func TestSliceFiltersOnTheServer(t *testing.T) {
	tags := bookFields.Tags
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		coll := books(t, b,
			book{ID: "go-db", Tags: []string{"go", "db"}},
			book{ID: "db-go", Tags: []string{"db", "go"}},
			book{ID: "go", Tags: []string{"go"}},
			book{ID: "none", Tags: []string{}},
		)
		expectMatches(t, coll, []matchCase{
			{"Contains", tags.Contains("db"), []string{"db-go", "go-db"}},
			{"Eq is the whole array in order", tags.Eq([]string{"go", "db"}), []string{"go-db"}},
			{"ContainsAll in any order", tags.ContainsAll("go", "db"), []string{"db-go", "go-db"}},
			{"ContainsAll of nothing matches nothing", tags.ContainsAll(), []string{}},
			{"ContainsAny", tags.ContainsAny("db", "rust"), []string{"db-go", "go-db"}},
			{"ContainsAny of nothing matches nothing", tags.ContainsAny(), []string{}},
			{"Size", tags.Size(1), []string{"go"}},
			{"Size 0", tags.Size(0), []string{"none"}},
		})
	})
}

func TestUpdatesOnTheServer(t *testing.T) {
	f := bookFields
	start := book{ID: "b", Copies: 3, Rating: 2, Tags: []string{"a", "b", "b"}, Scores: []int{1, 2, 3},
		Editions: []edition{{1940, "pb"}, {2001, "hb"}, {1945, "hb"}}}
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		for _, tc := range []struct {
			name string
			u    runtime.Update
			want func(*book)
		}{
			{"Inc", f.Copies.Inc(-1), func(b *book) { b.Copies = 2 }},
			{"Mul", f.Rating.Mul(1.5), func(b *book) { b.Rating = 3 }},
			{"Min lowers", f.Copies.Min(1), func(b *book) { b.Copies = 1 }},
			{"Min keeps", f.Copies.Min(9), func(*book) {}},
			{"Max raises", f.Copies.Max(9), func(b *book) { b.Copies = 9 }},
			{"Push merged", runtime.Combine(f.Tags.Push("c"), f.Tags.Push("a")), func(b *book) { b.Tags = []string{"a", "b", "b", "c", "a"} }},
			{"AddToSet skips what is there and duplicates", f.Tags.AddToSet("b", "c", "c"), func(b *book) { b.Tags = []string{"a", "b", "b", "c"} }},
			{"Pull removes every copy and ignores absent values", f.Tags.Pull("b", "z"), func(b *book) { b.Tags = []string{"a"} }},
			{"Pull of absent values changes nothing", f.Scores.Pull(7), func(*book) {}},
			{"Pull a whole document", f.Editions.Pull(edition{2001, "hb"}), func(b *book) { b.Editions = []edition{{1940, "pb"}, {1945, "hb"}} }},
			{"PullMatch", f.Editions.PullMatch(f.Editions.Year.Lt(1950), f.Editions.Format.Eq("hb")),
				func(b *book) { b.Editions = []edition{{1940, "pb"}, {2001, "hb"}} }},
			{"PopFirst", f.Scores.PopFirst(), func(b *book) { b.Scores = []int{2, 3} }},
			{"PopLast", f.Scores.PopLast(), func(b *book) { b.Scores = []int{1, 2} }},
			{"Unset", f.Tags.Unset(), func(b *book) { b.Tags = nil }},
		} {
			coll := books(t, b, start)
			if _, err := coll.UpdateByID(context.Background(), "b", runtime.UpdateDoc(tc.u)); err != nil {
				t.Errorf("%s: update %v: %v", tc.name, runtime.UpdateDoc(tc.u), err)
				continue
			}
			want := start
			want.Tags = slices.Clone(start.Tags)
			want.Scores = slices.Clone(start.Scores)
			want.Editions = slices.Clone(start.Editions)
			tc.want(&want)
			if diff := cmp.Diff(want, get(t, coll, "b")); diff != "" {
				t.Errorf("%s: %v: document (-want +got):\n%s", tc.name, runtime.UpdateDoc(tc.u), diff)
			}
		}
	})
}

func TestConflictingArrayUpdatesAreRefused(t *testing.T) {
	tags := bookFields.Tags
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		coll := books(t, b, book{ID: "b", Tags: []string{"a"}})
		for _, u := range []runtime.Update{
			runtime.Combine(tags.Push("x"), tags.Pull("a")),
			runtime.Combine(tags.PopFirst(), tags.PopLast()),
		} {
			_, err := coll.UpdateByID(context.Background(), "b", runtime.UpdateDoc(u))
			var se mongo.ServerError
			if !errors.As(err, &se) || !se.HasErrorCode(40) { // ConflictingUpdateOperators
				t.Errorf("update %v: err = %v, want ConflictingUpdateOperators (40)", runtime.UpdateDoc(u), err)
			}
		}
		if got := get(t, coll, "b").Tags; !slices.Equal(got, []string{"a"}) {
			t.Errorf("tags = %v after refused updates, want [a]", got)
		}
		// A sub-field of an array of sub-documents names no one element.
		coll = books(t, b, book{ID: "e", Editions: []edition{{2001, "hb"}}})
		u := runtime.UpdateDoc(bookFields.Editions.Year.Set(2002))
		_, err := coll.UpdateByID(context.Background(), "e", u)
		var we mongo.WriteException
		if !errors.As(err, &we) || len(we.WriteErrors) != 1 || we.WriteErrors[0].Code != 28 { // PathNotViable
			t.Errorf("update %v: err = %v, want PathNotViable (28)", u, err)
		}
	})
}

func TestInvalidElemMatchIsNotSent(t *testing.T) {
	e := bookFields.Editions
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		coll := books(t, b, book{ID: "b", Editions: []edition{{2001, "hb"}}})
		ctx := context.Background()
		bad := e.ElemMatch(e.Year.Eq(2001), bookFields.Title.Eq("x"))
		_, err := coll.Find(ctx, runtime.FilterDoc(runtime.Where(bookFields.Copies.Gte(0), bad)))
		if !errors.Is(err, runtime.ErrInvalidQuery) {
			t.Fatalf("find: err = %v, want ErrInvalidQuery", err)
		}
		const msg = `ElemMatch on "editions": invalid query: the filter on "title" is not on a field of the elements of "editions"`
		if !strings.Contains(err.Error(), msg) {
			t.Errorf("find: err = %q, want it to say %q", err, msg)
		}
		_, err = coll.UpdateByID(ctx, "b", runtime.UpdateDoc(e.PullMatch(e.Eq(nil))))
		if !errors.Is(err, runtime.ErrInvalidQuery) {
			t.Errorf("update: err = %v, want ErrInvalidQuery", err)
		}
		if got := get(t, coll, "b").Editions; len(got) != 1 {
			t.Errorf("editions = %v, want the one edition left alone", got)
		}
	})
}

// TestSetOnInsert: an upsert that inserts applies $setOnInsert, one that
// updates leaves the field alone; $inc of a missing field starts it, the
// way a repository's Upsert starts a version at 1.
func TestSetOnInsert(t *testing.T) {
	f := bookFields
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		coll := books(t, b)
		for i, title := range []string{"first", "second"} {
			u := runtime.UpdateDoc(runtime.Combine(f.Title.SetOnInsert(title), f.Copies.Inc(1), f.Tags.AddToSet("x")))
			if _, err := coll.UpdateByID(ctx, "b", u, options.UpdateOne().SetUpsert(true)); err != nil {
				t.Fatalf("upsert %d: %v", i, err)
			}
			want := book{ID: "b", Title: "first", Copies: i + 1, Tags: []string{"x"}}
			if diff := cmp.Diff(want, get(t, coll, "b")); diff != "" {
				t.Errorf("after upsert %d (-want +got):\n%s", i, diff)
			}
		}
	})
}

// TestInvalidQueryLeavesTheTransactionAlone: an ElemMatch that cannot be
// built fails on the client, so the transaction it was tried in commits.
func TestInvalidQueryLeavesTheTransactionAlone(t *testing.T) {
	e := bookFields.Editions
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		coll := books(t, b, book{ID: "a"})
		attempts := 0
		err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
			attempts++
			if _, err := coll.InsertOne(ctx, book{ID: "b"}); err != nil {
				return err
			}
			_, err := coll.Find(ctx, runtime.FilterDoc(e.ElemMatch(bookFields.Copies.Eq(1))))
			if err := runtime.Failed(ctx, "books", "find", err); !errors.Is(err, runtime.ErrInvalidQuery) {
				t.Errorf("find: err = %v, want ErrInvalidQuery", err)
			}
			return nil // the application goes on without the result
		})
		if err != nil || attempts != 1 {
			t.Fatalf("WithTx = %v after %d attempts, want a commit at the first", err, attempts)
		}
		if got := matching(t, coll, nil); !slices.Equal(got, []string{"a", "b"}) {
			t.Errorf("documents = %v, want [a b]", got)
		}
	})
}
