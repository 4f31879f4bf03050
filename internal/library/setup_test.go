package library

import (
	"context"
	"slices"
	"testing"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
)

// open returns a Store on a fresh database of b, with its indexes, and the
// test's context.
func open(t *testing.T, b *testenv.Backend) (context.Context, *Store) {
	t.Helper()
	ctx, db := b.Begin(t)
	s := NewStore(db)
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatalf("EnsureIndexes: %v", err)
	}
	return ctx, s
}

// insert stores books, failing the test on error.
func insert(t *testing.T, ctx context.Context, s *Store, books ...*Book) {
	t.Helper()
	for _, bk := range books {
		if err := s.Book.Insert(ctx, bk); err != nil {
			t.Fatalf("Insert %q: %v", bk.Title, err)
		}
	}
}

// titles are the sorted titles of books.
func titles(books []*Book) []string {
	out := make([]string, len(books))
	for i, bk := range books {
		out[i] = bk.Title
	}
	slices.Sort(out)
	return out
}
