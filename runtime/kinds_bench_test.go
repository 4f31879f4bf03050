package runtime_test

import (
	"testing"
	"time"

	"github.com/mongotxgen/mongotxgen/runtime"
)

// BenchmarkUpdateDocStamps is the update a generated UpdateByID sends for
// a type with version and updated fields; the list-merging hook of Combine
// runs on each of its parts.
func BenchmarkUpdateDocStamps(b *testing.B) {
	version := runtime.NewNumberField[int64]("version")
	updated := runtime.NewOrderedField[time.Time]("updated")
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		_ = runtime.UpdateDoc(runtime.Combine(bookFields.Copies.Inc(1), updated.Set(now), version.Inc(1)))
	}
}

// BenchmarkUpdateDocMergedPush is two Push of one field merged into one
// $each list, with the stamps.
func BenchmarkUpdateDocMergedPush(b *testing.B) {
	version := runtime.NewNumberField[int64]("version")
	b.ReportAllocs()
	for b.Loop() {
		_ = runtime.UpdateDoc(runtime.Combine(bookFields.Tags.Push("a"), bookFields.Tags.Push("b"), version.Inc(1)))
	}
}
