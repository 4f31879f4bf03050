package generator

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// DefaultOutput is the file name generated code is written to in each
// package directory.
const DefaultOutput = "mongotx_gen.go"

// Config is one run of the generator.
type Config struct {
	// Dir is the directory patterns are resolved in; "" means the current
	// directory.
	Dir string
	// Patterns are go/packages patterns ("." when empty).
	Patterns []string
	// Types, when not empty, restricts generation to these type names, in
	// every package; a name that is not an annotated type of a loaded
	// package is an error.
	Types []string
	// Output is the base name of the generated file (DefaultOutput when
	// empty).
	Output string
	// Tags are build tags, comma- or space-separated as for go build -tags.
	Tags string
	// Env is the environment of the go command (nil: this process's).
	Env []string
	// Log receives a line per step (what is loaded, skipped, written) when
	// not nil.
	Log io.Writer
	// Warn, when not nil, receives each warning: a likely mistake that
	// does not stop the run, such as a directive written with a space
	// after the slashes.
	Warn func(*Error)
	// Render renders one package's generated file; it is templates.Render
	// in the mongotxgen command.
	Render func(*model.Package) ([]byte, error)
}

func (c *Config) output() string {
	if c.Output == "" {
		return DefaultOutput
	}
	return c.Output
}

// absDir returns the absolute directory patterns are resolved in, where
// the go command runs; "" when it cannot be known.
func (c *Config) absDir() string {
	dir, err := filepath.Abs(c.Dir) // the current directory when c.Dir is ""
	if err != nil {
		return ""
	}
	return dir
}

func (c *Config) logf(format string, args ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, format+"\n", args...)
	}
}

// CheckOutputName reports whether name can be the generated file's name: a
// plain file name (no directory) of a Go source file the go command builds.
func CheckOutputName(name string) error {
	switch {
	case name == "":
		return errors.New("empty output file name")
	case strings.ContainsAny(name, `/\`) || name != filepath.Base(name):
		return fmt.Errorf("output %q must be a file name without a directory: the file is written in each package's directory", name)
	case !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go"):
		return fmt.Errorf("output %q must be a Go file name ending in .go (and not _test.go)", name)
	case strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_"):
		return fmt.Errorf("output %q starts with %q, so the go command would ignore it", name, name[:1])
	}
	return nil
}

func (c *Config) warn(pos model.Pos, format string, args ...any) {
	if c.Warn != nil {
		c.Warn(&Error{Pos: pos, Msg: "warning: " + fmt.Sprintf(format, args...)})
	}
}
