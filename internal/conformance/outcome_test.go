package conformance

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		o            Outcome
		reason, note string
	}{
		{Outcome{Status: "fail", Message: `error running operation "find" at index 3: error verification failed: expected error server selection error: context deadline exceeded, current topology: { Type: ReplicaSetWithPrimary }`},
			"secondary", "needs a secondary (read preference other than primary)"},
		{Outcome{Status: "fail", Message: `error running operation "createCollection" at index 1: error verification failed: expected no error, but got (BadValue) mongotest does not support the "clusteredIndex" option of create`},
			"refused", `mongotest does not support the "clusteredIndex" option of create`},
		{Outcome{Status: "fail", Message: `expected no error, but got (BadValue) aggregation stage $out is not supported by mongotest`},
			"refused", "aggregation stage $out is not supported by mongotest"},
		{Outcome{Status: "fail", Message: `expected error (CommandNotFound) no such command: 'createSearchIndexes' to contain substring Atlas`},
			"refused", "Atlas search indexes exist only on Atlas"},
		{Outcome{Status: "fail", Message: `expected no error, but got (CommandNotFound) no such command: 'bulkWrite'`},
			"todo", "#11: no such command: 'bulkWrite'"},
		{Outcome{Status: "fail", Message: `expected no error, but got (CommandNotFound) no such command: 'collMod'`},
			"todo", "#11: no such command: 'collMod'"},
		{Outcome{Status: "fail", Message: `events verification failed at index 0: comparison error at key "filter._id": expected value {"$oid":"5ee3e7e1a2b3c4d5e6f70809"}, got {"$eq": {"$oid":"x"}}`},
			"mismatch", "the driver sends {_id: {$eq: …}} where the spec expects {_id: …}"},
		{Outcome{Status: "fail", Message: `error running operation "x" at index 1: error verification failed: result mismatch at 127.0.0.1:40123 id 5ee3e7e1a2b3c4d5e6f70809`},
			"todo", "#11: result mismatch at … id …"},
		{Outcome{Status: "skip", Message: `skipping due to environmental constraints: no matching RunOnBlock; comparison errors: [server version "8.0.0" is higher than max version "4.2.99"]`},
			"version", `server version "8.0.0" is higher than max version "4.2.99"`},
		{Outcome{Status: "skip", Message: `Skipping due to known failure: "Allow hint for unacknowledged writes using OP_MSG (GODRIVER-2125)"`},
			"driver-list", `Skipping due to known failure: "Allow hint for unacknowledged writes using OP_MSG (GODRIVER-2125)"`},
		{Outcome{Status: "skip", Message: `execution failed: test must be skipped: "the \"count\" operation is not supported"`},
			"runner", `the \"count\" operation is not supported`},
		{Outcome{Status: "skip", Message: `something new`}, "skip", "something new"},
	} {
		reason, note := Classify(tc.o)
		if reason != tc.reason || note != tc.note {
			t.Errorf("Classify(%q) = %q, %q; want %q, %q", tc.o.Message, reason, note, tc.reason, tc.note)
		}
	}
}

func TestDiffAndFromRun(t *testing.T) {
	e := &Expected{
		Passed: map[string]int{"crud": 1},
		NonPass: map[string]Listed{
			"crud/a.json/fixed": {Status: "fail", Reason: "todo", Note: "#11: x"},
			"crud/a.json/still": {Status: "fail", Reason: "refused", Note: "kept as written"},
			"crud/a.json/gone":  {Status: "skip", Reason: "version", Note: "v"},
		},
	}
	run := []Outcome{
		{Test: "crud/a.json/ok", Status: "pass"},
		{Test: "crud/a.json/fixed", Status: "pass"},
		{Test: "crud/a.json/still", Status: "fail", Message: "mongotest does not support the \"y\" option of z"},
		{Test: "crud/a.json/new", Status: "fail", Message: "boom"},
	}
	want := []string{
		"now passes, listed as fail todo: crud/a.json/fixed",
		"new fail: crud/a.json/new: boom",
		"listed but not run: crud/a.json/gone",
		"crud: 2 tests pass, expected.txt says 1",
	}
	if diff := cmp.Diff(want, e.Diff(run)); diff != "" {
		t.Errorf("Diff (-want +got):\n%s", diff)
	}
	got := FromRun(run, e)
	wantE := &Expected{
		Passed: map[string]int{"crud": 2},
		NonPass: map[string]Listed{
			"crud/a.json/still": {Status: "fail", Reason: "refused", Note: "kept as written"},
			"crud/a.json/new":   {Status: "fail", Reason: "todo", Note: "#11: boom"},
		},
	}
	if diff := cmp.Diff(wantE, got); diff != "" {
		t.Errorf("FromRun (-want +got):\n%s", diff)
	}
	if len(got.Diff(run)) != 0 {
		t.Errorf("a run differs from the file it gives: %v", got.Diff(run))
	}
	var b strings.Builder
	if err := got.Format(&b); err != nil {
		t.Fatal(err)
	}
	back, err := ParseExpected(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got.NonPass, back.NonPass); diff != "" {
		t.Errorf("Format then ParseExpected (-want +got):\n%s", diff)
	}
}

func TestParseEvents(t *testing.T) {
	in := `{"Action":"run","Test":"TestUnifiedSpec"}
{"Action":"run","Test":"TestUnifiedSpec/crud/tests/a.json/t1"}
{"Action":"output","Test":"TestUnifiedSpec/crud/tests/a.json/t1","Output":"    unified_spec_runner.go:138: first\n"}
{"Action":"output","Test":"TestUnifiedSpec/crud/tests/a.json/t1","Output":"    unified_spec_runner.go:140: second\n"}
{"Action":"fail","Test":"TestUnifiedSpec/crud/tests/a.json/t1"}
{"Action":"pass","Test":"TestUnifiedSpec/crud/tests/a.json/t2"}
{"Action":"fail","Test":"TestUnifiedSpec/crud/tests/a.json"}
{"Action":"output","Test":"TestUnifiedSpec/crud/tests/b.json","Output":"    mongotest.go:113: skipping due to environmental constraints\n"}
{"Action":"skip","Test":"TestUnifiedSpec/crud/tests/b.json"}
{"Action":"fail","Test":"TestUnifiedSpec/crud/tests"}
{"Action":"fail","Test":"TestUnifiedSpec"}
`
	got, err := parseEvents(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Outcome{
		{Test: "crud/tests/a.json/t1", Status: "fail", Message: "first"},
		{Test: "crud/tests/a.json/t2", Status: "pass"},
		{Test: "crud/tests/b.json", Status: "skip", Message: "skipping due to environmental constraints"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parseEvents (-want +got):\n%s", diff)
	}
}
