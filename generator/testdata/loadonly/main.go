// Command loadonly is the baseline of the generator benchmark: a bare
// packages.Load of its arguments in the generator's load mode, failing on
// any error but the ones the generator also tolerates (none in the
// benchmark's synthetic package).
package main

import (
	"fmt"
	"os"

	"golang.org/x/tools/go/packages"

	"github.com/mongotxgen/mongotxgen/generator"
)

func main() {
	pkgs, err := packages.Load(&packages.Config{Mode: generator.LoadMode}, os.Args[1:]...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if packages.PrintErrors(pkgs) > 0 {
		os.Exit(1)
	}
}
