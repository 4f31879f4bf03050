package withtx

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// TestMatchRules pins the matcher to the format's rules, so that the spec
// run cannot pass because the matcher accepts too much.
func TestMatchRules(t *testing.T) {
	lsid := bson.Raw(mustMarshal(t, bson.D{{Key: "id", Value: bson.Binary{Subtype: 4, Data: make([]byte, 16)}}}))
	other := bson.Raw(mustMarshal(t, bson.D{{Key: "id", Value: bson.Binary{Subtype: 4, Data: []byte("0123456789abcdef")}}}))
	m := &matcher{lsids: map[string]bson.Raw{"s": lsid}, ignored: []string{"x.wc.wtimeout"}}
	cases := []struct {
		name, exp string
		act       any
		root      bool
		wantErr   string // "" for a match
	}{
		{"extra root key", `{"a": 1}`, bson.D{{Key: "a", Value: 1}, {Key: "b", Value: 2}}, true, ""},
		{"extra nested key", `{"d": {"a": 1}}`, bson.D{{Key: "d", Value: bson.D{{Key: "a", Value: 1}, {Key: "b", Value: 2}}}}, true, "x.d.b: unexpected key"},
		{"extra key not at root", `{"a": 1}`, bson.D{{Key: "a", Value: 1}, {Key: "b", Value: 2}}, false, "x.b: unexpected key"},
		{"int32 equals int64 and double", `{"a": 1, "b": {"$numberLong": "1"}}`, bson.D{{Key: "a", Value: int64(1)}, {Key: "b", Value: 1.0}}, true, ""},
		{"different number", `{"a": 1}`, bson.D{{Key: "a", Value: int64(2)}}, true, "x.a: got"},
		{"number against string", `{"a": 1}`, bson.D{{Key: "a", Value: "1"}}, true, "x.a: got"},
		{"missing key", `{"a": 1}`, bson.D{}, true, "x.a: missing"},
		{"$$exists false, absent", `{"a": {"$$exists": false}}`, bson.D{}, true, ""},
		{"$$exists false, present", `{"a": {"$$exists": false}}`, bson.D{{Key: "a", Value: 1}}, true, "x.a: exists is true"},
		{"$$exists true, absent", `{"a": {"$$exists": true}}`, bson.D{}, true, "x.a: exists is false"},
		{"$$unsetOrMatches, absent", `{"a": {"$$unsetOrMatches": 1}}`, bson.D{}, true, ""},
		{"$$unsetOrMatches, different", `{"a": {"$$unsetOrMatches": 1}}`, bson.D{{Key: "a", Value: 2}}, true, "x.a: got"},
		{"$$sessionLsid", `{"lsid": {"$$sessionLsid": "s"}}`, bson.D{{Key: "lsid", Value: lsid}}, true, ""},
		{"$$sessionLsid, other session", `{"lsid": {"$$sessionLsid": "s"}}`, bson.D{{Key: "lsid", Value: other}}, true, "x.lsid.id: got"},
		{"$$type one of", `{"a": {"$$type": ["int", "long"]}}`, bson.D{{Key: "a", Value: int64(5)}}, true, ""},
		{"$$type wrong", `{"a": {"$$type": "string"}}`, bson.D{{Key: "a", Value: 5}}, true, "want $$type"},
		{"unknown operator", `{"a": {"$$matchesHexBytes": "00"}}`, bson.D{{Key: "a", Value: 5}}, true, "not implemented"},
		{"array length", `{"a": [1, 2]}`, bson.D{{Key: "a", Value: bson.A{1}}}, true, "x.a: 1 elements, want 2"},
		{"array element", `{"a": [{"b": 1}]}`, bson.D{{Key: "a", Value: bson.A{bson.D{{Key: "b", Value: 2}}}}}, true, "x.a[0].b: got"},
		{"ignored path", `{"wc": {"w": 1, "wtimeout": 5}}`, bson.D{{Key: "wc", Value: bson.D{{Key: "w", Value: 1}, {Key: "wtimeout", Value: 9}}}}, true, ""},
		{"ignored path, extra", `{"wc": {"w": 1}}`, bson.D{{Key: "wc", Value: bson.D{{Key: "w", Value: 1}, {Key: "wtimeout", Value: 9}}}}, true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var exp bson.Raw
			if err := bson.UnmarshalExtJSON([]byte(c.exp), false, &exp); err != nil {
				t.Fatal(err)
			}
			act := bson.RawValue{Type: bson.TypeEmbeddedDocument, Value: mustMarshal(t, c.act)}
			err := m.match("x", bson.RawValue{Type: bson.TypeEmbeddedDocument, Value: exp}, act, c.root)
			switch {
			case c.wantErr == "" && err != nil:
				t.Errorf("want a match, got %v", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Errorf("want an error containing %q, got %v", c.wantErr, err)
			}
		})
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := bson.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMatchErrorRules pins expectError checks, through wrapping as WithTx
// wraps a commit error.
func TestMatchErrorRules(t *testing.T) {
	cmdErr := fmt.Errorf("mongotxgen: commit: %w", mongo.CommandError{Code: 50, Name: "MaxTimeMSExpired",
		Message: "operation exceeded time limit", Labels: []string{"UnknownTransactionCommitResult"}})
	wcErr := mongo.WriteException{WriteConcernError: &mongo.WriteConcernError{Code: 79, Name: "UnknownReplWriteConcern"}}
	yes, no := true, false
	str := func(s string) *string { return &s }
	cases := []struct {
		name    string
		err     error
		want    expectedError
		wantErr string
	}{
		{"labels and code name", cmdErr, expectedError{ErrorCodeName: str("MaxTimeMSExpired"),
			ErrorLabelsContain: []string{"UnknownTransactionCommitResult"}, ErrorLabelsOmit: []string{"TransientTransactionError"}}, ""},
		{"label missing", cmdErr, expectedError{ErrorLabelsContain: []string{"TransientTransactionError"}}, "lacks label"},
		{"label present", cmdErr, expectedError{ErrorLabelsOmit: []string{"UnknownTransactionCommitResult"}}, "want none"},
		{"code name of a write concern error", wcErr, expectedError{ErrorCodeName: str("UnknownReplWriteConcern")}, ""},
		{"other code name", wcErr, expectedError{ErrorCodeName: str("MaxTimeMSExpired")}, "want MaxTimeMSExpired"},
		{"contains, any case", cmdErr, expectedError{ErrorContains: str("EXCEEDED time")}, ""},
		{"does not contain", cmdErr, expectedError{ErrorContains: str("E11000")}, "does not contain"},
		{"server error is no client error", cmdErr, expectedError{IsClientError: &yes}, "isClientError true"},
		{"client error", errors.New("no session"), expectedError{IsClientError: &yes}, ""},
		{"client error is not a server error", errors.New("no session"), expectedError{IsClientError: &no}, "isClientError false"},
		{"no error", nil, expectedError{IsError: &yes}, "no error"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := matchError(c.err, &c.want)
			switch {
			case c.wantErr == "" && err != nil:
				t.Errorf("want a match, got %v", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Errorf("want an error containing %q, got %v", c.wantErr, err)
			}
		})
	}
}
