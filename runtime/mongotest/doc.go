// Package mongotest is an in-process MongoDB server for tests. It speaks the
// MongoDB wire protocol on 127.0.0.1, so the real go.mongodb.org/mongo-driver/v2
// runs against it unmodified, and it presents itself as the primary of a
// one-member replica set ("rs0", MongoDB 8.0, wire version 25) so that
// sessions, multi-document transactions, retryable writes and fail points work
// as they do against mongod.
//
// It is a test double, never a database: what it does not implement it
// refuses with an error naming the thing refused (code 2 BadValue,
// 59 CommandNotFound or 115 CommandNotSupported), never with a silently wrong
// answer.
//
// # Use
//
//	srv := mongotest.NewServer(t) // closed when the test ends
//	client, err := mongo.Connect(options.Client().ApplyURI(srv.URI()))
//
// URI is "mongodb://127.0.0.1:PORT/?replicaSet=rs0"; adding
// "&directConnection=true" works too. Every server listens on its own random
// port, so tests may run many at once. Start and StartWith (for Options such
// as TransactionLifetime) return a server to Close yourself; Close stops every
// goroutine and closes every connection. There is no authentication (a URI
// with credentials fails: saslStart is not a command here), no TLS and no
// compression.
//
// The streaming monitor's hello is held at most 100 ms rather than mongod's
// maxAwaitTimeMS: after a fail point returns a "not primary" or "shutting
// down" code, the driver waits for that reply before it trusts the server
// again, so recovery costs at most 100 ms.
//
// Options.Port and Options.ReplicaSet choose the port and the set's name;
// cmd/mongotest serves a server outside a Go test.
//
// # Limits
//
// Hostile or mistaken input fails as on mongod, never by crashing the test
// process or growing its memory without bound: a request document nested
// more than 200 levels below its top (mongod's maxBSONDepth) fails with 15
// Overflow, checked without recursion; one larger than 16 MiB + 16 KiB with
// 10334 BSONObjectTooLarge. A stored document may be 16 MiB
// (maxBsonObjectSize) and 180 levels deep; beyond, the write fails (2
// BadValue or 17419 for size, 15 Overflow for depth), and so does an _id
// holding a $-prefixed field name (52 DollarPrefixedFieldName). A
// collection name that is empty, has a leading, trailing or doubled dot, or
// makes "db.collection" longer than 255 bytes fails with 73
// InvalidNamespace. An OP_MSG with a document sequence given twice, or also
// present in its body, fails with 40431 or 40433. A legacy OP_QUERY on a
// collection (not a command) gets mongod's OP_REPLY with QueryFailure and
// code 5739101. A message's memory grows with the bytes that arrive, not
// with the length its header announces, and messages over 64 KiB share a
// budget of four maximal messages (4 × 48 MB) across connections, held
// until they are answered: others wait for their turn. The budget counts
// bytes on the wire; decoded, a message of tiny fields is larger (16 MiB of
// {a: null, ...} holds 355 MB of heap while it is handled).
//
// A framed message that is malformed inside gets mongod's error and the
// connection goes on: invalid BSON 22 InvalidBSON, two body sections 40430,
// an unknown section kind 40432, no body 40587. One whose frame cannot be
// trusted closes the connection without a reply, as on mongod: a length out
// of range, an unknown opcode (OP_COMPRESSED too: no compressor is
// advertised), an unknown required flag bit, a checksum mismatch.
//
// # Commands
//
// hello/isMaster (also the legacy OP_QUERY handshake and the streaming,
// exhaustAllowed monitor), ping, buildInfo, endSessions, killSessions,
// killAllSessions, listDatabases, listCollections, create, drop,
// dropDatabase, insert, find, getMore, killCursors, update, delete,
// findAndModify, aggregate, count, distinct, bulkWrite, createIndexes,
// listIndexes, dropIndexes, commitTransaction, abortTransaction,
// configureFailPoint and getParameter ("*" or by name:
// featureCompatibilityVersion, maxBSONDepth, transactionLifetimeLimitSeconds
// and a few more). Any other command fails with 59 CommandNotFound
// "no such command: 'x'".
//
// bulkWrite is MongoDB 8.0's client bulk write (the driver's
// Client.BulkWrite): inserts, updates and deletes on any namespaces of nsInfo,
// ordered or not, each result (or, with errorsOnly, each error) returned
// through a cursor on admin.$cmd.bulkWrite, at most 100000 operations.
//
// The query language has the comparison, logical, element and array
// operators, $regex and $expr, with dotted paths, array matching and BSON's
// cross-type order; updates have $set, $unset, $inc, $mul, $min, $max,
// $rename, $setOnInsert, $currentDate, $push, $addToSet, $pull and $pop, on
// plain paths or positional ones ("a.$", "a.$[]", "a.$[id]" with
// arrayFilters), or are pipelines of $set/$addFields, $unset, $project and
// $replaceRoot/$replaceWith; sorts may have several keys; projections include
// or exclude; aggregation has $match, $sort, $skip, $limit, $project, $group,
// $count, $unwind, $documents, $listLocalSessions (database aggregates), a
// final $out or $merge (on _id), $facet, $sortByCount and $lookup, both the
// localField/foreignField form and the let/pipeline form, whose sub-pipeline
// reads the foreign collection in the aggregate's own transaction and
// snapshot, and a few more stages. Expressions are field
// paths, variables ($$ROOT, $$CURRENT, $$REMOVE, $$NOW and the command's let),
// constants, $literal, the comparisons, $and/$or/$not, $add, $subtract,
// $multiply, $cond, $ifNull, $concat, $in, $size, $rand, $getField, $setField
// and $unsetField ($expr takes only those that cannot fail on a document).
// let works wherever mongod takes it (find, aggregate, update, delete,
// findAndModify, bulkWrite); update sort picks the document an updateOne
// changes. An operator or stage outside these is refused by name.
//
// A collation is computed exactly where it can be without ICU: locale "en"
// or "en_US" at strength 1 to 3 with default options, on strings of ASCII
// letters, digits and spaces, in filters, sorts, distinct, counts, updates,
// deletes, findAndModify and aggregates that start with $match; any other
// collation, string or use is refused naming what.
//
// Options that would change a command's meaning and are not implemented are
// refused: collations beyond those, a hint naming no existing index (a
// valid hint is accepted: hints choose plans, not results), min/max,
// returnKey, showRecordId, tailable cursors (change streams aside), capped
// collections, validators, views, text and geo indexes. A partial index
// (partialFilterExpression) holds the documents its filter matches, which
// is checked as mongod checks it (equalities, null included, $lt, $lte,
// $gt, $gte, $type, $exists: true, a top-level $and); queries do not read
// it (a scan answers them). Harmless fields
// are accepted and ignored: $db, lsid, $clusterTime, $readPreference,
// apiVersion, comment, readConcern (local, majority; afterClusterTime
// always holds on one node; snapshot: see below),
// bypassDocumentValidation, allowDiskUse. A writeConcern of w 0, 1 or
// "majority" is acknowledged; one that a single node cannot satisfy (w above
// 1, an unknown tag) gets mongod's writeConcernError, the write applied.
// maxTimeMS bounds the time a write waits for a document held by a
// transaction (then 50 MaxTimeMSExpired).
//
// Documents missing an _id get an ObjectID, placed first as mongod does.
// An update or delete statement that changes several documents applies all
// of its changes or, on an error such as a duplicate key, none (mongod
// keeps the changes made before the failing document).
// Unique index violations are reported exactly as mongod reports them:
// code 11000 DuplicateKey with keyPattern, keyValue and the
// "E11000 duplicate key error collection: db.coll index: name dup key: { ... }"
// message. expireAfterSeconds is stored and listed, but documents never
// expire.
//
// # Indexes and queries
//
// Indexes are ordered and used: a filter whose top-level conjunction pins
// an index's leading fields by equality or $in, and may bound the next by
// $gt, $gte, $lt or $lte, reads only that index's entries; {_id: v} and
// {_id: {$in: […]}}, whatever else the filter holds, read the _id index.
// A sort on an index's fields reads the index in order instead of sorting,
// and a limit then stops the read early (so does a limit on a scan in
// natural order). A count with no filter is O(1); CountDocuments and other
// counts use the index as find does, as does an aggregation's leading
// $match. Answers are always exactly a collection scan's, in the scan's
// order when no sort is given: index entries only propose documents, each
// re-checked against the version the reader sees and the whole filter.
// Null, array, document, regex, NaN and decimal operands, $or, and paths
// with a positional part are answered by a scan. explain is refused.
//
// # Transactions
//
// A transaction reads the snapshot taken at its first statement plus its own
// writes; its writes become visible to others atomically at commit. Writes
// follow first-writer-wins: writing a document another open transaction has
// written, or one committed after the snapshot, fails with 112 WriteConflict
// labelled TransientTransactionError, and aborts the transaction. Any error
// aborts the transaction; its later statements get 251 NoSuchTransaction
// (TransientTransactionError). commitTransaction is idempotent for a committed
// transaction and fails with 251 after an abort. An older txnNumber gets 225
// TransactionTooOld; starting a newer transaction aborts the session's open
// one, and so does ending the session. A transaction older than
// Options.TransactionLifetime (default 60 s) is aborted. Unique indexes are
// enforced against the snapshot plus own writes, and checked again at commit.
//
// A write outside a transaction to a document a transaction holds waits until
// that transaction ends, as mongod's does, bounded by maxTimeMS. A
// collection a transaction creates (create, createIndexes, or an insert or
// upsert into a missing collection) is seen only by that transaction until it
// commits, and forgotten if it aborts; another transaction creating or
// writing the same namespace meanwhile gets 112 WriteConflict, a command
// outside a transaction waits for the creator. Inside a transaction,
// createIndexes builds indexes only on a collection it creates (an existing
// one fails with 263 OperationNotSupportedInTransaction), as on mongod.
// drop waits for transactions that hold documents of the collection or
// create it. A statement of a transaction on a collection dropped after its
// snapshot fails with 246 SnapshotUnavailable (TransientTransactionError)
// and aborts it: the collection at that snapshot is no longer known.
//
// # Concurrency
//
// Commands run in parallel, locked like mongod's: a write statement holds
// its collection exclusively, a read holds it shared, so reads and writes of
// other collections never wait for it; catalog changes (create, drop,
// dropDatabase, createIndexes, dropIndexes, $out, $merge, an insert that
// creates its collection) hold the whole catalog. A command that reads or
// writes several collections ($lookup, bulkWrite, commitTransaction) takes
// them in name order; one session runs one command at a time. A commit takes
// one cluster time for all it writes, so no read sees part of a commit.
//
// # Snapshot reads
//
// find, aggregate and distinct under readConcern snapshot outside a
// transaction read what was committed at atClusterTime, or now when it is
// absent, and their replies carry that atClusterTime (in the cursor, or at
// the top for distinct), as mongod's do; a transaction may start at an
// atClusterTime too. Superseded versions stay readable for
// Options.SnapshotHistory (default 60 s, mongod's
// minSnapshotHistoryWindowInSeconds); an older time fails with 239
// SnapshotTooOld, a future one with 2 BadValue, and a collection dropped
// since the time with 246 SnapshotUnavailable. Every other command under
// readConcern snapshot outside a transaction (writes, count, listCollections,
// listIndexes, listDatabases) fails with 72 InvalidOptions, as on mongod.
//
// # Change streams
//
// An aggregate whose pipeline starts with $changeStream watches a
// collection, a database (aggregate: 1) or, on admin with
// allChangesForCluster, every database but admin, config and local
// (collection.Watch, database.Watch and client.Watch in the driver). Its
// events are insert, update (updateDescription with updatedFields,
// removedFields and truncatedArrays, computed as the difference of the
// documents: where an update $sets a whole sub-document, mongod may list
// it whole where mongotest lists the paths that changed inside it),
// replace, delete, drop, dropDatabase and invalidate (after the drop of a
// collection stream's collection or of a database stream's database; the
// cursor then ends), shaped as mongod's, with _id resume tokens,
// clusterTime, wallTime, ns and documentKey. Writes appear where they
// commit: a transaction's at its commit, in statement order, all at the
// commit's time and with its lsid and txnNumber. fullDocument default and
// updateLookup (the document as it is when the event is read, null when
// gone), resumeAfter, startAfter (also after an invalidate) and
// startAtOperationTime work; $match, $project, $addFields, $set, $unset,
// $replaceRoot, $replaceWith and $redact may follow, and a stage that
// changes the _id fails the stream with 280 ChangeStreamFatalError. getMore
// waits up to its maxTimeMS (1 s without) for an event and every batch
// carries postBatchResumeToken. There are no pre- or post-images:
// fullDocument whenAvailable or required, fullDocumentBeforeChange other
// than off, and showExpandedEvents are refused with 2 BadValue. Changes are
// kept for Options.SnapshotHistory, at most 65536 of them; resuming from an
// older point, or reading a stream that fell behind, fails with 286
// ChangeStreamHistoryLost.
//
// Retryable writes (insert, update, delete, findAndModify with lsid and
// txnNumber outside a transaction) are applied once per statement, as
// mongod's statement ids make them: a retry with the same txnNumber gets the
// replies of the statements that succeeded back, without applying them
// again, and runs the others.
//
// # Fail points
//
// configureFailPoint supports mongod's failCommand fail point: modes
// {times: n}, {skip: n}, "alwaysOn" and "off", and data fields failCommands,
// errorCode, errorLabels, closeConnection, blockConnection with blockTimeMS,
// writeConcernError and appName. Without errorLabels a failure gets the labels
// mongod would give it (TransientTransactionError inside a transaction for
// transient codes, RetryableWriteError on retryable writes for retryable
// codes; on commitTransaction, TransientTransactionError for a write
// conflict, NoSuchTransaction, SnapshotUnavailable, SnapshotTooOld or
// PreparedTransactionInProgress and RetryableWriteError for retryable codes);
// errorLabels, even empty, replace them. As on mongod, the fail point fires
// before the command reaches its session: an injected failure leaves the
// transaction as it was (open, or not yet started), so the statement or
// commit can be sent again. It never fires on hello or
// isMaster (asking for that is refused) and any other fail point name is
// refused, except onPrimaryTransactionalWrite: it fires on the statements of
// retryable writes (same modes); by default the statement commits and then
// the connection closes without a reply (the "did my write happen?" case),
// with data failBeforeCommitExceptionCode the statement fails with that code
// and nothing of it is applied, and closeConnection: false keeps the
// connection open. FailPoint, SetFailPoint and ClearFailPoint issue the real wire
// command, so tests using them also run against a mongod started with
// enableTestCommands=1:
//
//	// The next commit fails as if the primary stepped down mid-commit.
//	err := mongotest.SetFailPoint(ctx, client, mongotest.FailPoint{
//		Mode:      mongotest.Times(1),
//		Commands:  []string{"commitTransaction"},
//		ErrorCode: 189, // PrimarySteppedDown: labelled RetryableWriteError
//	})
//	defer mongotest.ClearFailPoint(ctx, client)
package mongotest
