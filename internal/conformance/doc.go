// Package conformance runs MongoDB's own driver specification tests against
// runtime/mongotest and holds the expected outcome of each.
//
// The judge is the Go driver's unified test runner (package
// internal/integration/unified of go.mongodb.org/mongo-driver/v2, built from
// the module cache at the version go.mod requires) given the unified-format
// spec files of ../shared/specs, nine suites: transactions,
// transactions-convenient-api, sessions, crud, retryable-writes,
// retryable-reads, index-management, collection-management and
// command-logging-and-monitoring. It runs against a cmd/mongotest process.
//
// testdata/expected.txt lists, per suite, how many tests pass and every test
// that does not, with its reason:
//
//	refused    mongotest refuses the feature loudly, by design
//	secondary  the test needs a secondary; mongotest is a one-node set
//	mismatch   the driver and the spec disagree; no server passes it
//	todo       not yet implemented in mongotest (the issue is named)
//	version, topology, auth, driver-list, runner
//	           skipped by the runner: the test's runOnRequirements, the
//	           driver's list of known failures, or an operation the runner
//	           does not implement
//
// TestSpecSuites fails on any difference: a new failure, and also a listed
// test that now passes (remove it from the list: the table must stay true).
// To rewrite the file and the README's compatibility table from a run,
// keeping the reasons already written:
//
//	go test ./internal/conformance -run TestSpecSuites -update
//
// go test caches the result like any other: the test imports
// runtime/mongotest so that a change to the server invalidates it, and go
// test also watches testdata/expected.txt and README.md; -count=1 forces a
// run. The driver's server selection timeout is set to 2 s in the URI: the
// few tests that ask for a secondary of the one-node set then fail after 2 s
// instead of 30, with the same outcome (compared test by test).
//
// Without ../shared/specs (a clone of the repository alone) or with -short,
// TestSpecSuites is skipped with a message and the rest of go test ./...
// stays self-contained; TestREADMETable still checks the README against the
// committed file.
package conformance
