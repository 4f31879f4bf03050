package mongotest

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

func init() {
	register(command{run: (*Server).configureFailPoint, adminOnly: true, locks: lockNothing}, "configureFailPoint")
}

// failMode is when a fail point fires.
type failMode struct {
	always bool
	times  int // fires left when not always
	skip   int // matching events still to let through
}

// next reports whether the fail point fires for one matching event, and
// whether it is used up after it.
func (m *failMode) next() (fire, done bool) {
	if m.skip > 0 {
		m.skip--
		return false, false
	}
	if m.always {
		return true, false
	}
	m.times--
	return true, m.times <= 0
}

// parseFailMode reads the mode of a configureFailPoint command; off
// reports "off" or {times: 0}.
func parseFailMode(v any) (m failMode, off bool, err *cmdError) {
	switch mode := v.(type) {
	case string:
		switch mode {
		case "off":
			return m, true, nil
		case "alwaysOn":
			m.always = true
			return m, false, nil
		}
		return m, false, errorf(codeBadValue, "unknown fail point mode %q (want \"alwaysOn\", \"off\", {times: n} or {skip: n})", mode)
	case bson.D:
		if len(mode) != 1 {
			return m, false, errorf(codeBadValue, "fail point mode must have exactly one of times or skip")
		}
		n, ok := wholeNumber(mode[0].Value)
		if !ok || n < 0 {
			return m, false, errorf(codeBadValue, "fail point mode %s must be a non-negative integer", mode[0].Key)
		}
		switch mode[0].Key {
		case "times":
			m.times = int(n)
			return m, n == 0, nil
		case "skip":
			m.always, m.skip = true, int(n)
			return m, false, nil
		}
		return m, false, errorf(codeBadValue, "mongotest does not support the fail point mode %q", mode[0].Key)
	}
	return m, false, errorf(codeBadValue, "fail point mode must be a string or a document, not %T", v)
}

// failPoint is the configured failCommand fail point.
type failPoint struct {
	failMode
	commands map[string]bool
	appName  string

	errorCode         int32
	errorLabels       []string
	labelsSet         bool
	closeConnection   bool
	blockConnection   bool
	blockTime         time.Duration
	writeConcernError bson.D
}

// neverFailed are commands the fail point refuses to target: failing them
// would break the driver's monitoring or the fail point itself.
var neverFailed = map[string]bool{"hello": true, "isMaster": true, "ismaster": true, "configureFailPoint": true}

// triggerFailPoint reports the fail point when it fires for command name on c.
func (s *Server) triggerFailPoint(c *conn, name string) *failPoint {
	s.failMu.Lock()
	defer s.failMu.Unlock()
	fp := s.fail
	if fp == nil || !fp.commands[name] || (fp.appName != "" && fp.appName != c.appName) {
		return nil
	}
	fire, done := fp.next()
	if done {
		s.fail = nil
	}
	if !fire {
		return nil
	}
	s.failCount++
	return fp
}

func (s *Server) configureFailPoint(req *request) (bson.D, error) {
	name, _ := req.body[0].Value.(string)
	if name != "failCommand" && name != "onPrimaryTransactionalWrite" {
		return nil, errorf(codeBadValue, "mongotest supports only the failCommand and onPrimaryTransactionalWrite fail points, not %v", req.body[0].Value)
	}
	mode, off, err := parseFailMode(lookup(req.body, "mode"))
	if err != nil {
		return nil, err
	}
	s.failMu.Lock()
	defer s.failMu.Unlock()
	if name == "onPrimaryTransactionalWrite" {
		return s.configureWriteFail(req, mode, off)
	}
	prev := bson.D{{Key: "count", Value: s.failCount}}
	if off {
		s.fail = nil
		return prev, nil
	}
	fp := &failPoint{failMode: mode}
	data, ok := lookup(req.body, "data").(bson.D)
	if !ok {
		return nil, errorf(codeBadValue, "the failCommand fail point needs a data document")
	}
	for _, e := range data {
		switch e.Key {
		case "failCommands":
			list, ok := e.Value.(bson.A)
			if !ok {
				return nil, errorf(codeBadValue, "failCommands must be an array of command names")
			}
			fp.commands = map[string]bool{}
			for _, v := range list {
				name, ok := v.(string)
				if !ok {
					return nil, errorf(codeBadValue, "failCommands must be an array of command names")
				}
				if neverFailed[name] {
					return nil, errorf(codeBadValue, "mongotest's failCommand cannot fail %q", name)
				}
				fp.commands[name] = true
			}
		case "errorCode":
			n, ok := wholeNumber(e.Value)
			if !ok {
				return nil, errorf(codeBadValue, "errorCode must be an integer")
			}
			fp.errorCode = int32(n)
		case "errorLabels":
			list, ok := e.Value.(bson.A)
			if !ok {
				return nil, errorf(codeBadValue, "errorLabels must be an array of strings")
			}
			fp.labelsSet, fp.errorLabels = true, []string{}
			for _, v := range list {
				l, ok := v.(string)
				if !ok {
					return nil, errorf(codeBadValue, "errorLabels must be an array of strings")
				}
				fp.errorLabels = append(fp.errorLabels, l)
			}
		case "closeConnection":
			fp.closeConnection, _ = e.Value.(bool)
		case "blockConnection":
			fp.blockConnection, _ = e.Value.(bool)
		case "blockTimeMS":
			n, ok := wholeNumber(e.Value)
			if !ok || n < 0 {
				return nil, errorf(codeBadValue, "blockTimeMS must be a non-negative integer")
			}
			fp.blockTime = time.Duration(n) * time.Millisecond
		case "writeConcernError":
			wce, ok := e.Value.(bson.D)
			if !ok {
				return nil, errorf(codeBadValue, "writeConcernError must be a document")
			}
			fp.writeConcernError = wce
		case "appName":
			fp.appName, _ = e.Value.(string)
		case "failInternalCommands":
			// There are no internal commands here: nothing to do.
		default:
			return nil, errorf(codeBadValue, "mongotest does not support the failCommand data field %q", e.Key)
		}
	}
	if len(fp.commands) == 0 {
		return nil, errorf(codeBadValue, "the failCommand fail point needs a non-empty failCommands array")
	}
	if fp.blockConnection && fp.blockTime == 0 {
		return nil, errorf(codeBadValue, "blockConnection needs blockTimeMS")
	}
	s.fail = fp
	return prev, nil
}

// withWriteConcernError adds the fail point's writeConcernError to a
// successful reply, with the labels mongod would give it.
func withWriteConcernError(req *request, out bson.D, fp *failPoint) bson.D {
	out = slices.Insert(out, 0, bson.E{Key: "writeConcernError", Value: fp.writeConcernError})
	labels := fp.errorLabels
	if !fp.labelsSet {
		code, _ := wholeNumber(lookup(fp.writeConcernError, "code"))
		if (req.retryable || req.name == "commitTransaction" || req.name == "abortTransaction") && retryableCodes[int32(code)] {
			labels = []string{"RetryableWriteError"}
		}
	}
	if len(labels) > 0 {
		out = append(out, bson.E{Key: "errorLabels", Value: labels})
	}
	return out
}

// FailMode is when a fail point fires: Times(n), Skip(n), AlwaysOn or Off.
// The zero FailMode is AlwaysOn.
type FailMode struct {
	kind string // "times", "skip", "off" or "" (alwaysOn)
	n    int
}

// Times fires the fail point for the next n matching commands, then turns it off.
func Times(n int) FailMode { return FailMode{kind: "times", n: n} }

// Skip lets the next n matching commands through, then fires on every one.
func Skip(n int) FailMode { return FailMode{kind: "skip", n: n} }

// AlwaysOn fires the fail point for every matching command; Off disables it.
var (
	AlwaysOn = FailMode{}
	Off      = FailMode{kind: "off"}
)

func (m FailMode) value() any {
	switch m.kind {
	case "times", "skip":
		return bson.D{{Key: m.kind, Value: int32(m.n)}}
	case "off":
		return "off"
	}
	return "alwaysOn"
}

// WriteConcernError is the writeConcernError a fail point adds to the
// replies of the commands it fires on (the commands themselves succeed).
type WriteConcernError struct {
	Code     int32
	CodeName string
	Errmsg   string
}

// FailPoint is mongod's failCommand fail point document, as a Go value.
// The same value works against mongotest and against a real mongod
// started with enableTestCommands.
type FailPoint struct {
	Mode              FailMode
	Commands          []string // failCommands: the command names it fires on
	ErrorCode         int32    // the code the command fails with; 0: none
	ErrorLabels       []string // nil: the server's default labels; non-nil (even empty): exactly these
	CloseConnection   bool     // close the connection instead of replying
	BlockConnection   bool     // wait BlockTime before running the command
	BlockTime         time.Duration
	WriteConcernError *WriteConcernError
	AppName           string // fire only for clients with this appName
}

// Command is the configureFailPoint command that sets fp.
func (fp FailPoint) Command() bson.D {
	cmd := bson.D{{Key: "configureFailPoint", Value: "failCommand"}, {Key: "mode", Value: fp.Mode.value()}}
	if fp.Mode.kind == "off" {
		return cmd
	}
	data := bson.D{{Key: "failCommands", Value: fp.Commands}}
	if fp.ErrorCode != 0 {
		data = append(data, bson.E{Key: "errorCode", Value: fp.ErrorCode})
	}
	if fp.ErrorLabels != nil {
		data = append(data, bson.E{Key: "errorLabels", Value: fp.ErrorLabels})
	}
	if fp.CloseConnection {
		data = append(data, bson.E{Key: "closeConnection", Value: true})
	}
	if fp.BlockConnection {
		data = append(data, bson.E{Key: "blockConnection", Value: true},
			bson.E{Key: "blockTimeMS", Value: fp.BlockTime.Milliseconds()})
	}
	if w := fp.WriteConcernError; w != nil {
		data = append(data, bson.E{Key: "writeConcernError", Value: bson.D{
			{Key: "code", Value: w.Code}, {Key: "codeName", Value: w.CodeName}, {Key: "errmsg", Value: w.Errmsg},
		}})
	}
	if fp.AppName != "" {
		data = append(data, bson.E{Key: "appName", Value: fp.AppName})
	}
	return append(cmd, bson.E{Key: "data", Value: data})
}

// SetFailPoint runs fp's configureFailPoint command on the admin database.
func SetFailPoint(ctx context.Context, c *mongo.Client, fp FailPoint) error {
	if err := c.Database("admin").RunCommand(ctx, fp.Command()).Err(); err != nil {
		return fmt.Errorf("configureFailPoint failCommand: %w", err)
	}
	return nil
}

// ClearFailPoint turns the failCommand fail point off.
func ClearFailPoint(ctx context.Context, c *mongo.Client) error {
	return SetFailPoint(ctx, c, FailPoint{Mode: Off})
}
