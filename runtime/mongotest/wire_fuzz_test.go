package mongotest

import (
	"bytes"
	"encoding/binary"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// FuzzReadMessage feeds arbitrary bytes to the decoder: it must return a
// message or an error, never panic.
func FuzzReadMessage(f *testing.F) {
	body, _ := bson.Marshal(bson.D{{Key: "ping", Value: 1}, {Key: "$db", Value: "admin"}})
	msg := binary.LittleEndian.AppendUint32(nil, uint32(headerLen+5+len(body)))
	msg = binary.LittleEndian.AppendUint32(msg, 1)
	msg = binary.LittleEndian.AppendUint32(msg, 0)
	msg = binary.LittleEndian.AppendUint32(msg, uint32(opMsg))
	msg = binary.LittleEndian.AppendUint32(msg, 0)
	msg = append(msg, 0)
	msg = append(msg, body...)
	f.Add(msg)
	f.Add(msg[:20])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, _, err := readMessage(bytes.NewReader(b), nil, nil)
		if err == nil && m == nil {
			t.Fatal("no message and no error")
		}
	})
}
