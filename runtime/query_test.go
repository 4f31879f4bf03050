package runtime_test

import (
	"errors"
	"fmt"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/mongotxgen/mongotxgen/runtime"
)

// extJSON renders d as relaxed extended JSON, the clearest way to compare
// documents in their field order.
func extJSON(t *testing.T, d bson.D) string {
	t.Helper()
	b, err := bson.MarshalExtJSON(d, false, false)
	if err != nil {
		t.Fatalf("marshal %v: %v", d, err)
	}
	return string(b)
}

type address struct {
	City string `bson:"city"`
}

var (
	owner   = runtime.NewField[string]("owner")
	balance = runtime.NewField[int64]("balance")
	city    = runtime.NewField[string]("address.city")
	addr    = runtime.NewField[address]("address")
)

func TestFilterDocuments(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    runtime.Filter
		want string
	}{
		{"nil matches all", nil, `{}`},
		{"Eq", owner.Eq("ann"), `{"owner":"ann"}`},
		{"Eq nested path", city.Eq("Oslo"), `{"address.city":"Oslo"}`},
		{"Eq sub-document", addr.Eq(address{City: "Oslo"}), `{"address":{"city":"Oslo"}}`},
		{"Ne", owner.Ne("ann"), `{"owner":{"$ne":"ann"}}`},
		{"Gt", balance.Gt(1), `{"balance":{"$gt":1}}`},
		{"Gte", balance.Gte(2), `{"balance":{"$gte":2}}`},
		{"Lt", balance.Lt(3), `{"balance":{"$lt":3}}`},
		{"Lte", balance.Lte(4), `{"balance":{"$lte":4}}`},
		{"In", owner.In("ann", "bob"), `{"owner":{"$in":["ann","bob"]}}`},
		{"In empty is an empty array", owner.In(), `{"owner":{"$in":[]}}`},
		{"Nin", balance.Nin(1, 2), `{"balance":{"$nin":[1,2]}}`},
		{"Exists", city.Exists(false), `{"address.city":{"$exists":false}}`},
		{"Where one is that one", runtime.Where(owner.Eq("ann")), `{"owner":"ann"}`},
		{"Where none matches all", runtime.Where(), `{}`},
		{"Where drops nil", runtime.Where(nil, owner.Eq("ann"), nil), `{"owner":"ann"}`},
		{"Where and", runtime.Where(owner.Eq("ann"), balance.Gt(0)),
			`{"$and":[{"owner":"ann"},{"balance":{"$gt":0}}]}`},
		{"Or", runtime.Or(owner.Eq("ann"), owner.Eq("bob")),
			`{"$or":[{"owner":"ann"},{"owner":"bob"}]}`},
		{"Or with nil matches all", runtime.Or(owner.Eq("ann"), nil), `{}`},
		{"Or none matches none", runtime.Or(), `{"_id":{"$in":[]}}`},
		{"Nor", runtime.Nor(owner.Eq("ann"), balance.Lt(0)),
			`{"$nor":[{"owner":"ann"},{"balance":{"$lt":0}}]}`},
		{"Nor with nil matches none", runtime.Nor(nil), `{"_id":{"$in":[]}}`},
		{"nested", runtime.Where(runtime.Or(owner.Eq("a"), owner.Eq("b")), balance.Gte(10)),
			`{"$and":[{"$or":[{"owner":"a"},{"owner":"b"}]},{"balance":{"$gte":10}}]}`},
		{"Raw", runtime.Raw{{Key: "tags", Value: bson.D{{Key: "$size", Value: 2}}}}, `{"tags":{"$size":2}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := extJSON(t, runtime.FilterDoc(tc.f)); got != tc.want {
				t.Errorf("FilterDoc = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestUpdateDocuments(t *testing.T) {
	for _, tc := range []struct {
		name string
		u    runtime.Update
		want string
	}{
		{"Set", owner.Set("bob"), `{"$set":{"owner":"bob"}}`},
		{"Unset", city.Unset(), `{"$unset":{"address.city":""}}`},
		{"Inc", balance.Inc(-10), `{"$inc":{"balance":-10}}`},
		{"Combine groups by operator in first-seen order",
			runtime.Combine(balance.Inc(-10), owner.Set("bob"), city.Set("Oslo")),
			`{"$inc":{"balance":-10},"$set":{"owner":"bob","address.city":"Oslo"}}`},
		{"Combine of one is that one", runtime.Combine(owner.Set("x")), `{"$set":{"owner":"x"}}`},
		{"Combine drops nil", runtime.Combine(nil, balance.Inc(1), nil), `{"$inc":{"balance":1}}`},
		{"Combine keeps Raw", runtime.Combine(balance.Inc(1), runtime.Raw{{Key: "$max", Value: bson.D{{Key: "balance", Value: 5}}}}),
			`{"$inc":{"balance":1},"$max":{"balance":5}}`},
		{"nil is empty", nil, `{}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := extJSON(t, runtime.UpdateDoc(tc.u)); got != tc.want {
				t.Errorf("UpdateDoc = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestCombineDoesNotAlias(t *testing.T) {
	base := owner.Set("a")
	first := runtime.UpdateDoc(runtime.Combine(base, city.Set("x")))
	second := runtime.UpdateDoc(runtime.Combine(base, city.Set("y")))
	if got, want := extJSON(t, first), `{"$set":{"owner":"a","address.city":"x"}}`; got != want {
		t.Errorf("first = %s, want %s", got, want)
	}
	if got, want := extJSON(t, second), `{"$set":{"owner":"a","address.city":"y"}}`; got != want {
		t.Errorf("second = %s, want %s", got, want)
	}
}

func TestOpErrorIsAs(t *testing.T) {
	if runtime.OpErr("accounts", "insert", nil) != nil {
		t.Fatal("OpErr(nil) is not nil")
	}

	dup := mongo.WriteException{WriteErrors: []mongo.WriteError{{Code: 11000, Message: "E11000 duplicate key"}}}
	err := runtime.OpErr("accounts", "insert", dup)
	if got, want := err.Error(), "mongotxgen: accounts: insert: write exception: write errors: [E11000 duplicate key]"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, runtime.ErrDuplicateKey) {
		t.Error("duplicate key error is not ErrDuplicateKey")
	}
	if errors.Is(err, runtime.ErrNotFound) {
		t.Error("duplicate key error is ErrNotFound")
	}
	var we mongo.WriteException
	if !errors.As(err, &we) || we.WriteErrors[0].Code != 11000 {
		t.Errorf("errors.As(WriteException) = %v", we)
	}
	var oe *runtime.OpError
	if !errors.As(fmt.Errorf("wrapped: %w", err), &oe) || oe.Collection != "accounts" || oe.Op != "insert" {
		t.Errorf("errors.As(*OpError) = %+v", oe)
	}

	nf := runtime.OpErr("accounts", "get", mongo.ErrNoDocuments)
	if !errors.Is(nf, runtime.ErrNotFound) || !errors.Is(nf, mongo.ErrNoDocuments) {
		t.Error("ErrNoDocuments is not ErrNotFound and itself")
	}
	if errors.Is(nf, runtime.ErrDuplicateKey) {
		t.Error("ErrNoDocuments is ErrDuplicateKey")
	}

	own := runtime.OpErr("accounts", "get", runtime.ErrNotFound)
	if !errors.Is(own, runtime.ErrNotFound) {
		t.Error("OpErr(ErrNotFound) is not ErrNotFound")
	}
	vc := runtime.OpErr("accounts", "replace", runtime.ErrVersionConflict)
	if !errors.Is(vc, runtime.ErrVersionConflict) || errors.Is(vc, runtime.ErrNotFound) {
		t.Error("version conflict misclassified")
	}
}
