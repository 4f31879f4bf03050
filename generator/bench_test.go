package generator_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mongotxgen/mongotxgen/generator"
	"github.com/mongotxgen/mongotxgen/templates"
)

// The benchmarks compare whole processes on a synthetic package of N
// annotated structs. The generator is the mongotxgen command (load,
// validate, render, compare with the file on disk: the generated file is
// already there, so nothing is rewritten). The floor is
// testdata/floor: the work no run can avoid, that is listing the packages
// (go list -deps), getting the export data of the package's imports and
// parsing and type-checking the package's own files against it.
//
// BenchmarkPaired and BenchmarkPairedEdit run the two processes in every
// iteration, in alternating order, and report the median time of each and
// the median of their per-iteration ratios (gen/floor), so that load drifting
// during the run falls on both sides alike. BenchmarkPairedEdit first edits a
// model file before each process, as a user does between two runs (see
// editModel). The processes have a render cache of their own
// (MONGOTXGEN_CACHE), warmed by the first, untimed run. Reproduce with
//
//	go test ./generator -run '^$' -bench 'Paired' -benchtime 5x
//
// Setting MONGOTXGEN_BENCH_BIN to a mongotxgen binary measures that binary
// instead of the one built from this tree (to compare with an older
// version). Setting MONGOTXGEN_BENCH_KEEP to a directory builds the
// binaries and the synthetic module (mod/nN) there and keeps them, to
// profile the real process (perf record -g, see BENCHMARKS.md). Figures vary a lot on a shared machine: compare runs made side
// by side.

var benchSizes = []int{50, 200, 500, 1000}

func BenchmarkPaired(b *testing.B) { benchPaired(b, false) }

func BenchmarkPairedEdit(b *testing.B) { benchPaired(b, true) }

func benchPaired(b *testing.B, edit bool) {
	tools := benchTools(b)
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			dir := benchPackage(b, n, tools)
			run := func(prog string, args ...string) time.Duration {
				if edit {
					editModel(b, dir)
				}
				return timeProcess(b, dir, prog, args...)
			}
			gen := func() time.Duration { return run(tools.mongotxgen) }
			floor := func() time.Duration { return run(tools.floor, ".") }
			gen() // warm the build cache
			floor()
			var gens, floors, ratios []float64
			i := 0
			for b.Loop() {
				var g, f time.Duration
				if i%2 == 0 {
					g, f = gen(), floor()
				} else {
					f, g = floor(), gen()
				}
				i++
				gens = append(gens, float64(g.Milliseconds()))
				floors = append(floors, float64(f.Milliseconds()))
				ratios = append(ratios, float64(g)/float64(f))
			}
			b.ReportMetric(median(gens), "gen-ms")
			b.ReportMetric(median(floors), "floor-ms")
			b.ReportMetric(median(ratios), "gen/floor")
		})
	}
}

// editModel edits the first model file of the synthetic package in dir as
// a user does: it gives type Type0 a field with a new name, so that the
// go command's caches know nothing of the file and the generated file
// changes with Type0's declarations.
func editModel(b *testing.B, dir string) {
	path := filepath.Join(dir, "types000.go")
	src, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	field := fmt.Appendf(nil, "\tEdit%d int64 `bson:\"edit\"`\n", time.Now().UnixNano())
	if loc := editedField.FindIndex(src); loc != nil {
		src = slices.Concat(src[:loc[0]], field, src[loc[1]:])
	} else {
		const decl = "type Type0 struct {\n"
		i := bytes.Index(src, []byte(decl)) + len(decl)
		src = slices.Concat(src[:i], field, src[i:])
	}
	if err := os.WriteFile(path, src, 0o644); err != nil {
		b.Fatal(err)
	}
}

var editedField = regexp.MustCompile("\tEdit[0-9]+ int64 `bson:\"edit\"`\n")

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

// BenchmarkGenerate reports the peak resident set size of the mongotxgen
// process after an edit, with its time (sequential runs: use the paired
// benchmarks for ratios).
func BenchmarkGenerate(b *testing.B) {
	tools := benchTools(b)
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			dir := benchPackage(b, n, tools)
			benchProcess(b, dir, tools.mongotxgen)
		})
	}
}

// BenchmarkLoadModel isolates, in process, the cost of the generator's
// front half: generator.Load (listing, type-checking, building and
// validating the model).
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

// BenchmarkEditInProcess runs, in process, what the mongotxgen command
// does after an edit (Generate with the render cache, then Write), so that
// a CPU profile shows the generator's own CPU (the go command's is in its
// subprocesses). The render cache is keyed by the test binary, so that its
// first run renders everything: profile a second run of the same binary,
// with MONGOTXGEN_BENCH_KEEP keeping the cache (BENCHMARKS.md).
func BenchmarkEditInProcess(b *testing.B) {
	tools := benchTools(b)
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			if userCache != "off" {
				b.Setenv("MONGOTXGEN_CACHE", filepath.Join(filepath.Dir(tools.floor), "cache-in-process"))
			}
			cfg := &generator.Config{Dir: benchPackage(b, n, tools), Env: tools.env, Render: templates.Renderer(templates.Options{Codecs: true})}
			run := func() {
				editModel(b, cfg.Dir)
				out, err := generator.Generate(context.Background(), cfg)
				if err == nil {
					err = out.Write()
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			run() // warm the render cache of this test binary
			for b.Loop() {
				run()
			}
		})
	}
}

type benchBinaries struct {
	mongotxgen, floor string
	env               []string
	modDir            string // holds go.mod and go.sum for synthetic packages
}

var benchBin *benchBinaries

// userCache is MONGOTXGEN_CACHE as the tests were started with.
var userCache = os.Getenv("MONGOTXGEN_CACHE")

// TestMain runs the tests without the render cache (unless
// MONGOTXGEN_CACHE chooses one), so that renderTwice checks that rendering
// is deterministic rather than that the cache is, and removes what the
// benchmarks built.
func TestMain(m *testing.M) {
	if userCache == "" {
		os.Setenv("MONGOTXGEN_CACHE", "off")
	}
	code := m.Run()
	if benchBin != nil && os.Getenv("MONGOTXGEN_BENCH_KEEP") == "" {
		os.RemoveAll(filepath.Dir(benchBin.floor))
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
	if keep := os.Getenv("MONGOTXGEN_BENCH_KEEP"); keep != "" {
		dir, err = keep, os.MkdirAll(keep, 0o755)
	}
	if err != nil {
		b.Fatal(err)
	}
	// The binaries serve every benchmark of the run; TestMain removes
	// the directory.
	bin := &benchBinaries{
		mongotxgen: filepath.Join(dir, "mongotxgen"),
		floor:      filepath.Join(dir, "floor"),
	}
	build := map[string]string{bin.mongotxgen: "./cmd/mongotxgen", bin.floor: "./generator/testdata/floor"}
	if prog := os.Getenv("MONGOTXGEN_BENCH_BIN"); prog != "" {
		delete(build, bin.mongotxgen)
		bin.mongotxgen = prog
	}
	for out, pkg := range build {
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
	// The render cache of the runs is their own, warm after the first run,
	// unless MONGOTXGEN_CACHE is off.
	bin.env = writeGoldenModule(b, bin.modDir, root)
	if userCache != "off" {
		bin.env = append(bin.env, "MONGOTXGEN_CACHE="+filepath.Join(dir, "cache"))
	}
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

// benchProcess times runs of a program in dir, each after an edit, and
// reports the largest peak RSS seen.
func benchProcess(b *testing.B, dir, prog string, args ...string) {
	run := func() int64 {
		editModel(b, dir)
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
