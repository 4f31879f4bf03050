package mql

import "testing"

func TestRegexPCRESemantics(t *testing.T) {
	tests := []struct {
		pattern, options, subject string
		want                      bool
	}{
		{`c$`, "", "abc", true},
		{`c$`, "", "abc\n", true}, // PCRE's $ also matches before a final newline
		{`c$`, "", "abc\nd", false},
		{`c$`, "m", "abc\nd", true},
		{`^d`, "", "abc\nd", false},
		{`^d`, "m", "abc\nd", true},
		{`c\Z`, "", "abc\n", true},
		{`c\z`, "", "abc\n", false},
		{`a.c`, "", "a\nc", false},
		{`a.c`, "s", "a\nc", true},
		{`ABC`, "i", "xabcx", true},
		{`[$]`, "", "a$b", true},
		{`\$`, "", "a$b", true},
		{`[]a]+`, "", "]]", true},
		{`[^]a]`, "", "]a", false},
		{"a b # comment\n c", "x", "abc", true},
		{"a[ ]b", "x", "a b", true},
		{`a\ b`, "x", "a b", true},
		{`a\#b`, "x", "a#b", true},
		{`caf.`, "u", "café", true},
		{`\d+`, "", "x42", true},
	}
	for _, tt := range tests {
		re, err := compileRegex(tt.pattern, tt.options)
		if err != nil {
			t.Errorf("compileRegex(%q, %q): %v", tt.pattern, tt.options, err)
			continue
		}
		if got := re.MatchString(tt.subject); got != tt.want {
			t.Errorf("/%s/%s matches %q = %v, want %v", tt.pattern, tt.options, tt.subject, got, tt.want)
		}
	}
}

func TestRegexRefusesPCREOnlySyntax(t *testing.T) {
	for _, p := range []string{`(?=a)`, `(?!a)`, `(?<=a)b`, `(a)\1`, `a++`, `(?>a)`, `\h`} {
		_, err := compileRegex(p, "")
		wantCode(t, err, CodeBadValue)
	}
	_, err := compileRegex("a\x00", "")
	wantCode(t, err, CodeBadValue)
	_, err = compileRegex("a", "q")
	wantCode(t, err, 51108)
}
