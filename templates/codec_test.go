package templates

import (
	"bytes"
	"go/parser"
	"go/token"
	"slices"
	"testing"

	"github.com/mongotxgen/mongotxgen/generator/model"
	"github.com/mongotxgen/mongotxgen/runtime/bsoncodec"
)

// TestRenderCodecsOff checks that -codecs=false leaves the codec methods,
// and the bsoncodec import, out.
func TestRenderCodecsOff(t *testing.T) {
	src, err := Renderer(Options{Codecs: false})(accountModel())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(src, []byte(bsoncodecPath)) {
		t.Error("bsoncodec imported with codecs off")
	}
	f, err := parser.ParseFile(token.NewFileSet(), "out.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range funcs(f) {
		for _, c := range codecFuncs {
			if name == "Account."+c {
				t.Errorf("codec method %s generated with codecs off", name)
			}
		}
	}
	on, err := Renderer(Options{Codecs: true})(accountModel())
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := Render(accountModel()); !bytes.Equal(on, want) {
		t.Error("Render is not Renderer with codecs on")
	}
	if !slices.Contains(funcsOf(t, on), "Origin.UnmarshalBSON") {
		t.Error("no codec for Origin, a struct reached through a pointer")
	}
}

func funcsOf(t *testing.T, src []byte) []string {
	f, err := parser.ParseFile(token.NewFileSet(), "out.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	return funcs(f)
}

// TestKindNames checks that the bsoncodec constant each codec kind is
// written as is the bsoncodec.Kind of the same value: the two enumerations
// are kept apart (the model does not import the runtime) and must agree.
func TestKindNames(t *testing.T) {
	for k := model.CodecFallback; k <= model.CodecMap; k++ {
		if got, want := kindNames[k], bsoncodec.Kind(k).String(); got != want {
			t.Errorf("codec kind %d is written bsoncodec.%s, but bsoncodec.Kind(%d) is %s", k, got, k, want)
		}
	}
}
