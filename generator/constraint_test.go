package generator

import "testing"

// TestNameConstraint checks the constraints read in file names against the
// go command's rules.
func TestNameConstraint(t *testing.T) {
	for name, want := range map[string]string{
		"/p/model.go":             "",
		"/p/linux.go":             "", // no underscore: no constraint
		"/p/model_linux.go":       "linux",
		"/p/model_arm64.go":       "arm64",
		"/p/model_linux_arm64.go": "linux && arm64",
		"/p/model_linux_test.go":  "linux",
		"/p/model_unix.go":        "", // unix is a tag, not a file name suffix
		"/p/model_plan9.x.go":     "plan9",
		"/p/my_model.go":          "",
	} {
		got := ""
		if x := nameConstraint(name); x != nil {
			got = x.String()
		}
		if got != want {
			t.Errorf("nameConstraint(%q) = %q, want %q", name, got, want)
		}
	}
}
