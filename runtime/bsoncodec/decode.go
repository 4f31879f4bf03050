package bsoncodec

import (
	encbinary "encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
	"unsafe"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// The Decode functions store v in *dst as the driver's default decoder for
// the kind of *dst does: which BSON types it accepts and how it converts
// them. Null and undefined store the zero value. On error *dst is left as
// it was. A [Codec] calls them for the scalar kinds, and hands them to its
// slice decoder for their elements.

var binaryLE = encbinary.LittleEndian

var errCannotTruncate = errors.New("IntDecodeValue can only truncate float64 to an integer type when truncation is enabled")

func malformed(v Value) error { return fmt.Errorf("malformed BSON %v value", v.Type) }

// stringBytes are the bytes of the string value data: its int32 length
// (of the bytes and their NUL, at least 1), the bytes, and the NUL that
// ends them, which bsoncore.ReadString does not check but the driver does.
func stringBytes(data []byte) ([]byte, bool) {
	if len(data) < 4 {
		return nil, false
	}
	n := int(int32(binaryLE.Uint32(data)))
	if n < 1 || n > len(data)-4 || data[4+n-1] != 0 {
		return nil, false
	}
	return data[4 : 4+n-1], true
}

// DecodeBool accepts a boolean, or a number (true when not zero).
func DecodeBool[T ~bool](dst *T, v Value) error {
	var b bool
	switch v.Type {
	case bson.TypeBoolean:
		if len(v.Data) != 1 || v.Data[0] > 1 {
			return malformed(v)
		}
		b = v.Data[0] == 1
	case bson.TypeInt32, bson.TypeInt64, bson.TypeDouble:
		f, err := number(v)
		if err != nil {
			return err
		}
		b = f != 0
	case bson.TypeNull, bson.TypeUndefined:
	default:
		return fmt.Errorf("cannot decode %v into a boolean", v.Type)
	}
	*dst = T(b)
	return nil
}

// number reads an int32, int64 or double as a float64 (for DecodeBool).
func number(v Value) (float64, error) {
	c := v.core()
	switch v.Type {
	case bson.TypeInt32:
		if i, ok := c.Int32OK(); ok {
			return float64(i), nil
		}
	case bson.TypeInt64:
		if i, ok := c.Int64OK(); ok {
			return float64(i), nil
		}
	default:
		if f, ok := c.DoubleOK(); ok {
			return f, nil
		}
	}
	return 0, malformed(v)
}

// integer reads any BSON value the driver decodes into a Go integer as an
// int64: int32, int64, a double that is whole (or any, under truncate) and
// not above the int64 range, a boolean as 0 or 1, null and undefined as 0.
func integer(v Value) (int64, error) {
	c := v.core()
	switch v.Type {
	case bson.TypeInt32:
		if i, ok := c.Int32OK(); ok {
			return int64(i), nil
		}
	case bson.TypeInt64:
		if i, ok := c.Int64OK(); ok {
			return i, nil
		}
	case bson.TypeDouble:
		f, ok := c.DoubleOK()
		if !ok {
			break
		}
		if !v.Truncate && math.Floor(f) != f {
			return 0, errCannotTruncate
		}
		if f > float64(math.MaxInt64) {
			return 0, fmt.Errorf("%g overflows int64", f)
		}
		return int64(f), nil
	case bson.TypeBoolean:
		var b bool
		if err := DecodeBool(&b, v); err != nil {
			return 0, err
		}
		if b {
			return 1, nil
		}
		return 0, nil
	case bson.TypeNull, bson.TypeUndefined:
		return 0, nil
	default:
		return 0, fmt.Errorf("cannot decode %v into an integer type", v.Type)
	}
	return 0, malformed(v)
}

// DecodeInt accepts what [integer] does, within the range of T.
func DecodeInt[T ~int | ~int8 | ~int16 | ~int32 | ~int64](dst *T, v Value) error {
	i, err := integer(v)
	if err != nil {
		return err
	}
	if int64(T(i)) != i {
		return fmt.Errorf("%d overflows int%d", i, 8*unsafe.Sizeof(T(0)))
	}
	*dst = T(i)
	return nil
}

// DecodeUint accepts what [integer] does, when not negative and within the
// range of T.
func DecodeUint[T ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64](dst *T, v Value) error {
	i, err := integer(v)
	if err != nil {
		return err
	}
	if i < 0 || uint64(T(i)) != uint64(i) {
		return fmt.Errorf("%d overflows uint%d", i, 8*unsafe.Sizeof(T(0)))
	}
	*dst = T(i)
	return nil
}

// DecodeFloat accepts a double, an int32 or int64, a boolean as 0 or 1; a
// float32 must hold the double exactly unless truncate applies.
func DecodeFloat[T ~float32 | ~float64](dst *T, v Value) error {
	var f float64
	c := v.core()
	ok := true
	switch v.Type {
	case bson.TypeDouble:
		f, ok = c.DoubleOK()
	case bson.TypeInt32:
		var i int32
		i, ok = c.Int32OK()
		f = float64(i)
	case bson.TypeInt64:
		var i int64
		i, ok = c.Int64OK()
		f = float64(i)
	case bson.TypeBoolean:
		var b bool
		if err := DecodeBool(&b, v); err != nil {
			return err
		}
		if b {
			f = 1
		}
	case bson.TypeNull, bson.TypeUndefined:
	default:
		return fmt.Errorf("cannot decode %v into a float32 or float64 type", v.Type)
	}
	if !ok {
		return malformed(v)
	}
	if unsafe.Sizeof(T(0)) == 4 && !v.Truncate && float64(float32(f)) != f {
		return errCannotTruncate
	}
	*dst = T(f)
	return nil
}

// DecodeString accepts a string, a symbol, generic binary data (subtypes 0
// and 2), null and undefined.
func DecodeString[T ~string](dst *T, v Value) error {
	var s string
	switch v.Type {
	case bson.TypeString, bson.TypeSymbol:
		b, ok := stringBytes(v.Data)
		if !ok {
			return malformed(v)
		}
		s = v.strs.string(b)
	case bson.TypeBinary:
		sub, data, ok := binary(v)
		if !ok {
			return malformed(v)
		}
		if sub != bson.TypeBinaryGeneric && sub != bson.TypeBinaryBinaryOld {
			return fmt.Errorf("only binary values with subtype 0x00 or 0x02 can be decoded into string, but got subtype %v", sub)
		}
		s = v.strs.string(data)
	case bson.TypeObjectID:
		return errors.New("decoding an object ID into a string is not supported by default")
	case bson.TypeNull, bson.TypeUndefined:
	default:
		return fmt.Errorf("cannot decode %v into a string type", v.Type)
	}
	*dst = T(s)
	return nil
}

// DecodeBytes accepts generic binary data, a string or a symbol, null and
// undefined (nil). The bytes are copied.
func DecodeBytes(dst *[]byte, v Value) error {
	var b []byte
	switch v.Type {
	case bson.TypeBinary:
		sub, data, ok := binary(v)
		if !ok {
			return malformed(v)
		}
		if sub != bson.TypeBinaryGeneric && sub != bson.TypeBinaryBinaryOld {
			return fmt.Errorf("only binary values with subtype 0x00 or 0x02 can be decoded into []byte, but got subtype %v", sub)
		}
		b = append([]byte{}, data...)
	case bson.TypeString, bson.TypeSymbol:
		s, ok := stringBytes(v.Data)
		if !ok {
			return malformed(v)
		}
		b = append([]byte{}, s...)
	case bson.TypeNull, bson.TypeUndefined:
	default:
		return fmt.Errorf("cannot decode %v into a []byte", v.Type)
	}
	*dst = b
	return nil
}

// DecodeObjectID accepts an ObjectID; the other types the driver accepts
// (a hexadecimal or 12-byte string, null, undefined) go to the driver.
func DecodeObjectID(dst *bson.ObjectID, v Value) error {
	if v.Type != bson.TypeObjectID {
		return DecodeFallback(dst, v)
	}
	oid, ok := v.core().ObjectIDOK()
	if !ok {
		return malformed(v)
	}
	*dst = oid
	return nil
}

// DecodeTime accepts a datetime, in UTC; the other types the driver
// accepts (string, int64, timestamp, null, undefined) go to the driver.
func DecodeTime(dst *time.Time, v Value) error {
	if v.Type != bson.TypeDateTime {
		return DecodeFallback(dst, v)
	}
	ms, ok := v.core().DateTimeOK()
	if !ok {
		return malformed(v)
	}
	*dst = time.Unix(ms/1000, ms%1000*1000000).UTC()
	return nil
}

// binary reads binary data as the driver's value reader does: the old
// subtype 2 holds a second length, which it reads only when the value is
// longer than 4 bytes.
func binary(v Value) (sub byte, data []byte, ok bool) {
	d := v.Data
	if len(d) < 5 {
		return 0, nil, false
	}
	n, sub, rest := int32(binaryLE.Uint32(d)), d[4], d[5:]
	if sub == bson.TypeBinaryBinaryOld && n > 4 {
		if len(rest) < 4 {
			return 0, nil, false
		}
		n, rest = int32(binaryLE.Uint32(rest)), rest[4:]
	}
	if n < 0 || int(n) > len(rest) {
		return 0, nil, false
	}
	return sub, rest[:n], true
}
