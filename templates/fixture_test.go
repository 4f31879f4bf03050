package templates

import (
	"bytes"
	"os"
	"testing"
)

// TestFixtureUpToDate requires the generated code of the fixture package,
// which mongotxgen wrote from internal/shop/shop.go and whose tests run it
// against a server, to be what Render makes of the hand-built accountModel.
// So the loader and the hand-built model agree, and the behaviour tested
// there is the behaviour of the current templates. To refresh the fixture:
//
//	go generate ./templates/internal/shop
func TestFixtureUpToDate(t *testing.T) {
	want, err := Render(accountModel())
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(fixtureGenerated)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is not what Render makes of accountModel; run go generate ./templates/internal/shop, and check that accountModel still describes %s", fixtureGenerated, fixtureSource)
	}
}
