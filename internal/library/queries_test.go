package library

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime"
)

// TestAnyElementAndElemMatch: filters on sub-fields of an array of
// sub-documents are met by any element each; ElemMatch needs one element
// meeting all.
func TestAnyElementAndElemMatch(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, s := open(t, b)
		insert(t, ctx, s,
			&Book{Title: "Mixed", Editions: []Edition{{Year: 1990, Format: "hb", ISBN: "1"}, {Year: 2001, Format: "pb", ISBN: "2"}}},
			&Book{Title: "Recent hardback", Editions: []Edition{{Year: 2005, Format: "hb", ISBN: "3"}}},
			&Book{Title: "Old", Editions: []Edition{{Year: 1970, Format: "pb", ISBN: "4"}}},
		)
		e := BookFields.Editions
		some, err := s.Book.Find(ctx, runtime.Where(e.Year.Gte(2000), e.Format.Eq("hb")))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"Mixed", "Recent hardback"}, titles(some)); diff != "" {
			t.Errorf("any-element (-want +got):\n%s", diff)
		}
		same, err := s.Book.Find(ctx, e.ElemMatch(e.Year.Gte(2000), e.Format.Eq("hb")))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"Recent hardback"}, titles(same)); diff != "" {
			t.Errorf("same-element (-want +got):\n%s", diff)
		}
		bk, err := s.Book.GetByEditionsISBN(ctx, "2")
		if err != nil || bk.Title != "Mixed" {
			t.Errorf("GetByEditionsISBN(2) = %v, %v; want Mixed", bk, err)
		}
		found, err := s.Book.Find(ctx, e.Size(1))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"Old", "Recent hardback"}, titles(found)); diff != "" {
			t.Errorf("Size(1) (-want +got):\n%s", diff)
		}
	})
}

// TestArrayUpdates: AddToSet leaves a present value alone, Pull of an
// absent value changes nothing and is no error, Push appends.
func TestArrayUpdates(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, s := open(t, b)
		bk := &Book{Title: "Go", Tags: []string{"go", "programming"}, Editions: []Edition{{ISBN: "g"}}}
		insert(t, ctx, s, bk)
		tags := BookFields.Tags
		for _, c := range []struct {
			name   string
			update runtime.Update
			want   []string
		}{
			{"AddToSet of a present and a new value", tags.AddToSet("go", "cloud"), []string{"go", "programming", "cloud"}},
			{"Pull of an absent value", tags.Pull("cobol"), []string{"go", "programming", "cloud"}},
			{"Pull of a present value", tags.Pull("programming"), []string{"go", "cloud"}},
			{"Push of a present value", tags.Push("go"), []string{"go", "cloud", "go"}},
			{"PopFirst", tags.PopFirst(), []string{"cloud", "go"}},
		} {
			if err := s.Book.UpdateByID(ctx, bk.ID, c.update); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			got, err := s.Book.Get(ctx, bk.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.want, got.Tags); diff != "" {
				t.Errorf("%s (-want +got):\n%s", c.name, diff)
			}
		}
		for _, c := range []struct {
			name   string
			filter runtime.Filter
			want   int64
		}{
			{"Contains", tags.Contains("cloud"), 1},
			{"ContainsAll", tags.ContainsAll("go", "cloud"), 1},
			{"ContainsAll with an absent value", tags.ContainsAll("go", "rust"), 0},
			{"ContainsAny", tags.ContainsAny("rust", "go"), 1},
		} {
			if n, err := s.Book.Count(ctx, c.filter); err != nil || n != c.want {
				t.Errorf("%s: Count = %d, %v; want %d", c.name, n, err, c.want)
			}
		}
	})
}

// TestStringsAndNumbers: HasPrefix is a literal prefix ("C++" is not a
// regular expression), Regex is one; Inc adds to a number.
func TestStringsAndNumbers(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, s := open(t, b)
		insert(t, ctx, s,
			&Book{Title: "C++ Primer", Copies: 2, Editions: []Edition{{ISBN: "a"}}},
			&Book{Title: "CCC", Copies: 1, Editions: []Edition{{ISBN: "b"}}},
			&Book{Title: "A C++ book", Copies: 1, Editions: []Edition{{ISBN: "c"}}},
		)
		got, err := s.Book.Find(ctx, BookFields.Title.HasPrefix("C++"))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"C++ Primer"}, titles(got)); diff != "" {
			t.Errorf("HasPrefix(C++) (-want +got):\n%s", diff)
		}
		got, err = s.Book.Find(ctx, BookFields.Title.Regex(`^c`, "i"))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"C++ Primer", "CCC"}, titles(got)); diff != "" {
			t.Errorf("Regex(^c, i) (-want +got):\n%s", diff)
		}
		if _, err := s.Book.UpdateMany(ctx, BookFields.Copies.Lte(1), BookFields.Copies.Inc(3)); err != nil {
			t.Fatal(err)
		}
		if n, err := s.Book.Count(ctx, BookFields.Copies.Eq(4)); err != nil || n != 2 {
			t.Errorf("after Inc(3): %d books with 4 copies, %v; want 2", n, err)
		}
		vals, err := runtime.Distinct(ctx, s.Book, BookFields.Copies, nil)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]int{2, 4}, vals); diff != "" {
			t.Errorf("Distinct(Copies) (-want +got):\n%s", diff)
		}
	})
}
