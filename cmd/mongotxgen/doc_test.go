package main

import (
	"os"
	"strings"
	"testing"

	"github.com/mongotxgen/mongotxgen/generator"
)

// TestDocGrammar checks that the command's documentation lists every
// option of the annotation grammars exactly as the generator defines them.
func TestDocGrammar(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var text []string
	for line := range strings.SplitSeq(string(src), "\n") {
		text = append(text, strings.TrimPrefix(line, "//"))
	}
	doc := strings.Join(strings.Fields(strings.Join(text, " ")), " ")
	if want := "//mongotxgen:index " + generator.IndexSyntax(); !strings.Contains(doc, want) {
		t.Errorf("doc.go does not show %q", want)
	}
	for _, grammar := range [][]generator.Option{generator.TagOptions(), generator.IndexOptions()} {
		for _, o := range grammar {
			if want := o.Name + " " + o.Doc; !strings.Contains(doc, want) {
				t.Errorf("doc.go does not document option %s as %q", o.Name, want)
			}
		}
	}
}
