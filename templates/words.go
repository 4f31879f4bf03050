package templates

import "strings"

// lowerFirst is s with its first letter in lower case: the name of a
// generated method as the operation its errors name.
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
