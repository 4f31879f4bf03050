package benchmarks

import (
	"slices"
	"testing"
	"time"
)

// pair is one operation done two ways: by generated code and by hand-written
// driver code. Each is called with the iteration number, to pick its
// document.
type pair struct {
	gen, drv func(i int) error
}

// compare runs the sub-benchmarks of one operation: Generated and Driver,
// each on its own (for ns/op, B/op and allocs/op), and Paired, which
// alternates the two call by call, in turns of gen-drv and drv-gen, and
// reports the median time of each (gen-ns, drv-ns) and their ratio
// (gen/drv). On a shared, noisy machine the paired ratio is the steadier
// figure: a burst of load slows both sides alike. setup makes the pair for
// one sub-benchmark.
func compare(b *testing.B, setup func(b *testing.B) pair) {
	b.Run("Generated", func(b *testing.B) {
		p := setup(b)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if err := p.gen(i); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Driver", func(b *testing.B) {
		p := setup(b)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if err := p.drv(i); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Paired", func(b *testing.B) {
		p := setup(b)
		var gen, drv []time.Duration
		timed := func(f func(int) error, i int, into *[]time.Duration) {
			t0 := time.Now()
			err := f(i)
			*into = append(*into, time.Since(t0))
			if err != nil {
				b.Fatal(err)
			}
		}
		for i := 0; b.Loop(); i++ {
			if i%2 == 0 {
				timed(p.gen, i, &gen)
				timed(p.drv, i, &drv)
			} else {
				timed(p.drv, i, &drv)
				timed(p.gen, i, &gen)
			}
		}
		b.StopTimer()
		slices.Sort(gen)
		slices.Sort(drv)
		g, d := percentile(gen, 0.5), percentile(drv, 0.5)
		b.ReportMetric(float64(g), "gen-ns")
		b.ReportMetric(float64(d), "drv-ns")
		b.ReportMetric(float64(g)/float64(d), "gen/drv")
	})
}
