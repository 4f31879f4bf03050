package withtx

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// matcher compares actual BSON values with expected ones by the unified
// test format's rules ("Evaluating Matches"): extra keys are allowed in a
// root document only, numbers of different types are equal when their
// values are, and $$-operators stand for conditions on the actual value.
type matcher struct {
	lsids map[string]bson.Raw // session entity ID → its lsid, for $$sessionLsid
	// ignored lists paths (as printed in mismatches, e.g.
	// "command.writeConcern.wtimeout") that are not compared, because
	// WithTx or the driver deliberately differs there (see deviations).
	ignored []string
}

// absent is the actual value of a key that is not there.
var absent bson.RawValue

// match returns nil when act matches exp, else an error naming the path of
// the first difference.
func (m *matcher) match(path string, exp, act bson.RawValue, root bool) error {
	if doc, ok := exp.DocumentOK(); ok {
		if op, arg, isOp := operator(doc); isOp {
			return m.matchOperator(path, op, arg, act, root)
		}
		return m.matchDocument(path, doc, act, root)
	}
	if act.Type == 0 {
		return fmt.Errorf("%s: missing, want %v", path, exp)
	}
	if arr, ok := exp.ArrayOK(); ok {
		return m.matchArray(path, arr, act)
	}
	if x, ok := number(exp); ok {
		if y, ok := number(act); ok && x == y {
			return nil
		}
		return fmt.Errorf("%s: got %v, want %v", path, act, exp)
	}
	if exp.Type != act.Type || !bytes.Equal(exp.Value, act.Value) {
		return fmt.Errorf("%s: got %v, want %v", path, act, exp)
	}
	return nil
}

// operator reports whether doc is a $$-operator: a document of one key
// that starts with "$$".
func operator(doc bson.Raw) (name string, arg bson.RawValue, ok bool) {
	elems, err := doc.Elements()
	if err != nil || len(elems) != 1 || !strings.HasPrefix(elems[0].Key(), "$$") {
		return "", bson.RawValue{}, false
	}
	return elems[0].Key(), elems[0].Value(), true
}

func (m *matcher) matchOperator(path, op string, arg, act bson.RawValue, root bool) error {
	switch op {
	case "$$exists":
		want, ok := arg.BooleanOK()
		if !ok {
			return fmt.Errorf("%s: $$exists needs a boolean, got %v", path, arg)
		}
		if got := act.Type != 0; got != want {
			return fmt.Errorf("%s: exists is %v, want %v (value %v)", path, got, want, act)
		}
		return nil
	case "$$unsetOrMatches":
		if act.Type == 0 {
			return nil
		}
		return m.match(path, arg, act, root)
	case "$$sessionLsid":
		id, _ := arg.StringValueOK()
		lsid, ok := m.lsids[id]
		if !ok {
			return fmt.Errorf("%s: $$sessionLsid names no session entity %q", path, arg)
		}
		return m.match(path, bson.RawValue{Type: bson.TypeEmbeddedDocument, Value: lsid}, act, false)
	case "$$type":
		return matchType(path, arg, act)
	}
	return fmt.Errorf("%s: operator %s is not implemented by this runner", path, op)
}

func (m *matcher) matchDocument(path string, exp bson.Raw, act bson.RawValue, root bool) error {
	actDoc, ok := act.DocumentOK()
	if !ok {
		return fmt.Errorf("%s: got %v, want a document %v", path, act, exp)
	}
	elems, _ := exp.Elements()
	keys := make([]string, 0, len(elems))
	for _, e := range elems {
		keys = append(keys, e.Key())
		p := join(path, e.Key())
		if slices.Contains(m.ignored, p) {
			continue
		}
		if err := m.match(p, e.Value(), actDoc.Lookup(e.Key()), false); err != nil {
			return err
		}
	}
	if root {
		return nil
	}
	actElems, _ := actDoc.Elements()
	for _, e := range actElems {
		if p := join(path, e.Key()); !slices.Contains(keys, e.Key()) && !slices.Contains(m.ignored, p) {
			return fmt.Errorf("%s: unexpected key (value %v) in a nested document", p, e.Value())
		}
	}
	return nil
}

func (m *matcher) matchArray(path string, exp bson.RawArray, act bson.RawValue) error {
	actArr, ok := act.ArrayOK()
	if !ok {
		return fmt.Errorf("%s: got %v, want an array", path, act)
	}
	want, _ := exp.Values()
	got, _ := actArr.Values()
	if len(got) != len(want) {
		return fmt.Errorf("%s: %d elements, want %d: got %v, want %v", path, len(got), len(want), act, exp)
	}
	for i := range want {
		if err := m.match(fmt.Sprintf("%s[%d]", path, i), want[i], got[i], false); err != nil {
			return err
		}
	}
	return nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// number returns v's numeric value for the types the format treats as one
// (Decimal128 is excluded, as the format says).
func number(v bson.RawValue) (float64, bool) {
	switch v.Type {
	case bson.TypeInt32:
		return float64(v.Int32()), true
	case bson.TypeInt64:
		return float64(v.Int64()), true
	case bson.TypeDouble:
		d := v.Double()
		return d, !math.IsNaN(d)
	}
	return 0, false
}

// typeAliases are the $$type names of the format (those of MongoDB's $type).
var typeAliases = map[string]bson.Type{
	"double": bson.TypeDouble, "string": bson.TypeString, "object": bson.TypeEmbeddedDocument,
	"array": bson.TypeArray, "binData": bson.TypeBinary, "objectId": bson.TypeObjectID,
	"bool": bson.TypeBoolean, "date": bson.TypeDateTime, "null": bson.TypeNull,
	"regex": bson.TypeRegex, "int": bson.TypeInt32, "timestamp": bson.TypeTimestamp,
	"long": bson.TypeInt64, "decimal": bson.TypeDecimal128,
}

// matchType checks $$type, whose argument is one alias or an array of them.
func matchType(path string, arg, act bson.RawValue) error {
	var names []string
	if s, ok := arg.StringValueOK(); ok {
		names = []string{s}
	} else if arr, ok := arg.ArrayOK(); ok {
		vals, _ := arr.Values()
		for _, v := range vals {
			names = append(names, v.StringValue())
		}
	}
	for _, n := range names {
		t, ok := typeAliases[n]
		if !ok {
			return fmt.Errorf("%s: $$type %q is not a type alias this runner knows", path, n)
		}
		if act.Type == t {
			return nil
		}
	}
	return fmt.Errorf("%s: got %v (type %v), want $$type %v", path, act, act.Type, names)
}

// expectedError is an operation's expectError.
type expectedError struct {
	IsError            *bool         `bson:"isError"`
	IsClientError      *bool         `bson:"isClientError"`
	ErrorContains      *string       `bson:"errorContains"`
	ErrorCode          *int32        `bson:"errorCode"`
	ErrorCodeName      *string       `bson:"errorCodeName"`
	ErrorLabelsContain []string      `bson:"errorLabelsContain"`
	ErrorLabelsOmit    []string      `bson:"errorLabelsOmit"`
	ExpectResult       bson.RawValue `bson:"expectResult"`
}

// matchError checks err against want.
func matchError(err error, want *expectedError) error {
	if err == nil {
		return errors.New("no error, want one")
	}
	var server mongo.ServerError
	isServer := errors.As(err, &server)
	if want.IsClientError != nil && *want.IsClientError == isServer {
		return fmt.Errorf("isClientError %v, but the error is %v", *want.IsClientError, err)
	}
	if s := want.ErrorContains; s != nil && !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(*s)) {
		return fmt.Errorf("error %q does not contain %q", err, *s)
	}
	if c := want.ErrorCode; c != nil && (!isServer || !server.HasErrorCode(int(*c))) {
		return fmt.Errorf("error %v does not have code %d", err, *c)
	}
	if n := want.ErrorCodeName; n != nil && !slices.Contains(codeNames(err), *n) {
		return fmt.Errorf("error %v has code names %v, want %s", err, codeNames(err), *n)
	}
	for _, l := range want.ErrorLabelsContain {
		if !isServer || !server.HasErrorLabel(l) {
			return fmt.Errorf("error %v lacks label %s", err, l)
		}
	}
	for _, l := range want.ErrorLabelsOmit {
		if isServer && server.HasErrorLabel(l) {
			return fmt.Errorf("error %v has label %s, want none", err, l)
		}
	}
	return nil
}

// codeNames returns the code names the driver's error carries: a command
// error's, or a write exception's write concern error's.
func codeNames(err error) []string {
	var names []string
	if ce, ok := errors.AsType[mongo.CommandError](err); ok {
		names = append(names, ce.Name)
	}
	if we, ok := errors.AsType[mongo.WriteException](err); ok && we.WriteConcernError != nil {
		names = append(names, we.WriteConcernError.Name)
	}
	return names
}
