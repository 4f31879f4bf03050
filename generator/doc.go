// Package generator is the front half of mongotxgen: it loads Go packages
// with go/packages, finds the struct types annotated with
// //mongotxgen:collection, and builds the validated, sorted description of
// what to generate ([model.Package]), reporting every problem of a run as
// file:line:col: message. It then renders each package through a
// [Config.Render] function (package templates in the command) and writes the
// files atomically, or compares them with the files on disk and prints
// unified diffs ([Output.Check]).
//
// The annotation grammar and the BSON naming rules are documented with the
// command, github.com/mongotxgen/mongotxgen/cmd/mongotxgen.
//
// Typical use:
//
//	out, err := generator.Generate(ctx, &generator.Config{Patterns: []string{"./..."}, Render: templates.Render})
//	if err != nil {
//		return err // an ErrorList: print it with Rel(wd)
//	}
//	return out.Write()
package generator
