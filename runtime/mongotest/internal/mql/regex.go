package mql

import (
	"regexp"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// compileRegex translates a PCRE pattern with mongod's options (i, m, s, x,
// u) into a Go regular expression. Patterns using PCRE features that RE2
// lacks (lookaround, backreferences, ...) are refused rather than matched
// differently.
func compileRegex(pattern, options string) (*regexp.Regexp, error) {
	if strings.IndexByte(pattern, 0) >= 0 {
		return nil, errorf(CodeBadValue, "Regular expression cannot contain an embedded null byte")
	}
	var flags strings.Builder
	for _, o := range options {
		switch o {
		case 'i', 'm', 's':
			if !strings.ContainsRune(flags.String(), o) {
				flags.WriteRune(o)
			}
		case 'x':
			pattern = stripExtended(pattern)
		case 'u':
			// Go patterns are always UTF-8 aware.
		default:
			return nil, errorf(CodeLocation51108, "invalid flag in regex options: %c", o)
		}
	}
	expr := pattern
	if flags.Len() > 0 {
		expr = "(?" + flags.String() + ")" + pattern
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, unsupported("regular expression /%s/ (%v)", pattern, err)
	}
	return re, nil
}

// stripExtended removes the whitespace and #-comments the x option ignores,
// outside character classes and escapes.
func stripExtended(p string) string {
	var sb strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			sb.WriteByte(c)
			sb.WriteByte(p[i+1])
			i++
		case inClass:
			if c == ']' {
				inClass = false
			}
			sb.WriteByte(c)
		case c == '[':
			inClass = true
			sb.WriteByte(c)
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
		case c == '#':
			for i < len(p) && p[i] != '\n' {
				i++
			}
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String()
}

// regexLeaf matches strings and symbols against a pattern, and regex values
// identical to it.
type regexLeaf struct {
	re  *regexp.Regexp
	src bson.Regex
}

func (r regexLeaf) matchesSingle(v any, found bool) bool {
	switch x := v.(type) {
	case string:
		return r.re.MatchString(x)
	case bson.Symbol:
		return r.re.MatchString(string(x))
	case bson.Regex:
		return x.Pattern == r.src.Pattern && x.Options == r.src.Options
	}
	return false
}

func newRegexLeaf(pattern, options string) (regexLeaf, error) {
	re, err := compileRegex(pattern, options)
	if err != nil {
		return regexLeaf{}, err
	}
	return regexLeaf{re: re, src: bson.Regex{Pattern: pattern, Options: options}}, nil
}
