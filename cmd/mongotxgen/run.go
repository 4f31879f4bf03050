package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"go/token"
	"io"
	"os"
	"strings"

	"github.com/mongotxgen/mongotxgen/generator"
	"github.com/mongotxgen/mongotxgen/templates"
)

// Exit codes.
const (
	exitOK    = 0 // generated, or -check found everything fresh
	exitFail  = 1 // input errors, load errors, stale files under -check
	exitUsage = 2 // bad flags or arguments
)

const usage = `usage: mongotxgen [flags] [packages]

mongotxgen generates typed MongoDB repositories and a transactional Store
for the struct types annotated with //mongotxgen:collection in the named
packages (default "."), writing one file per package.

Flags:
`

// grammar is the annotation summary of -help, from the generator's tables.
func grammar() string {
	var b strings.Builder
	b.WriteString("\nAnnotations (go doc github.com/mongotxgen/mongotxgen/cmd/mongotxgen for the manual):\n")
	b.WriteString("  //mongotxgen:collection NAME\n")
	b.WriteString("  //mongotxgen:index " + generator.IndexSyntax() + "\n")
	for _, o := range generator.IndexOptions() {
		fmt.Fprintf(&b, "    %-14s %s\n", o.Name, o.Doc)
	}
	b.WriteString("  struct tag mongotxgen:\"OPT[,OPT]\"\n")
	for _, o := range generator.TagOptions() {
		fmt.Fprintf(&b, "    %-14s %s\n", o.Name, o.Doc)
	}
	return b.String()
}

// run is the whole command; main only exits with its result.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mongotxgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		typeList = fs.String("type", "", "comma-separated `names` of the annotated types to generate (default: all)")
		output   = fs.String("output", generator.DefaultOutput, "`file` name of the generated file in each package directory")
		tags     = fs.String("tags", "", "comma-separated build `tags` to apply when loading packages")
		check    = fs.Bool("check", false, "write nothing: print a unified diff and exit 1 when a generated file is stale or missing")
		verbose  = fs.Bool("v", false, "print what is loaded, skipped and written to standard error")
		codecs   = fs.Bool("codecs", true, "generate MarshalBSON and UnmarshalBSON for the annotated types and the struct types they contain (-codecs=false: the driver's reflection codec)")
	)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
		fmt.Fprint(stderr, grammar())
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	usageErr := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "mongotxgen: "+format+"\n", args...)
		fmt.Fprintln(stderr, "run 'mongotxgen -help' for usage")
		return exitUsage
	}
	if err := generator.CheckOutputName(*output); err != nil {
		return usageErr("-output: %v", err)
	}
	var names []string
	if *typeList != "" {
		for _, n := range strings.Split(*typeList, ",") {
			n = strings.TrimSpace(n)
			if !token.IsIdentifier(n) {
				return usageErr("-type: %q is not a Go type name", n)
			}
			names = append(names, n)
		}
	}
	for _, p := range fs.Args() {
		if strings.HasPrefix(p, "-") {
			return usageErr("flag %s after the package patterns: flags come first", p)
		}
	}

	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintf(stderr, "mongotxgen: %v\n", err)
		return exitFail
	}
	cfg := &generator.Config{
		Patterns: fs.Args(),
		Types:    names,
		Output:   *output,
		Tags:     *tags,
		Render:   templates.Renderer(templates.Options{Codecs: *codecs}),
	}
	if *verbose {
		cfg.Log = prefixWriter{stderr}
	}
	cfg.Warn = func(e *generator.Error) { fmt.Fprintln(stderr, e.Rel(wd)) }
	out, err := generator.Generate(context.Background(), cfg)
	if err == nil && *check {
		var stale int
		stale, err = out.Check(stdout)
		if err == nil && stale > 0 {
			fmt.Fprintf(stderr, "mongotxgen: %d generated %s stale or missing: run mongotxgen (or go generate) and commit the result\n", stale, plural(stale, "file is", "files are"))
			return exitFail
		}
	} else if err == nil {
		err = out.Write()
	}
	if err != nil {
		var list generator.ErrorList
		if errors.As(err, &list) {
			for _, e := range list {
				if e.Pos.File == "" {
					fmt.Fprintf(stderr, "mongotxgen: %s\n", e.Msg)
				} else {
					fmt.Fprintln(stderr, e.Rel(wd))
				}
			}
		} else {
			fmt.Fprintf(stderr, "mongotxgen: %v\n", err)
		}
		return exitFail
	}
	return exitOK
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// prefixWriter prefixes -v lines with the command name.
type prefixWriter struct{ w io.Writer }

func (p prefixWriter) Write(b []byte) (int, error) {
	if _, err := io.WriteString(p.w, "mongotxgen: "); err != nil {
		return 0, err
	}
	return p.w.Write(b)
}
