package mongotest

import (
	"bytes"
	"encoding/binary"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// sameBytesAsDriver checks that appendDoc encodes d exactly as bson.Marshal.
func sameBytesAsDriver(t *testing.T, d bson.D) {
	t.Helper()
	want, wantErr := bson.Marshal(d)
	got, err := appendDoc(nil, d)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("error %v, driver's error %v", err, wantErr)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("encoded %v\ndriver   %v", bson.Raw(got), bson.Raw(want))
	}
}

func TestAppendDocMatchesDriver(t *testing.T) {
	raw, err := bson.Marshal(everyType())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []bson.D{
		{}, everyType(),
		{{Key: "nested", Value: bson.A{everyType(), bson.Raw(raw)}}},
		{{Key: "nils", Value: bson.A{bson.D(nil), bson.A(nil), []string(nil)}}},
		{{Key: "labels", Value: []string{"a", "b"}}, {Key: "int", Value: 7}, {Key: "big", Value: 1 << 40}},
		{{Key: "ptr", Value: &struct{ X int }{1}}},
	} {
		sameBytesAsDriver(t, d)
	}
	for _, bad := range []any{make(chan int), bson.Raw(nil)} {
		if _, err := appendDoc(nil, bson.D{{Key: "bad", Value: bad}}); err == nil {
			t.Fatalf("%T encoded", bad)
		}
	}
}

// FuzzAppendDoc: every document the driver decodes is encoded back to the
// driver's bytes.
func FuzzAppendDoc(f *testing.F) {
	raw, _ := bson.Marshal(everyType())
	f.Add(raw)
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 4 || int(binary.LittleEndian.Uint32(b)) != len(b) || bson.Raw(b).Validate() != nil {
			return
		}
		var d bson.D
		if bson.Unmarshal(b, &d) != nil {
			return
		}
		sameBytesAsDriver(t, d)
	})
}
