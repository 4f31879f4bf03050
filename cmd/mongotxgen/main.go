package main

import (
	"os"
	"runtime/debug"
)

func main() {
	// A run is short and its heap mostly live until it ends (the model,
	// the type-checked package, the file): with the default GOGC, marking
	// it again and again was a quarter of the CPU of a run after an edit
	// at 1000 types (BENCHMARKS.md). GOGC, when set, still decides.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
