package generator_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/tools/go/packages"

	"github.com/mongotxgen/mongotxgen/generator"
)

// The benchmarks compare whole processes on a synthetic package of N
// annotated structs: BenchmarkGenerate runs the mongotxgen command (load,
// validate, render, compare with the file on disk: the generated file is
// already there, so nothing is rewritten), BenchmarkLoadOnly runs a program
// that only calls packages.Load on the same package in the same mode
// (generator.LoadMode). Both report the peak resident set size of the
// process. Reproduce with
//
//	go test ./generator -run '^$' -bench 'Generate|LoadOnly' -benchtime 10x
//
// (or -bench . for the in-process pair below as well).
// Build caches are warm before timing starts: each benchmark runs its
// process once untimed. That warm-up is expensive at 500 structs: the go
// command compiles the synthetic package together with its generated file
// (about 190,000 lines), which takes minutes and a few GB of memory
// (go/packages has root packages compiled for export data it does not use).
// Select sizes with e.g. -bench 'Generate|LoadOnly/(10|50|200)$'.
// Figures vary a lot on a shared machine: compare runs made side by side.

var benchSizes = []int{10, 50, 200, 500}

func BenchmarkGenerate(b *testing.B) {
	tools := benchTools(b)
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			dir := benchPackage(b, n, tools)
			benchProcess(b, dir, tools.mongotxgen)
		})
	}
}

func BenchmarkLoadOnly(b *testing.B) {
	tools := benchTools(b)
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			dir := benchPackage(b, n, tools)
			benchProcess(b, dir, tools.loadonly, ".")
		})
	}
}

// BenchmarkPaired is BenchmarkGenerate against BenchmarkLoadOnly made
// robust to a noisy machine: every iteration runs both processes, in
// alternating order, and the benchmark reports the median time of each and
// the median of their per-iteration ratios (gen/load), so that load drifting
// during the run falls on both sides alike. Reproduce with
//
//	go test ./generator -run '^$' -bench 'Paired' -benchtime 10x
func BenchmarkPaired(b *testing.B) {
	tools := benchTools(b)
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			dir := benchPackage(b, n, tools)
			gen := func() time.Duration { return timeProcess(b, dir, tools.mongotxgen) }
			load := func() time.Duration { return timeProcess(b, dir, tools.loadonly, ".") }
			gen() // warm the build cache
			load()
			var gens, loads, ratios []float64
			i := 0
			for b.Loop() {
				var g, l time.Duration
				if i%2 == 0 {
					g, l = gen(), load()
				} else {
					l, g = load(), gen()
				}
				i++
				gens = append(gens, float64(g.Milliseconds()))
				loads = append(loads, float64(l.Milliseconds()))
				ratios = append(ratios, float64(g)/float64(l))
			}
			b.ReportMetric(median(gens), "gen-ms")
			b.ReportMetric(median(loads), "load-ms")
			b.ReportMetric(median(ratios), "gen/load")
		})
	}
}

// timeProcess runs prog once in dir and returns how long it took.
func timeProcess(b *testing.B, dir, prog string, args ...string) time.Duration {
	cmd := exec.Command(prog, args...)
	cmd.Dir = dir
	cmd.Env = benchBin.env
	start := time.Now()
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%s: %v\n%s", filepath.Base(prog), err, msg)
	}
	return time.Since(start)
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkLoadModel and BenchmarkPackagesLoad isolate, in process, the
// cost of the generator's front half: generator.Load (packages.Load plus
// finding, building and validating the model) against packages.Load alone.
func BenchmarkLoadModel(b *testing.B) {
	tools := benchTools(b)
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			cfg := &generator.Config{Dir: benchPackage(b, n, tools), Env: tools.env}
			// Warm the build cache (b.Loop starts the timer afresh).
			if _, err := generator.Load(context.Background(), cfg); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := generator.Load(context.Background(), cfg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkPackagesLoad(b *testing.B) {
	tools := benchTools(b)
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			cfg := &packages.Config{Mode: generator.LoadMode, Dir: benchPackage(b, n, tools), Env: tools.env}
			if _, err := packages.Load(cfg, "."); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := packages.Load(cfg, "."); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

type benchBinaries struct {
	mongotxgen, loadonly string
	env                  []string
	modDir               string // holds go.mod and go.sum for synthetic packages
}

var benchBin *benchBinaries

// TestMain removes what the benchmarks built.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchBin != nil {
		os.RemoveAll(filepath.Dir(benchBin.mongotxgen))
	}
	os.Exit(code)
}

// benchTools builds the two programs once per test binary run.
func benchTools(b *testing.B) *benchBinaries {
	b.Helper()
	if benchBin != nil {
		return benchBin
	}
	root, err := filepath.Abs("..")
	if err != nil {
		b.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "mongotxgen-bench")
	if err != nil {
		b.Fatal(err)
	}
	// The binaries serve every benchmark of the run; TestMain removes
	// the directory.
	bin := &benchBinaries{
		mongotxgen: filepath.Join(dir, "mongotxgen"),
		loadonly:   filepath.Join(dir, "loadonly"),
	}
	for out, pkg := range map[string]string{bin.mongotxgen: "./cmd/mongotxgen", bin.loadonly: "./generator/testdata/loadonly"} {
		cmd := exec.Command("go", "build", "-o", out, pkg)
		cmd.Dir = root
		if msg, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("go build %s: %v\n%s", pkg, err, msg)
		}
	}
	bin.modDir = filepath.Join(dir, "mod")
	if err := os.MkdirAll(bin.modDir, 0o755); err != nil {
		b.Fatal(err)
	}
	bin.env = writeGoldenModule(b, bin.modDir, root)
	benchBin = bin
	return bin
}

// benchPackage writes a package of n annotated structs, ten per file, and
// generates its file once so that every timed run sees the same sources.
func benchPackage(b *testing.B, n int, tools *benchBinaries) string {
	b.Helper()
	dir := filepath.Join(tools.modDir, fmt.Sprintf("n%d", n))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	common := `package synth

import "time"

// Address is shared by every synthetic type.
type Address struct {
	Street string ` + "`bson:\"street\"`" + `
	City   string ` + "`bson:\"city\" mongotxgen:\"index\"`" + `
	Zip    string ` + "`bson:\"zip\"`" + `
}

var _ time.Time
`
	if err := os.WriteFile(filepath.Join(dir, "common.go"), []byte(common), 0o644); err != nil {
		b.Fatal(err)
	}
	for f := 0; f*10 < n; f++ {
		var sb strings.Builder
		sb.WriteString("package synth\n\nimport (\n\t\"time\"\n\n\t\"go.mongodb.org/mongo-driver/v2/bson\"\n)\n")
		for i := f * 10; i < min(n, f*10+10); i++ {
			fmt.Fprintf(&sb, `
// Type%[1]d is synthetic.
//
//mongotxgen:collection type%[1]d
//mongotxgen:index Name,-Amount
type Type%[1]d struct {
	ID      bson.ObjectID     `+"`bson:\"_id,omitempty\"`"+`
	Name    string            `+"`bson:\"name\" mongotxgen:\"unique\"`"+`
	Amount  int64             `+"`bson:\"amount\"`"+`
	Ratio   float64           `+"`bson:\"ratio\"`"+`
	Tags    []string          `+"`bson:\"tags\" mongotxgen:\"index\"`"+`
	Labels  map[string]string `+"`bson:\"labels\"`"+`
	Home    Address           `+"`bson:\"home\"`"+`
	Work    *Address          `+"`bson:\"work,omitempty\"`"+`
	Active  bool              `+"`bson:\"active\"`"+`
	Created time.Time         `+"`bson:\"created\" mongotxgen:\"created\"`"+`
	Updated time.Time         `+"`bson:\"updated\" mongotxgen:\"updated\"`"+`
	Version int64             `+"`bson:\"version\" mongotxgen:\"version\"`"+`
}
`, i)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("types%03d.go", f)), []byte(sb.String()), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	cmd := exec.Command(tools.mongotxgen)
	cmd.Dir = dir
	cmd.Env = tools.env
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("generating the synthetic package: %v\n%s", err, msg)
	}
	return dir
}

// benchProcess times runs of a program in dir and reports the largest peak
// RSS seen.
func benchProcess(b *testing.B, dir, prog string, args ...string) {
	run := func() int64 {
		cmd := exec.Command(prog, args...)
		cmd.Dir = dir
		cmd.Env = benchBin.env
		if msg, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%s: %v\n%s", filepath.Base(prog), err, msg)
		}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			return ru.Maxrss // KiB on Linux
		}
		return 0
	}
	run() // warm the build cache
	var peak int64
	b.ResetTimer()
	for b.Loop() {
		peak = max(peak, run())
	}
	b.ReportMetric(float64(peak)/1024, "peak-MiB")
}
