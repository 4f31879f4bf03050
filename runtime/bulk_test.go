package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime"
)

// bulkWrite is the BulkWrite a repository of books builds on the seam:
// read each op, stamp it (here: the replacement's filter), send.
func bulkWrite(ctx context.Context, coll *mongo.Collection, ops ...runtime.BulkOp[book]) (runtime.BulkResult, error) {
	models := make([]mongo.WriteModel, 0, len(ops))
	for i, op := range ops {
		s, err := runtime.BulkSpecOf[book](op)
		if err != nil {
			return runtime.BulkResult{}, runtime.OpErr(coll.Name(), "bulk write", fmt.Errorf("op %d: %w", i, err))
		}
		if s.Kind == runtime.BulkReplace {
			s.Filter = runtime.Raw{{Key: "_id", Value: s.Doc.ID}}
		}
		models = append(models, s.WriteModel())
	}
	res, err := coll.BulkWrite(ctx, models)
	return runtime.NewBulkResult(res), runtime.OpErr(coll.Name(), "bulk write", err)
}

func TestBulkOpsOnTheServer(t *testing.T) {
	f := bookFields
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		coll := books(t, b, book{ID: "a", Copies: 1}, book{ID: "b", Copies: 2}, book{ID: "c", Copies: 3}, book{ID: "d"})
		res, err := bulkWrite(ctx, coll,
			runtime.InsertOp(&book{ID: "e", Copies: 5}),
			runtime.UpdateOneOp(f.Copies.Gte(1), f.Title.Set("x")),
			runtime.UpdateManyOp(f.Copies.Gte(2), f.Copies.Inc(10)),
			runtime.ReplaceOp(&book{ID: "d", Title: "new"}),
			runtime.DeleteOneOp(f.Copies.Eq(1)),
			runtime.DeleteManyOp(f.Copies.Gt(12)),
		)
		if err != nil {
			t.Fatalf("BulkWrite: %v", err)
		}
		// a gets the title and is deleted; b, c, e get +10; c (13) and e (15) are deleted.
		want := runtime.BulkResult{InsertedCount: 1, MatchedCount: 5, ModifiedCount: 5, DeletedCount: 3}
		if res != want {
			t.Errorf("result = %+v, want %+v", res, want)
		}
		if got := matching(t, coll, nil); !slices.Equal(got, []string{"b", "d"}) {
			t.Errorf("documents left = %v, want [b d]", got)
		}
		if got, want := get(t, coll, "d"), (book{ID: "d", Title: "new"}); !cmp.Equal(got, want) {
			t.Errorf("replaced d = %+v, want %+v", got, want)
		}
	})
}

func TestOrderedBulkStopsAtTheFirstFailure(t *testing.T) {
	f := bookFields
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := context.Background()
		coll := books(t, b, book{ID: "a"})
		res, err := bulkWrite(ctx, coll,
			runtime.InsertOp(&book{ID: "b"}),
			runtime.InsertOp(&book{ID: "a"}),
			runtime.UpdateManyOp(nil, f.Copies.Inc(1)),
		)
		if !errors.Is(err, runtime.ErrDuplicateKey) {
			t.Fatalf("err = %v, want ErrDuplicateKey", err)
		}
		var bwe mongo.BulkWriteException
		if !errors.As(err, &bwe) || len(bwe.WriteErrors) != 1 || bwe.WriteErrors[0].Index != 1 {
			t.Errorf("write errors = %+v, want one at op 1", bwe.WriteErrors)
		}
		if res != (runtime.BulkResult{InsertedCount: 1}) {
			t.Errorf("result = %+v, want one insert", res)
		}
		if got := get(t, coll, "a").Copies; got != 0 {
			t.Errorf("copies = %d: the op after the failure ran", got)
		}
	})
}

type member struct {
	ID string `bson:"_id"`
}

func TestBulkSpecOf(t *testing.T) {
	var wrongType runtime.BulkOp[book] = runtime.InsertOp(&member{ID: "m"})
	for _, tc := range []struct {
		name string
		op   runtime.BulkOp[book]
		want string
	}{
		{"document of another type", wrongType, "invalid query: insert of a *runtime_test.member in a bulk write of runtime_test.book"},
		{"nil insert", runtime.InsertOp[book](nil), "invalid query: insert of a nil document"},
		{"nil replacement", runtime.ReplaceOp[book](nil), "invalid query: replace of a nil document"},
		{"update without update", runtime.UpdateOneOp(nil, nil), "invalid query: update one without an update"},
		{"nil op", nil, "invalid query: nil bulk op"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runtime.BulkSpecOf[book](tc.op)
			if !errors.Is(err, runtime.ErrInvalidQuery) || err.Error() != tc.want {
				t.Errorf("BulkSpecOf: err = %v, want %q matching ErrInvalidQuery", err, tc.want)
			}
		})
	}
	doc := &book{ID: "x"}
	s, err := runtime.BulkSpecOf[book](runtime.ReplaceOp(doc))
	if err != nil || s.Kind != runtime.BulkReplace || s.Doc != doc || s.Filter != nil {
		t.Errorf("BulkSpecOf(ReplaceOp) = %+v, %v", s, err)
	}
	del := bookFields.Copies.Eq(0)
	s, err = runtime.BulkSpecOf[book](runtime.DeleteManyOp(del))
	if err != nil || s.Kind != runtime.BulkDeleteMany || s.Filter == nil || s.Doc != nil {
		t.Errorf("BulkSpecOf(DeleteManyOp) = %+v, %v", s, err)
	}
	if got := fmt.Sprint(runtime.BulkUpdateMany, runtime.BulkKind(0)); got != "update many BulkKind(0)" {
		t.Errorf("BulkKind names = %q", got)
	}
}
