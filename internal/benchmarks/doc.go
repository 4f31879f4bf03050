// Package benchmarks measures the code mongotxgen generates against the
// driver code a careful person would write by hand, on the same server and
// the same documents. It has no API: everything is in its _test.go files,
// and the figures, with the commands that reproduce them, are in the
// repository's BENCHMARKS.md.
//
//   - BenchmarkInsert, BenchmarkGet, BenchmarkFind, BenchmarkUpdateByID and
//     BenchmarkCount each run a Generated and a Driver sub-benchmark: the
//     repository of package bank against hand-written calls on a
//     mongo.Collection that send the same commands.
//   - BenchmarkTransfer compares Store.WithTx with the driver's
//     Session.WithTransaction around the same two updates.
//   - BenchmarkContention runs 16 workers transferring among 10 accounts and
//     reports throughput, p50/p99 latency and retries per commit, for WithTx
//     at several backoff settings and for the driver;
//     BenchmarkLightContention does the same with 4 workers among 100
//     accounts.
//
// They run against an in-process runtime/mongotest server, or against the
// replica set MONGOTXGEN_TEST_URI names. TestSameCommands checks that each
// Generated/Driver pair sends the same commands, so that the comparisons
// compare like with like.
package benchmarks
