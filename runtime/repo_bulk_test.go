package runtime_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/mongotxgen/mongotxgen/runtime"
)

// TestRepoBulkWriteRefuses: Repo.BulkWrite refuses an op it cannot send,
// before it sends anything (the client here has no server), with an error
// matching ErrInvalidQuery that names the op and the repository's type.
func TestRepoBulkWriteRefuses(t *testing.T) {
	client, err := mongo.Connect()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Disconnect(context.Background()) }()
	repo := runtime.NewRepo(client.Database("test").Collection("tickets"), nil, &ticketSchema)
	for _, tc := range []struct {
		name string
		op   runtime.BulkOp[any]
		want string
	}{
		{"document of another type", runtime.InsertOp(&note{}), "insert of a *runtime_test.note in a bulk write of runtime_test.ticket"},
		{"nil insert", runtime.InsertOp[ticket](nil), "insert of a nil document"},
		{"nil replacement", runtime.ReplaceOp[ticket](nil), "replace of a nil document"},
		{"update without an update", runtime.UpdateOneOp(nil, nil), "update one without an update"},
		{"nil op", nil, "nil bulk op"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ops := []runtime.BulkOp[ticket]{runtime.DeleteOneOp(nil), tc.op} // as a generated BulkWrite passes them
			_, err := repo.BulkWrite(context.Background(), ops)
			if !errors.Is(err, runtime.ErrInvalidQuery) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("BulkWrite = %v, want an ErrInvalidQuery saying %q", err, tc.want)
			}
			var oe *runtime.OpError
			if !errors.As(err, &oe) {
				t.Errorf("BulkWrite = %T, want an *OpError", err)
			}
		})
	}
}

// TestEnsureIndexesStops: the Store's EnsureIndexes runs the repositories'
// in order and stops at the first error.
func TestEnsureIndexesStops(t *testing.T) {
	var ran []string
	fail := errors.New("fail")
	repos := []runtime.IndexEnsurer{
		ensurer{"a", nil, &ran}, ensurer{"b", fail, &ran}, ensurer{"c", nil, &ran},
	}
	if err := runtime.EnsureIndexes(context.Background(), repos...); !errors.Is(err, fail) {
		t.Errorf("EnsureIndexes = %v, want %v", err, fail)
	}
	if got := strings.Join(ran, ","); got != "a,b" {
		t.Errorf("ran %s, want a,b", got)
	}
	ran = nil
	if err := runtime.EnsureIndexes(context.Background(), repos[0], repos[2]); err != nil || len(ran) != 2 {
		t.Errorf("EnsureIndexes = %v after %v, want nil after a,c", err, ran)
	}
}

type ensurer struct {
	name string
	err  error
	ran  *[]string
}

func (e ensurer) EnsureIndexes(context.Context) error {
	*e.ran = append(*e.ran, e.name)
	return e.err
}
