package mql

import (
	"regexp"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// compileRegex translates a PCRE pattern with mongod's options (i, m, s, x,
// u) into a Go regular expression. Patterns using PCRE features that RE2
// lacks (lookaround, backreferences, possessive quantifiers, ...) are
// refused rather than matched differently.
func compileRegex(pattern, options string) (*regexp.Regexp, error) {
	if strings.IndexByte(pattern, 0) >= 0 {
		return nil, errorf(CodeBadValue, "Regular expression cannot contain an embedded null byte")
	}
	var flags []byte
	extended, multiline := false, false
	for _, o := range options {
		switch o {
		case 'i', 's':
			flags = append(flags, byte(o))
		case 'm':
			flags, multiline = append(flags, 'm'), true
		case 'x':
			extended = true
		case 'u':
			// Go patterns are always UTF-8 aware.
		default:
			return nil, errorf(51108, "invalid flag in regex options: %c", o)
		}
	}
	expr := translatePCRE(pattern, extended, multiline)
	if len(flags) > 0 {
		expr = "(?" + string(flags) + ")" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, unsupported("regular expression /%s/ (%v)", pattern, err)
	}
	return re, nil
}

// endOfSubject is PCRE's $ without the m option (and its \Z): the end of
// the subject or just before a final newline. Only whether a pattern
// matches is ever asked, so consuming that newline is harmless.
const endOfSubject = `(?:\n?\z)`

// translatePCRE rewrites the parts of PCRE syntax that Go spells or reads
// differently: with the x option it drops unescaped whitespace and
// #-comments outside character classes, and it gives $ and \Z PCRE's
// meaning. Everything else is passed through for regexp to accept or
// refuse.
func translatePCRE(p string, extended, multiline bool) string {
	var sb strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			if p[i+1] == 'Z' && !inClass {
				sb.WriteString(endOfSubject)
			} else {
				sb.WriteByte(c)
				sb.WriteByte(p[i+1])
			}
			i++
		case inClass:
			if c == ']' {
				inClass = false
			}
			sb.WriteByte(c)
		case c == '[':
			inClass = true
			sb.WriteByte(c)
			// A ] right after [ or [^ is a literal, not the end.
			if i+1 < len(p) && p[i+1] == '^' {
				sb.WriteByte('^')
				i++
			}
			if i+1 < len(p) && p[i+1] == ']' {
				sb.WriteByte(']')
				i++
			}
		case c == '$' && !multiline:
			sb.WriteString(endOfSubject)
		case extended && strings.IndexByte(" \t\n\r\f\v", c) >= 0:
		case extended && c == '#':
			for i+1 < len(p) && p[i+1] != '\n' {
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
