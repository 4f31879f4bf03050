package runtime_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// accumulatorMisuse holds, from line 16 on, one accumulator per line over
// a field of a kind the operator does not take.
const accumulatorMisuse = `package use

import (
	"github.com/mongotxgen/mongotxgen/runtime"
)

var order struct {
	Item  runtime.StringField[string]
	Tags  runtime.SliceField[string]
	Paid  runtime.ValueField[bool]
	Total runtime.NumberField[int64]
}

var (
	_ = runtime.Sum("n", order.Item)
	_ = runtime.Avg("n", order.Tags)
	_ = runtime.Max("n", order.Paid)
	_ = runtime.Min("n", order.Tags)
	_ = runtime.Sum("n", order.Total)
	_ = runtime.Max("n", order.Item)
)
`

// TestAccumulatorsRejectMisuse requires exactly these compiler errors: a
// sum or average of a non-number, a min or max of an unordered field.
func TestAccumulatorsRejectMisuse(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a temporary module")
	}
	got, out := misuseErrors(t, accumulatorMisuse)
	const rt = `"github.com/mongotxgen/mongotxgen/runtime".`
	want := []string{
		"15: in call to runtime.Sum, type " + rt + "StringField[string] of order.Item does not match " + rt + "Summable[V] (cannot infer V)",
		"16: in call to runtime.Avg, type " + rt + "SliceField[string] of order.Tags does not match " + rt + "Summable[V] (cannot infer V)",
		"17: in call to runtime.Max, type " + rt + "ValueField[bool] of order.Paid does not match " + rt + "Orderable[V] (cannot infer V)",
		"18: in call to runtime.Min, type " + rt + "SliceField[string] of order.Tags does not match " + rt + "Orderable[V] (cannot infer V)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("compiler errors (-want +got):\n%s\ncompiler output:\n%s", diff, out)
	}
}
