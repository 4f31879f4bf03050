package mongotest

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// batchReply is a find reply with a first batch of ten small documents.
func batchReply() bson.D {
	docs := bson.A{}
	for i := range 10 {
		docs = append(docs, bson.D{{Key: "_id", Value: bson.NewObjectID()}, {Key: "owner", Value: "ann"},
			{Key: "balance", Value: int64(i)}, {Key: "tags", Value: bson.A{"a", "b"}}})
	}
	return bson.D{{Key: "cursor", Value: bson.D{{Key: "firstBatch", Value: docs}, {Key: "id", Value: int64(0)}, {Key: "ns", Value: "db.c"}}}, {Key: "ok", Value: 1.0}}
}

// BenchmarkEncode compares the server's encoder with the driver's
// reflection-based bson.Marshal on the same reply.
func BenchmarkEncode(b *testing.B) {
	d := batchReply()
	b.Run("bson.Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := bson.Marshal(d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("appendDoc", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			var err error
			if buf, err = appendDoc(buf[:0], d); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDecode compares the server's decoder with bson.Unmarshal.
func BenchmarkDecode(b *testing.B) {
	raw, err := bson.Marshal(batchReply())
	if err != nil {
		b.Fatal(err)
	}
	b.Run("bson.Unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var d bson.D
			if err := bson.Unmarshal(raw, &d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unmarshalD", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := unmarshalD(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkValidate measures the depth walk every request document gets
// (checkDepth), the driver's Validate that follows it (which checks only
// the top level), and the checks of a document about to be stored
// (checkStored), on the same reply.
func BenchmarkValidate(b *testing.B) {
	d := batchReply()
	raw, err := bson.Marshal(d)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("bson.Raw.Validate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := bson.Raw(raw).Validate(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("checkDepth", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := checkDepth(raw, maxMessageDepth); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("checkStored", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := checkStored(d, false); err != nil {
				b.Fatal(err)
			}
		}
	})
}
