package mongotest_test

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"testing"
)

// heapProfileDir, from MONGOTEST_HEAP_PROFILE, is where scaleColl writes
// heap profiles of the process before and after loading n documents
// (scale-n-base.pb.gz, scale-n.pb.gz), one sample per 512 bytes allocated,
// for `go tool pprof -sample_index=inuse_space -diff_base`.
var heapProfileDir = os.Getenv("MONGOTEST_HEAP_PROFILE")

func init() {
	if heapProfileDir != "" {
		runtime.MemProfileRate = 512
	}
}

func writeHeapProfile(b *testing.B, name string) {
	if heapProfileDir == "" {
		return
	}
	runtime.GC()
	f, err := os.Create(filepath.Join(heapProfileDir, name+".pb.gz"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		b.Fatal(err)
	}
}
