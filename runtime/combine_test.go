package runtime_test

import (
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongotxgen/mongotxgen/runtime"
)

func TestCombineShapes(t *testing.T) {
	for _, tc := range []struct {
		name string
		u    runtime.Update
		want string
	}{
		{"nested Combine is flattened in order",
			runtime.Combine(runtime.Combine(balance.Inc(1), owner.Set("a")), city.Set("b"), runtime.Combine(balance.Inc(2))),
			`{"$inc":{"balance":1,"balance":2},"$set":{"owner":"a","address.city":"b"}}`},
		{"Raw operator merges with typed updates",
			runtime.Combine(owner.Set("a"), runtime.Raw{{Key: "$set", Value: bson.D{{Key: "x", Value: 1}}}, {Key: "$inc", Value: bson.D{{Key: "y", Value: 2}}}}, balance.Inc(3)),
			`{"$set":{"owner":"a","x":1},"$inc":{"y":2,"balance":3}}`},
		{"empty operator document is kept for the server to judge",
			runtime.Combine(runtime.Raw{{Key: "$unset", Value: bson.D{}}}, balance.Inc(1)),
			`{"$unset":{},"$inc":{"balance":1}}`},
		{"non-operator entries are kept as they are, never merged",
			runtime.Combine(runtime.Raw{{Key: "$set", Value: "oops"}}, owner.Set("a"), runtime.Raw{{Key: "$set", Value: "again"}}),
			`{"$set":"oops","$set":{"owner":"a"},"$set":"again"}`},
		{"more parts than fit inline",
			runtime.Combine(balance.Inc(1), owner.Set("a"), city.Set("b"), balance.Inc(2), owner.Unset(), city.Unset()),
			`{"$inc":{"balance":1,"balance":2},"$set":{"owner":"a","address.city":"b"},"$unset":{"owner":"","address.city":""}}`},
		{"Combine of nothing is empty", runtime.Combine(), `{}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := extJSON(t, runtime.UpdateDoc(tc.u)); got != tc.want {
				t.Errorf("UpdateDoc = %s, want %s", got, tc.want)
			}
		})
	}
}

// TestCombineAllocations pins the cost of the update every generated
// UpdateByID sends for a type with version and updated fields: the typed
// updates themselves (four allocations: three values and a boxed time), one
// for Combine, and three for the document (one block for the document and
// its fields, one per operator for its field list in an interface).
func TestCombineAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	version := runtime.NewField[int64]("version")
	updated := runtime.NewField[time.Time]("updated")
	now := time.Now()
	var doc bson.D
	got := testing.AllocsPerRun(100, func() {
		doc = runtime.UpdateDoc(runtime.Combine(balance.Inc(1), updated.Set(now), version.Inc(1)))
	})
	if len(doc) != 2 {
		t.Fatalf("UpdateDoc = %v, want two operators", doc)
	}
	if got > 8 {
		t.Errorf("UpdateDoc(Combine(Inc, Set, Inc)) allocates %v times, want at most 8", got)
	}
}
