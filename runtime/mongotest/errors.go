package mongotest

import (
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongotxgen/mongotxgen/runtime/mongotest/internal/mql"
)

// Server error codes used by this package, with mongod's names.
const (
	codeInternalError                  int32 = 1
	codeBadValue                       int32 = 2
	codeFailedToParse                  int32 = 9
	codeUnauthorized                   int32 = 13
	codeTypeMismatch                   int32 = 14
	codeIllegalOperation               int32 = 20
	codeNamespaceNotFound              int32 = 26
	codeIndexNotFound                  int32 = 27
	codeCursorNotFound                 int32 = 43
	codeNamespaceExists                int32 = 48
	codeMaxTimeMSExpired               int32 = 50
	codeInvalidIDField                 int32 = 53
	codeCommandNotFound                int32 = 59
	codeInvalidOptions                 int32 = 72
	codeInvalidNamespace               int32 = 73
	codeIndexOptionsConflict           int32 = 85
	codeIndexKeySpecsConflict          int32 = 86
	codeShutdownInProgress             int32 = 91
	codeWriteConflict                  int32 = 112
	codeCommandNotSupported            int32 = 115
	codeConflictingOperationInProgress int32 = 117
	codeTransactionTooOld              int32 = 225
	codeNoSuchTransaction              int32 = 251
	codeTransactionCommitted           int32 = 256
	codeOperationNotSupportedInTx      int32 = 263
	codeDuplicateKey                   int32 = 11000
)

// codeNames are mongod's names of the codes this server reports or a fail
// point may inject, as in mongod's src/mongo/base/error_codes.yml (code 64
// is WriteConcernTimeout there, formerly WriteConcernFailed). A code not
// listed is a location code: mongod names it "Location<code>".
var codeNames = map[int32]string{
	1: "InternalError", 2: "BadValue", 4: "NoSuchKey", 6: "HostUnreachable", 7: "HostNotFound",
	8: "UnknownError", 9: "FailedToParse", 11: "UserNotFound", 13: "Unauthorized", 14: "TypeMismatch",
	15: "Overflow", 17: "ProtocolError", 20: "IllegalOperation", 22: "InvalidBSON", 24: "LockTimeout",
	26: "NamespaceNotFound", 27: "IndexNotFound", 28: "PathNotViable", 30: "InvalidPath",
	40: "ConflictingUpdateOperators", 43: "CursorNotFound", 48: "NamespaceExists",
	50: "MaxTimeMSExpired", 51: "ManualInterventionRequired", 52: "DollarPrefixedFieldName",
	53: "InvalidIdField", 54: "NotSingleValueField", 56: "EmptyFieldName", 57: "DottedFieldName",
	59: "CommandNotFound", 64: "WriteConcernTimeout", 66: "ImmutableField", 72: "InvalidOptions",
	73: "InvalidNamespace", 79: "UnknownReplWriteConcern", 85: "IndexOptionsConflict",
	86: "IndexKeySpecsConflict", 89: "NetworkTimeout", 91: "ShutdownInProgress", 96: "OperationFailed",
	100: "UnsatisfiableWriteConcern", 112: "WriteConflict", 115: "CommandNotSupported",
	117: "ConflictingOperationInProgress", 121: "DocumentValidationFailure", 125: "CommandFailed",
	134: "ReadConcernMajorityNotAvailableYet", 168: "InvalidPipelineOperator",
	189: "PrimarySteppedDown", 206: "NoSuchSession", 223: "IllegalOpMsgFlag", 225: "TransactionTooOld",
	233: "TooManyDocumentSequences", 237: "CursorKilled", 238: "NotImplemented", 239: "SnapshotTooOld",
	246: "SnapshotUnavailable", 251: "NoSuchTransaction", 256: "TransactionCommitted",
	260: "InvalidResumeToken", 280: "ChangeStreamFatalError", 286: "ChangeStreamHistoryLost",
	257: "TransactionTooLarge", 261: "TooManyLogicalSessions", 262: "ExceededTimeLimit",
	263: "OperationNotSupportedInTransaction", 267: "PreparedTransactionInProgress",
	288: "ChecksumMismatch", 290: "TransactionExceededLifetimeLimitSeconds",
	317: "ConnectionPoolExpired", 352: "UnsupportedOpQueryCommand",
	358: "InternalTransactionNotSupported", 359: "CannotConvertIndexToUnique",
	365: "TemporarilyUnavailable", 384: "ConnectionError", 402: "ResourceExhausted",
	407: "PooledConnectionAcquisitionExceededTimeLimit", 412: "UpdatesStillPending",
	433: "AdmissionQueueOverflow", 449: "RateLimitExceeded",
	450: "PooledConnectionAcquisitionRejected", 453: "InterruptedDueToReshardingCriticalSection",
	462: "IngressRequestRateLimitExceeded", 9001: "SocketException", 10058: "LegacyNotPrimary",
	10107: "NotWritablePrimary", 10334: "BSONObjectTooLarge", 11000: "DuplicateKey",
	11600: "InterruptedAtShutdown", 11601: "Interrupted", 11602: "InterruptedDueToReplStateChange",
	13388: "StaleConfig", 13435: "NotPrimaryNoSecondaryOk", 13436: "NotPrimaryOrSecondary",
	40413: "IDLDuplicateField", 40414: "IDLFailedToParse", 40415: "IDLUnknownField",
	50768: "NotARetryableWriteCommand", 50915: "BackupCursorOpenConflictWithCheckpoint",
	91331: "RetriableRemoteCommandFailure", 10045600: "InterruptedDueToFCVChange",
}

// retryableCodes are the codes the retryable-writes specification retries;
// mongod labels them RetryableWriteError on retryable writes.
var retryableCodes = map[int32]bool{
	6: true, 7: true, 89: true, 91: true, 134: true, 189: true, 262: true, 9001: true,
	10107: true, 11600: true, 11602: true, 13435: true, 13436: true,
}

// transientTxnCodes get TransientTransactionError when they fail a
// statement or the commit of a transaction, as mongod's
// isTransientTransactionError gives it: WriteConflict, LockTimeout,
// NoSuchTransaction, PreparedTransactionInProgress and the snapshot errors
// SnapshotTooOld and SnapshotUnavailable.
var transientTxnCodes = map[int32]bool{112: true, 24: true, 251: true, 267: true, 239: true, 246: true}

// codeName is mongod's name for code; codes without one are named after
// their number, as mongod names its location codes ("Location40324").
func codeName(code int32) string {
	if n, ok := codeNames[code]; ok {
		return n
	}
	return fmt.Sprintf("Location%d", code)
}

// cmdError is a command failure as reported to the client: ok:0 with code,
// codeName, errmsg and errorLabels.
type cmdError struct {
	Code   int32
	Name   string // codeName; empty: codeName(Code)
	Msg    string
	Labels []string
	// labelsSet means Labels replace the defaults (a fail point's errorLabels).
	labelsSet bool
	// asWriteError reports the error in writeErrors rather than as the
	// command's own failure (duplicate keys, bad updates).
	asWriteError bool
	// extra fields appended to a write error (keyPattern, keyValue).
	extra bson.D
}

func (e *cmdError) Error() string { return fmt.Sprintf("(%s) %s", e.codeName(), e.Msg) }

func (e *cmdError) codeName() string {
	if e.Name != "" {
		return e.Name
	}
	return codeName(e.Code)
}

func errorf(code int32, format string, args ...any) *cmdError {
	return &cmdError{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// asCmdError converts err, which may be an *mql.Error, to a *cmdError.
func asCmdError(err error) *cmdError {
	var ce *cmdError
	if errors.As(err, &ce) {
		return ce
	}
	var me *mql.Error
	if errors.As(err, &me) {
		return &cmdError{Code: me.Code, Name: me.CodeName, Msg: me.Message}
	}
	return &cmdError{Code: codeInternalError, Msg: err.Error()}
}

// fromMQL marks errors from applying the query language to a document as
// write errors, as mongod reports them.
func fromMQL(err error) *cmdError {
	ce := asCmdError(err)
	ce.asWriteError = true
	return ce
}
