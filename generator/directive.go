package generator

import (
	"go/ast"
	"go/token"
	"strings"
	"time"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// directivePrefix starts every annotation line. Like //go: directives it has
// no space after the slashes; "// mongotxgen:" is an ordinary comment.
const directivePrefix = "//mongotxgen:"

// word is one space-separated token of a directive line, with its position.
type word struct {
	text string
	pos  model.Pos
}

// directive is one //mongotxgen: line.
type directive struct {
	name string // after the prefix: "collection", "index", or anything a user typed
	pos  model.Pos
	args []word
}

// splitDirective splits a //mongotxgen: comment into its name and arguments.
// It reports false for comments that are not directives.
func splitDirective(fset *token.FileSet, c *ast.Comment) (directive, bool) {
	if !strings.HasPrefix(c.Text, directivePrefix) {
		return directive{}, false
	}
	start := fset.Position(c.Slash)
	at := func(off int) model.Pos {
		return model.Pos{File: start.Filename, Line: start.Line, Col: start.Column + off}
	}
	var words []word
	text := c.Text
	for i := len("//"); i < len(text); {
		if text[i] == ' ' || text[i] == '\t' {
			i++
			continue
		}
		j := i
		for j < len(text) && text[j] != ' ' && text[j] != '\t' {
			j++
		}
		words = append(words, word{text: text[i:j], pos: at(i)})
		i = j
	}
	// words[0] is "mongotxgen:NAME".
	return directive{
		name: strings.TrimPrefix(words[0].text, "mongotxgen:"),
		pos:  at(0),
		args: words[1:],
	}, true
}

// indexSpec is a parsed //mongotxgen:index directive, before its fields are
// resolved.
type indexSpec struct {
	keys   []indexKeySpec
	unique bool
	sparse bool
	name   string
	ttl    time.Duration
	ttlPos model.Pos
	pos    model.Pos
}

type indexKeySpec struct {
	path string // Go field path, e.g. "Address.City"
	desc bool
	pos  model.Pos
}

// parseCollection parses the arguments of //mongotxgen:collection.
func parseCollection(d directive, errs *errorSink) (string, bool) {
	if len(d.args) != 1 {
		errs.add(d.pos, "malformed //mongotxgen:collection directive: want exactly one collection name, got %d words", len(d.args))
		return "", false
	}
	name := d.args[0]
	if msg := checkCollectionName(name.text); msg != "" {
		errs.add(name.pos, "invalid collection name %q: %s", name.text, msg)
		return "", false
	}
	return name.text, true
}

// checkCollectionName applies MongoDB's rules for collection names that a
// user can create; it returns "" for a valid name.
func checkCollectionName(name string) string {
	switch {
	case name == "":
		return "empty"
	case strings.ContainsRune(name, '$'):
		return "contains '$'"
	case strings.ContainsRune(name, 0):
		return "contains a NUL byte"
	case strings.HasPrefix(name, "system."):
		return `the "system." prefix is reserved for MongoDB`
	}
	return ""
}

// parseIndex parses the arguments of //mongotxgen:index:
// FIELD[,FIELD...] [unique] [sparse] [name=N] [ttl=DURATION].
func parseIndex(d directive, errs *errorSink) (*indexSpec, bool) {
	if len(d.args) == 0 {
		errs.add(d.pos, "malformed //mongotxgen:index directive: want FIELD[,FIELD...] [unique] [sparse] [name=N] [ttl=DURATION]")
		return nil, false
	}
	spec := &indexSpec{pos: d.pos}
	ok := true
	keys := d.args[0]
	off := 0
	for _, part := range strings.Split(keys.text, ",") {
		pos := keys.pos
		pos.Col += off
		off += len(part) + 1
		k := indexKeySpec{path: part, pos: pos}
		if strings.HasPrefix(part, "-") {
			k.desc = true
			k.path = part[1:]
		}
		if !validFieldPath(k.path) {
			errs.add(pos, "malformed //mongotxgen:index directive: %q is not a Go field path (like Owner or Address.City, - in front for descending)", part)
			ok = false
			continue
		}
		spec.keys = append(spec.keys, k)
	}
	seen := map[string]bool{}
	for _, w := range d.args[1:] {
		opt, val, hasVal := strings.Cut(w.text, "=")
		if seen[opt] {
			errs.add(w.pos, "duplicate option %q in //mongotxgen:index directive", opt)
			ok = false
			continue
		}
		seen[opt] = true
		switch {
		case opt == "unique" && !hasVal:
			spec.unique = true
		case opt == "sparse" && !hasVal:
			spec.sparse = true
		case opt == "name" && hasVal:
			if val == "" {
				errs.add(w.pos, "malformed //mongotxgen:index directive: empty index name")
				ok = false
			}
			spec.name = val
		case opt == "ttl" && hasVal:
			dur, err := time.ParseDuration(val)
			switch {
			case err != nil:
				errs.add(w.pos, "malformed //mongotxgen:index directive: ttl=%s: not a duration like 24h or 30m", val)
				ok = false
			case dur <= 0:
				errs.add(w.pos, "malformed //mongotxgen:index directive: ttl=%s: must be positive", val)
				ok = false
			case dur%time.Second != 0:
				errs.add(w.pos, "malformed //mongotxgen:index directive: ttl=%s: must be whole seconds (MongoDB's expireAfterSeconds)", val)
				ok = false
			}
			spec.ttl, spec.ttlPos = dur, w.pos
		case opt == "unique" || opt == "sparse":
			errs.add(w.pos, "malformed //mongotxgen:index directive: option %s takes no value", opt)
			ok = false
		case opt == "name" || opt == "ttl":
			errs.add(w.pos, "malformed //mongotxgen:index directive: option %s needs a value (%s=...)", opt, opt)
			ok = false
		default:
			errs.add(w.pos, "unknown option %q in //mongotxgen:index directive%s", w.text, suggest(opt, "unique", "sparse", "name", "ttl"))
			ok = false
		}
	}
	return spec, ok
}

// validFieldPath reports whether s is a dot-separated list of Go identifiers.
func validFieldPath(s string) bool {
	if s == "" {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if !token.IsIdentifier(part) {
			return false
		}
	}
	return true
}

// suggest returns ` (did you mean "x"?)` for the candidate closest to s when
// it is a plausible typo, and "" otherwise.
func suggest(s string, candidates ...string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best == "" {
		return ""
	}
	return ` (did you mean "` + best + `"?)`
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
