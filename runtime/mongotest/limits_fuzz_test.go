package mongotest

import (
	"bytes"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// FuzzCheckDepth: checkDepth never panics, and it accepts every document
// the driver decodes that nests within the limit, so the limit refuses
// nothing valid that mongod would accept.
func FuzzCheckDepth(f *testing.F) {
	for _, d := range []bson.D{
		{},
		{{Key: "a", Value: bson.D{{Key: "b", Value: bson.A{int32(1), "x", bson.D{}}}}}},
		{{Key: "f", Value: 1.5}, {Key: "s", Value: "str"}, {Key: "bin", Value: bson.Binary{Subtype: 2, Data: []byte{1, 2}}},
			{Key: "u", Value: bson.Undefined{}}, {Key: "oid", Value: bson.NewObjectID()}, {Key: "t", Value: true},
			{Key: "dt", Value: bson.DateTime(5)}, {Key: "n", Value: nil}, {Key: "re", Value: bson.Regex{Pattern: "a.", Options: "i"}},
			{Key: "ptr", Value: bson.DBPointer{DB: "db", Pointer: bson.NewObjectID()}}, {Key: "js", Value: bson.JavaScript("1")},
			{Key: "sym", Value: bson.Symbol("s")}, {Key: "cws", Value: bson.CodeWithScope{Code: "x", Scope: bson.D{{Key: "y", Value: bson.D{{Key: "z", Value: int32(1)}}}}}},
			{Key: "i", Value: int32(1)}, {Key: "ts", Value: bson.Timestamp{T: 1, I: 2}}, {Key: "l", Value: int64(3)},
			{Key: "dec", Value: bson.NewDecimal128(1, 2)}, {Key: "min", Value: bson.MinKey{}}, {Key: "max", Value: bson.MaxKey{}}},
	} {
		b, err := bson.Marshal(d)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		err := checkDepth(b, maxMessageDepth)
		var d bson.D
		if bson.Unmarshal(b, &d) != nil || storedDepth(d) > maxMessageDepth/2 {
			return
		}
		// Only a well-formed document must pass: one the driver writes back
		// byte for byte. The driver's decoder is more lenient than mongod
		// (an old-binary value whose two lengths disagree, say), and
		// mongod refuses those as InvalidBSON, as checkDepth does.
		if again, merr := bson.Marshal(d); merr != nil || !bytes.Equal(again, b) {
			return
		}
		if err != nil {
			t.Fatalf("checkDepth refused a document the driver decodes: %v\n%v", err, d)
		}
	})
}
