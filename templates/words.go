package templates

import (
	"strings"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// Small pieces of English for the doc comments of generated methods.

// timeFields names the created and updated fields that exist: "CreatedAt
// and UpdatedAt", "UpdatedAt" or "".
func timeFields(fs ...*model.Field) string {
	var names []string
	for _, f := range fs {
		if f != nil {
			names = append(names, f.GoPath)
		}
	}
	return list(names)
}

func isAre(fs ...*model.Field) string {
	n := 0
	for _, f := range fs {
		if f != nil {
			n++
		}
	}
	if n > 1 {
		return "are"
	}
	return "is"
}

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
