package templates

import (
	"os"
	"testing"
)

// TestMain gives the tests a render cache of their own (see cache.go),
// unless MONGOTXGEN_CACHE chooses one.
func TestMain(m *testing.M) {
	if os.Getenv("MONGOTXGEN_CACHE") == "" {
		dir, err := os.MkdirTemp("", "mongotxgen-cache")
		if err == nil {
			os.Setenv("MONGOTXGEN_CACHE", dir)
			code := m.Run()
			os.RemoveAll(dir)
			os.Exit(code)
		}
	}
	os.Exit(m.Run())
}
