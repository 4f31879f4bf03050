package templates

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"
)

// commentWidth is where doc comments are wrapped, not counting "// ".
const commentWidth = 76

// doc returns a doc comment, wrapped at commentWidth, ending in a newline so
// that the declaration follows on the next line. Paragraphs are separated by
// a blank line ("\n\n") in text; a line starting with a tab is code and is
// kept as it is. doc formats text with args, like fmt.Sprintf.
func doc(text string, args ...any) *jen.Statement {
	if len(args) > 0 {
		text = fmt.Sprintf(text, args...)
	}
	s := jen.Null()
	for i, para := range strings.Split(text, "\n\n") {
		if i > 0 {
			s.Comment("").Line()
		}
		for _, line := range wrapParagraph(para) {
			s.Comment(line).Line()
		}
	}
	return s
}

// wrapParagraph splits para into comment lines: code lines (starting with a
// tab) as they are, prose refilled to commentWidth.
func wrapParagraph(para string) []string {
	var out []string
	var line strings.Builder
	flush := func() {
		if line.Len() > 0 {
			out = append(out, line.String())
			line.Reset()
		}
	}
	for _, raw := range strings.Split(para, "\n") {
		if strings.HasPrefix(raw, "\t") {
			flush()
			out = append(out, raw)
			continue
		}
		for _, word := range strings.Fields(raw) {
			if line.Len() > 0 && line.Len()+1+len(word) > commentWidth {
				flush()
			}
			if line.Len() > 0 {
				line.WriteByte(' ')
			}
			line.WriteString(word)
		}
	}
	flush()
	return out
}

// list joins items as English prose: "a", "a and b", "a, b and c".
func list(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
