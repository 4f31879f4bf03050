package mql

import "fmt"

// Error is a server error as mongod reports it: a numeric code, its symbolic
// name and a human-readable message. The mongotest server sends these fields
// to the client unchanged.
type Error struct {
	Code     int32
	CodeName string
	Message  string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("%s (%d): %s", e.CodeName, e.Code, e.Message)
}

// Server error codes with a symbolic name in mongod. Errors that mongod
// reports under a bare location code (15975, 31254, ...) use the number,
// and their code name is "Location<code>".
const (
	CodeInternalError              = 1
	CodeBadValue                   = 2
	CodeFailedToParse              = 9
	CodeTypeMismatch               = 14
	CodeCannotBackfillArray        = 21
	CodePathNotViable              = 28
	CodeConflictingUpdateOperators = 40
	CodeDollarPrefixedFieldName    = 52
	CodeInvalidIDField             = 53
	CodeNotSingleValueField        = 54
	CodeEmptyFieldName             = 56
	CodeImmutableField             = 66
	CodeInvalidOptions             = 72
	CodeInvalidPipelineOperator    = 168
	CodeMaxSubPipelineDepth        = 232
)

var codeNames = map[int32]string{
	CodeInternalError:              "InternalError",
	CodeBadValue:                   "BadValue",
	CodeFailedToParse:              "FailedToParse",
	CodeTypeMismatch:               "TypeMismatch",
	CodeCannotBackfillArray:        "CannotBackfillArray",
	CodePathNotViable:              "PathNotViable",
	CodeConflictingUpdateOperators: "ConflictingUpdateOperators",
	CodeDollarPrefixedFieldName:    "DollarPrefixedFieldName",
	CodeInvalidIDField:             "InvalidIdField",
	CodeNotSingleValueField:        "NotSingleValueField",
	CodeEmptyFieldName:             "EmptyFieldName",
	CodeImmutableField:             "ImmutableField",
	CodeInvalidOptions:             "InvalidOptions",
	CodeInvalidPipelineOperator:    "InvalidPipelineOperator",
	CodeMaxSubPipelineDepth:        "MaxSubPipelineDepthExceeded",
}

// errorf builds an *Error with the given code; the code name is mongod's, or
// "Location<code>" for codes mongod reports without a symbolic name.
func errorf(code int32, format string, args ...any) *Error {
	name, ok := codeNames[code]
	if !ok {
		name = fmt.Sprintf("Location%d", code)
	}
	return &Error{Code: code, CodeName: name, Message: fmt.Sprintf(format, args...)}
}

// unsupported refuses a feature mongod has but this package does not implement.
func unsupported(format string, args ...any) *Error {
	return errorf(CodeBadValue, format+" is not supported by mongotest", args...)
}
