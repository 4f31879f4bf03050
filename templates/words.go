package templates

import "strings"

// Small pieces of English for the doc comments of generated methods.

func pronoun(n int) string {
	if n > 1 {
		return "both"
	}
	return "it"
}

func pronounPossessive(n int) string {
	if n > 1 {
		return "their"
	}
	return "its"
}

func verbS(n int) string {
	if n > 1 {
		return ""
	}
	return "s"
}

func plural(n int) string {
	if n > 1 {
		return "s"
	}
	return ""
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
