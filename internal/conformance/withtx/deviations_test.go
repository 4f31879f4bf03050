package withtx

import (
	"strings"

	"github.com/mongotxgen/mongotxgen/runtime"
)

// deviation is where WithTx (or the driver under it) deliberately answers
// otherwise than the specification expects: the runner checks what the
// README documents instead, or leaves the named event fields out, checks
// everything else, and then skips the test saying what it did not check.
type deviation struct {
	row     string   // the README's WithTx table row(s) it relies on
	why     string   // what WithTx does instead
	wantErr error    // withTransaction returns an error matching this where the spec expects success
	ignore  []string // event fields not compared, as the matcher names them (client.events[i].command.key)
	notRun  string   // why the test cannot run at all in this mode
}

func (d *deviation) skipped() string {
	var parts []string
	if d.wantErr != nil {
		parts = append(parts, "instead of withTransaction's success, checked that it returned: "+d.wantErr.Error())
	}
	if len(d.ignore) > 0 {
		parts = append(parts, "not compared: "+strings.Join(d.ignore, ", "))
	}
	return strings.Join(parts, "; ")
}

// endedByCallback is README row 10: WithTx owns the transaction, so a
// callback that commits or aborts it is an error, not a success.
var endedByCallback = &deviation{
	row:     "10",
	why:     "a callback that ends the transaction itself (commitTransaction or abortTransaction) makes WithTx return ErrEndedByCallback instead of nil",
	wantErr: runtime.ErrEndedByCallback,
}

// withTxDeviations are keyed by file and test description.
var withTxDeviations = map[string]*deviation{
	"callback-aborts.json/withTransaction succeeds if callback aborts":                           endedByCallback,
	"callback-aborts.json/withTransaction succeeds if callback aborts with no ops":               endedByCallback,
	"callback-aborts.json/withTransaction still succeeds if callback aborts and runs extra op":   endedByCallback,
	"callback-commits.json/withTransaction succeeds if callback commits":                         endedByCallback,
	"callback-commits.json/withTransaction still succeeds if callback commits and runs extra op": endedByCallback,
	"commit-retry.json/commitTransaction retry only overwrites write concern w option":           noWTimeout,
}

// noWTimeout: WithTx takes the driver's writeconcern.WriteConcern (row 18)
// and retries a commit with the driver's CommitTransaction (row 2), so it
// sends what the driver v2.9.3 sends: its WriteConcern has no wtimeout, so
// the test's wtimeoutMS 5000 cannot be sent; and a retried commit gets
// {w: "majority", wtimeout: 10000}, dropping the j: true the specification
// keeps (session.Client.UpdateCommitTransactionWriteConcern replaces the
// whole write concern; the driver's own runner skips this test, GODRIVER-2016).
var noWTimeout = &deviation{
	row: "2 and 18 (the driver's commit retry and WriteConcern)",
	why: "the driver's v2 WriteConcern has no wtimeout, and its commit retry sends {w: majority, wtimeout: 10000} without the j: true of the first commit",
	ignore: []string{
		"client0.events[1].command.writeConcern.wtimeout",
		"client0.events[2].command.writeConcern.wtimeout", "client0.events[2].command.writeConcern.j",
		"client0.events[3].command.writeConcern.wtimeout", "client0.events[3].command.writeConcern.j",
	},
}

// driverDeviations apply with -driver, where withTransaction is the driver's.
var driverDeviations = map[string]*deviation{
	"commit-retry.json/commitTransaction retry only overwrites write concern w option": noWTimeout,
	"commit-retry.json/commit is not retried after MaxTimeMSExpired error": {
		row:    "17",
		notRun: "the driver's v2 TransactionOptions have no MaxCommitTime: its WithTransaction cannot send maxCommitTimeMS",
	},
}

func deviationFor(key string) *deviation {
	if *driverMode {
		return driverDeviations[key]
	}
	return withTxDeviations[key]
}

// mongotestFaults are tests that fail because runtime/mongotest answers
// otherwise than mongod (the driver's own WithTransaction fails them alike,
// see -driver); on mongotest they are skipped with the failures printed.
var mongotestFaults = map[string]string{}

// unknownKeys returns the keys of the lists above that name no test of
// files: a renamed test must not leave a stale entry that excuses nothing.
func unknownKeys(files []specFile) []string {
	tests := map[string]bool{}
	for _, f := range files {
		for _, tc := range f.Tests {
			tests[f.name+"/"+tc.Description] = true
		}
	}
	var unknown []string
	for _, m := range []map[string]*deviation{withTxDeviations, driverDeviations} {
		for k := range m {
			if !tests[k] {
				unknown = append(unknown, k)
			}
		}
	}
	for k := range mongotestFaults {
		if !tests[k] {
			unknown = append(unknown, k)
		}
	}
	return unknown
}
