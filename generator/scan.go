package generator

import (
	"go/ast"
	"go/token"
	"regexp"
	"strings"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// annotated is a type declaration whose doc comment holds directives.
type annotated struct {
	spec       *ast.TypeSpec
	name       string
	pos        model.Pos // of the type name
	directives []directive
}

// scan finds every //mongotxgen: directive of the package's files and
// attaches it to the type whose doc comment holds it; a directive anywhere
// else is an error.
func (b *builder) scan() []*annotated {
	var out []*annotated
	for _, f := range b.files {
		owner := map[*ast.CommentGroup]*annotated{}
		groupDoc := map[*ast.CommentGroup]bool{}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, s := range gd.Specs {
				spec := s.(*ast.TypeSpec)
				a := &annotated{spec: spec, name: spec.Name.Name, pos: b.position(spec.Name.Pos())}
				if spec.Doc != nil {
					owner[spec.Doc] = a
				}
				if gd.Doc != nil && len(gd.Specs) == 1 {
					owner[gd.Doc] = a
				}
			}
			if gd.Doc != nil && len(gd.Specs) > 1 {
				groupDoc[gd.Doc] = true
			}
		}
		seen := map[*annotated]bool{}
		for _, g := range f.Comments {
			for _, c := range g.List {
				d, ok := splitDirective(b.fset, c)
				if !ok {
					b.warnSpaced(c)
					continue
				}
				a := owner[g]
				switch {
				case a != nil:
					a.directives = append(a.directives, d)
					if !seen[a] {
						seen[a] = true
						out = append(out, a)
					}
				case groupDoc[g]:
					b.errs.add(d.pos, "//mongotxgen:%s directive in the doc comment of a type group: move it to the doc comment of the type it annotates", d.name)
				default:
					b.errs.add(d.pos, "misplaced //mongotxgen:%s directive: it must be in the doc comment of a struct type", d.name)
				}
			}
		}
	}
	return out
}

// spacedDirective matches a comment that would be a directive but for the
// space after the slashes, which makes it an ordinary comment.
var spacedDirective = regexp.MustCompile(`^//[ \t]+mongotxgen:([a-z]\S*)`)

// warnSpaced warns about c when it looks like a directive with a space
// after the slashes: the go tool's convention, which //go: directives
// follow too, makes it prose, so the type is silently not annotated.
func (b *builder) warnSpaced(c *ast.Comment) {
	if m := spacedDirective.FindStringSubmatch(c.Text); m != nil && b.cfg != nil {
		b.cfg.warn(b.position(c.Slash), "%q is an ordinary comment, not a directive: write //mongotxgen:%s, without a space after the slashes", strings.TrimSpace(c.Text), m[1])
	}
}
