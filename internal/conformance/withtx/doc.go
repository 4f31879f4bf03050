// Package withtx runs MongoDB's convenient-transactions specification tests
// (the transactions-convenient-api suite, unified format) with every
// withTransaction operation sent through runtime.WithTx, so that WithTx
// itself, not only the driver's Session.WithTransaction, is held to the
// specification's expected commands, errors and collection contents.
//
//	go test ./internal/conformance/withtx            # WithTx, against mongotest (and MONGOTXGEN_TEST_URI)
//	go test ./internal/conformance/withtx -driver    # the same files through the driver's WithTransaction
//
// The files are read at test time from
// ../shared/specs/source/transactions-convenient-api/tests/unified (they
// are not part of this repository, whose licence differs); without them
// the test is skipped with a message. Each test runs as
// TestConvenientAPISpec/<backend>/<file>/<description>, against
// runtime/mongotest and, when MONGOTXGEN_TEST_URI names a replica set
// (internal/testenv), against it too.
//
// # What the runner does
//
// It implements the part of the unified test format the suite uses:
// runOnRequirements (server version, topology), createEntities (clients
// with observeEvents, ignoreCommandMonitoringEvents and uriOptions;
// databases; collections; sessions with causalConsistency and
// defaultTransactionOptions), initialData, the operations withTransaction
// (with its callback and readConcern, writeConcern, readPreference and
// maxCommitTimeMS), startTransaction, commitTransaction, abortTransaction,
// endSession, insertOne, and the testRunner's failPoint, targetedFailPoint
// and createEntities; expectResult, expectError (isError, isClientError,
// errorContains, errorCode, errorCodeName, errorLabelsContain,
// errorLabelsOmit), ignoreResultAndError, expectEvents of
// commandStartedEvent (command, commandName, databaseName), and outcome.
// Matching follows the format: extra keys only in root documents, numbers
// equal across int32, int64 and double, and the operators $$exists,
// $$unsetOrMatches, $$sessionLsid and $$type. Anything else the runner
// meets fails the test saying it is not implemented, never passes it.
//
// withTransaction on session S calls
//
//	runtime.WithTx(ctx, S.Client(), callback, options..., runtime.WithSession(S))
//
// WithSession makes every attempt run on the test's session, whose lsid and
// txnNumber the expected commands name. The callback runs its operations in
// order with the context WithTx gives it and returns the first operation's
// error, also an expected one, as the driver's own unified runner does
// (that is how a test makes the callback fail). Clients are built with
// runtime.CommandMonitor, which WithTx's documentation asks for with plain
// driver calls (README WithTx table, row 9); without it, the
// NoSuchTransaction test of commit-transienttransactionerror.json fails by
// design: WithTx gives up on the second unexplained NoSuchTransaction. The
// operations' context has no deadline, as in the specification's setting:
// with one, the driver sends maxTimeMS on every command and leaves out the
// wtimeout the tests expect on a retried commit.
//
// # What it skips, and why
//
// Where WithTx deliberately answers otherwise (withTxDeviations), the runner
// checks what the README documents instead, checks every other expectation,
// and then skips the test saying what it did not check and which row of the
// README's WithTx table it relies on:
//
//   - callback-aborts.json (3 tests), callback-commits.json (2 tests): the
//     callback commits or aborts the transaction itself; the specification
//     expects withTransaction to succeed, WithTx returns
//     runtime.ErrEndedByCallback (row 10), which the runner checks. The
//     commands sent and the collection's contents are those expected.
//   - commit-retry.json "commitTransaction retry only overwrites write
//     concern w option": WithTx takes the driver's WriteConcern (row 18)
//     and retries the commit with the driver's CommitTransaction (row 2);
//     the driver's v2 WriteConcern has no wtimeout, and its retried commit
//     sends {w: "majority", wtimeout: 10000}, dropping the test's j: true.
//     Those fields of the four commitTransaction commands are not compared
//     (the driver's own runner skips the whole test, GODRIVER-2016).
//
// A test listed in mongotestFaults fails because runtime/mongotest answers
// otherwise than mongod (the -driver run fails it the same way); on
// mongotest it is skipped with the failures printed, and fails as soon as
// it passes, so that the list stays true. Against a real server nothing is
// excused. Today the list is empty.
//
// Every other test of the suite passes through WithTx.
package withtx
