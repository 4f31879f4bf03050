package main

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestExample runs the whole example against an embedded mongotest server,
// and against MONGOTXGEN_TEST_URI when it is set, and checks what the report
// says happened.
func TestExample(t *testing.T) {
	t.Run("mongotest", func(t *testing.T) {
		checkReport(t, runExample(t))
	})
	t.Run("replicaset", func(t *testing.T) {
		uri := os.Getenv("MONGOTXGEN_TEST_URI")
		if uri == "" {
			t.Skip("set MONGOTXGEN_TEST_URI=mongodb://host:port/?replicaSet=NAME to run the example against a real replica set")
		}
		db := fmt.Sprintf("mongotxgen_example_test_%d", time.Now().UnixNano())
		checkReport(t, runExample(t, "-uri", uri, "-db", db))
	})
}

func runExample(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(append(args, "-workers", "4", "-transfers", "10"), &stdout, &stderr); code != 0 {
		t.Fatalf("run exited %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	return stdout.String()
}

func checkReport(t *testing.T, out string) {
	t.Helper()
	want := []string{
		"ann orders 2×widget + 1×gadget: committed, total 17.00",
		"bob orders 1×gadget + 100×widget: rolled back: out of stock: widget: 100 ordered, 8 left",
		"ann orders 3×gadget: rolled back: insufficient funds: ann cannot pay 3600",
		"ann orders 1×widget: committed, total 2.50",
		// Stock and order count prove the rolled-back orders left nothing behind.
		"afterwards: 2 orders stored; stock gadget 4, widget 7",
		"tagged small: widget; orders with a line of 2 or more widgets: 1",
		"ann cancels her order of 1×widget: 1 order listed, 2 stored; restored: 2 listed",
		"revenue by customer ($lookup into accounts): ann, 2 orders, 19.50; balance left 30.50",
		"4 workers × 10 transfers among 5 accounts: 40 committed in",
		"total balance: 5000.00 before, 5000.00 after: conserved",
		"sent: order for ann, total 17.00\n   sent: order for ann, total 2.50\n\n4.",
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("report lacks %q\nreport:\n%s", w, out)
		}
	}
	if strings.Contains(out, "skipped: the server refuses fail points") {
		return // a real server without test commands: nothing more to check
	}
	fault := regexp.MustCompile(`attempt 1: WriteConflict \[TransientTransactionError\] at \w+, retrying\n\s+attempt 2: committed\n\s+order stored 1 time\(s\); confirmations sent for it: 1`)
	if !fault.MatchString(out) {
		t.Errorf("fault demo did not retry once and commit once\nreport:\n%s", out)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{"-nope"}, {"extra"}, {"-workers", "0"}} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 2 {
			t.Errorf("run(%q) = %d, want 2", args, code)
		}
		if stderr.Len() == 0 {
			t.Errorf("run(%q) printed no usage", args)
		}
	}
}
