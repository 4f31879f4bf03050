package mongotest

import (
	"go.mongodb.org/mongo-driver/v2/bson"
)

// writeFailPoint is mongod's onPrimaryTransactionalWrite fail point: it
// fires on the statements of retryable writes. By default the statement
// commits and then the connection closes, so the client cannot know
// whether its write happened and retries it; with
// failBeforeCommitExceptionCode the statement fails with that code before
// it commits, nothing of it applied.
type writeFailPoint struct {
	failMode
	closeConnection  bool
	failBeforeCommit int32
}

// writeFailState is the configured onPrimaryTransactionalWrite fail point
// (nil: off) and how many times it fired since the server started.
type writeFailState struct {
	fp    *writeFailPoint
	count int64
}

// fireWriteFail is the onPrimaryTransactionalWrite fail point when it
// fires for one statement, before (failBeforeCommitExceptionCode) or after
// the statement commits; nil when it does not.
func (s *Server) fireWriteFail(before bool) *writeFailPoint {
	s.failMu.Lock()
	defer s.failMu.Unlock()
	fp := s.writeFail.fp
	if fp == nil || (fp.failBeforeCommit != 0) != before || !s.writeFail.fire() {
		return nil
	}
	return fp
}

// fire reports whether the fail point fires for one statement.
func (w *writeFailState) fire() bool {
	if w.fp == nil {
		return false
	}
	fire, done := w.fp.next()
	if done {
		w.fp = nil
	}
	if fire {
		w.count++
	}
	return fire
}

// configureWriteFail runs with failMu held.
func (s *Server) configureWriteFail(req *request, mode failMode, off bool) (bson.D, error) {
	prev := bson.D{{Key: "count", Value: s.writeFail.count}}
	if off {
		s.writeFail.fp = nil
		return prev, nil
	}
	fp := &writeFailPoint{failMode: mode, closeConnection: true}
	data, _ := lookup(req.body, "data").(bson.D)
	for _, e := range data {
		switch e.Key {
		case "closeConnection":
			b, ok := e.Value.(bool)
			if !ok {
				return nil, errorf(codeTypeMismatch, "closeConnection must be a boolean")
			}
			fp.closeConnection = b
		case "failBeforeCommitExceptionCode":
			n, ok := wholeNumber(e.Value)
			if !ok || n == 0 {
				return nil, errorf(codeBadValue, "failBeforeCommitExceptionCode must be a non-zero error code")
			}
			fp.failBeforeCommit = int32(n)
		default:
			return nil, errorf(codeBadValue, "mongotest does not support the onPrimaryTransactionalWrite data field %q", e.Key)
		}
	}
	s.writeFail.fp = fp
	return prev, nil
}
