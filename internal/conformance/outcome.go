package conformance

import (
	"regexp"
	"strings"
)

// Outcome is what happened to one spec test.
type Outcome struct {
	Test   string // "<suite>/<path>/<file>.json/<description>", spaces as _
	Status string // "pass", "fail" or "skip"
	// Message is the first line the runner logged for the test: why it
	// failed or was skipped.
	Message string
}

// Suite is the suite of a test name: its first path element.
func Suite(test string) string {
	suite, _, _ := strings.Cut(test, "/")
	return suite
}

// rule classifies a failure or skip whose message matches re.
type rule struct {
	re     *regexp.Regexp
	reason string
	note   string // empty: the message's first match of re
}

// todoIssue is the issue that asks for what the todo failures lack.
const todoIssue = "#11"

var failRules = []rule{
	{regexp.MustCompile(`server selection error`), "secondary", "needs a secondary (read preference other than primary)"},
	{regexp.MustCompile(`comparison error at key "filter\._id": expected value .*got \{"\$eq"`), "mismatch",
		"the driver sends {_id: {$eq: …}} where the spec expects {_id: …}"},
	{regexp.MustCompile(`no such command: '(createSearchIndexes|updateSearchIndex|dropSearchIndex)'|\$listSearchIndexes`), "refused",
		"Atlas search indexes exist only on Atlas"},
	// What the issue asks mongotest to implement, though refused loudly today.
	{regexp.MustCompile(`no such command: 'bulkWrite'|arrayFilters|pipeline-style update|"let" option|onPrimaryTransactionalWrite|` +
		`getSnapshotTime|atClusterTime|'values' is type array|SnapshotUnavailable|PreparedTransactionInProgress|` +
		`assertCollectionNotExists|assertIndexNotExists`), "todo", ""},
	{regexp.MustCompile(`mongotest (does not support|supports only)[^\]]*|aggregation stage \S+ is not supported by mongotest`), "refused", ""},
	{regexp.MustCompile(`no such command: '[A-Za-z]+'`), "todo", ""},
}

var skipRules = []rule{
	{regexp.MustCompile(`server version "[^"]*" is (lower|higher) than (min required|max) version "[^"]*"`), "version", ""},
	{regexp.MustCompile(`topology kind "[^"]*" does not match any of the required kinds \[[^\]]*\]`), "topology", ""},
	{regexp.MustCompile(`test requires auth`), "auth", "needs authentication"},
	{regexp.MustCompile(`Skipping due to known failure: "([^"]*)"`), "driver-list", ""},
	{regexp.MustCompile(`the \\?"[A-Za-z]+\\?" (operation|client option) is not supported`), "runner", ""},
}

// Classify gives a failed or skipped outcome a reason and a note.
func Classify(o Outcome) (reason, note string) {
	rules := failRules
	if o.Status == "skip" {
		rules = skipRules
	}
	for _, r := range rules {
		m := r.re.FindString(o.Message)
		switch {
		case m == "":
			continue
		case r.note != "":
			return r.reason, r.note
		case r.reason == "todo":
			return r.reason, todoIssue + ": " + m
		default:
			return r.reason, strings.TrimSpace(m)
		}
	}
	if o.Status == "skip" {
		return "skip", clip(o.Message)
	}
	return "todo", todoIssue + ": " + clip(o.Message)
}

// varying matches what changes from run to run in a message.
var varying = regexp.MustCompile(`[0-9a-f]{24}|127\.0\.0\.1:\d+|\d{4,}`)

// clip shortens a message to a stable note of one line.
func clip(msg string) string {
	msg = varying.ReplaceAllString(msg, "…")
	if _, after, ok := strings.Cut(msg, "error verification failed: "); ok {
		msg = after
	}
	if len(msg) > 160 {
		msg = msg[:160] + "…"
	}
	return strings.ToValidUTF8(msg, "")
}
