// Package generator is the front half of mongotxgen: it loads Go packages
// with go/packages, finds the struct types annotated with
// //mongotxgen:collection, and builds the validated, sorted description of
// what to generate ([model.Package]), reporting every problem of a run as
// file:line:col: message. It then renders each package through a
// [Config.Render] function (package templates in the command) and writes the
// files atomically, or compares them with the files on disk and prints
// unified diffs ([Output.Check]).
//
// A run costs what it cannot avoid: the go command lists the packages
// (nothing is compiled), their files are parsed, and those with directives
// are type-checked from source against the export data of their imports,
// which the build cache keeps. The generated file of an earlier run is never
// read beyond its package clause, so it can be stale or broken.
//
// The stages, one file each: golist.go and typecheck.go (load), scan.go
// (directives found in doc comments), directives.go and tags.go (the two
// grammars, as tables), fields.go (the stored fields, by the driver's rules),
// types.go (the field types), validate.go (options and indexes), names.go and
// constraint.go (what the generated file needs to compile).
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
