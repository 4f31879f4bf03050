package templates

import (
	"bytes"
	"strings"
	"testing"
)

// TestRenderImportAliases checks that a package the generated code imports
// under a name the user's package declares gets an alias, used everywhere,
// and that the others keep their names.
func TestRenderImportAliases(t *testing.T) {
	pkg := accountModel()
	pkg.Declared = []string{"context", "mongotxruntime", "options", "runtime", "time"}
	src, f := render(t, pkg)
	names := map[string]string{}
	for _, spec := range f.Imports {
		name := ""
		if spec.Name != nil {
			name = spec.Name.Name
		}
		names[strings.Trim(spec.Path.Value, `"`)] = name
	}
	for path, want := range map[string]string{
		"context":   "mongotxcontext",
		"time":      "mongotxtime",
		runtimePath: "mongotxruntime2", // mongotxruntime is taken too
		bsonPath:    "",
		mongoPath:   "",
		"iter":      "",
	} {
		if got, ok := names[path]; !ok || got != want {
			t.Errorf("import of %s named %q (imported: %v), want %q", path, got, ok, want)
		}
	}
	// Doc comments name the packages as their readers know them; code
	// must use the aliases.
	var code []string
	for line := range strings.SplitSeq(string(src), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "//") {
			code = append(code, line)
		}
	}
	for _, bad := range []string{" runtime.", "(runtime.", "[runtime.", "&runtime.", "(context.", " time."} {
		if strings.Contains(strings.Join(code, "\n"), bad) {
			t.Errorf("generated code still refers to %q:\n%s", bad, src)
		}
	}
	again, _ := render(t, pkg)
	if !bytes.Equal(src, again) {
		t.Error("two renderings with aliases differ")
	}
}

// TestRenderBuildConstraint checks that the model's build constraint is
// the file's //go:build line, after the generated-code header.
func TestRenderBuildConstraint(t *testing.T) {
	pkg := accountModel()
	pkg.BuildConstraint = "pro && !lite"
	src, _ := render(t, pkg)
	want := "// " + Header + "\n\n//go:build pro && !lite\n\npackage shop\n"
	if !bytes.HasPrefix(src, []byte(want)) {
		t.Errorf("file starts\n%s\nwant\n%s", src[:min(len(src), 120)], want)
	}
}
