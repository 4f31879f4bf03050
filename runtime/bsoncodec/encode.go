package bsoncodec

import (
	"fmt"
	"math"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"
)

// The Encode functions write the value *v at key, as the driver's default
// encoder for its kind does; a [Codec] calls them for the scalar kinds.

// EncodeBool writes a boolean.
func EncodeBool[T ~bool](v *T, w *Writer, key string) {
	w.buf = bsoncore.AppendBooleanElement(w.buf, key, bool(*v))
}

// EncodeString writes a string.
func EncodeString[T ~string](v *T, w *Writer, key string) {
	w.buf = bsoncore.AppendStringElement(w.buf, key, string(*v))
}

// EncodeInt32 writes an int8, int16 or int32 as a BSON int32.
func EncodeInt32[T ~int8 | ~int16 | ~int32](v *T, w *Writer, key string) {
	w.buf = bsoncore.AppendInt32Element(w.buf, key, int32(*v))
}

// EncodeInt writes a Go int as an int32 when it fits, else as an int64.
func EncodeInt[T ~int](v *T, w *Writer, key string) {
	appendInt(w, key, int64(*v), true)
}

// EncodeInt64 writes an int64 as an int64, or as an int32 when it fits
// below a minsize field.
func EncodeInt64[T ~int64](v *T, w *Writer, key string) {
	appendInt(w, key, int64(*v), w.minSize)
}

func appendInt(w *Writer, key string, i int64, small bool) {
	if small && math.MinInt32 <= i && i <= math.MaxInt32 {
		w.buf = bsoncore.AppendInt32Element(w.buf, key, int32(i))
		return
	}
	w.buf = bsoncore.AppendInt64Element(w.buf, key, i)
}

// EncodeUint16 writes a uint8 or uint16 as an int32.
func EncodeUint16[T ~uint8 | ~uint16](v *T, w *Writer, key string) {
	w.buf = bsoncore.AppendInt32Element(w.buf, key, int32(*v))
}

// EncodeUint writes a uint, uint32 or uint64 as an int64 (an int32 below a
// minsize field when it fits); a value above the int64 range is an error.
func EncodeUint[T ~uint | ~uint32 | ~uint64](v *T, w *Writer, key string) {
	u := uint64(*v)
	switch {
	case w.minSize && u <= math.MaxInt32:
		w.buf = bsoncore.AppendInt32Element(w.buf, key, int32(u))
	case u > math.MaxInt64:
		w.Fail(fmt.Errorf("%d overflows int64", u))
	default:
		w.buf = bsoncore.AppendInt64Element(w.buf, key, int64(u))
	}
}

// EncodeFloat writes a float32 or float64 as a double.
func EncodeFloat[T ~float32 | ~float64](v *T, w *Writer, key string) {
	w.buf = bsoncore.AppendDoubleElement(w.buf, key, float64(*v))
}

// EncodeObjectID writes an ObjectID.
func EncodeObjectID(v *bson.ObjectID, w *Writer, key string) {
	w.buf = bsoncore.AppendObjectIDElement(w.buf, key, *v)
}

// EncodeObjectIDOmitEmpty writes an ObjectID unless it is zero: a field
// tagged omitempty, as every generated _id the database may assign is. It
// is the one line of the generated encoder that an if block would be.
func EncodeObjectIDOmitEmpty(v *bson.ObjectID, w *Writer, key string) {
	if !v.IsZero() {
		w.buf = bsoncore.AppendObjectIDElement(w.buf, key, *v)
	}
}

// EncodeTime writes a time as a BSON datetime: milliseconds since the
// epoch, the sub-millisecond part dropped.
func EncodeTime(v *time.Time, w *Writer, key string) {
	w.buf = bsoncore.AppendDateTimeElement(w.buf, key, v.Unix()*1e3+int64(v.Nanosecond())/1e6)
}

// EncodeBytes writes a []byte as generic binary data, nil as null.
func EncodeBytes(v *[]byte, w *Writer, key string) {
	if *v == nil {
		w.Null(key)
		return
	}
	w.buf = bsoncore.AppendBinaryElement(w.buf, key, 0, *v)
}
