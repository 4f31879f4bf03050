package bsoncodec

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"
)

// Value is one BSON value being decoded: its type and bytes, and whether
// the driver's truncate rule applies (a field tagged truncate, or a value
// below one).
type Value struct {
	Type     bson.Type
	Truncate bool
	Data     []byte

	strs *stringArena // where a Codec's decoder makes its strings, or nil
}

// DocumentValue is the value of a top-level document, as UnmarshalBSON
// receives it.
func DocumentValue(data []byte) Value {
	return Value{Type: bson.TypeEmbeddedDocument, Data: data}
}

// IsNull reports whether v is null or undefined, which the driver decodes
// as the zero value of any type.
func (v Value) IsNull() bool { return v.Type == bson.TypeNull || v.Type == bson.TypeUndefined }

// Truncated is v with the driver's truncate rule on, for a field tagged
// truncate: doubles decode into integers by truncation, and into float32
// with loss of precision.
func (v Value) Truncated() Value {
	v.Truncate = true
	return v
}

// core is v as the driver's bsoncore package has it.
func (v Value) core() bsoncore.Value {
	return bsoncore.Value{Type: bsoncore.Type(v.Type), Data: v.Data}
}

// Elements iterates over the elements of a document or an array.
type Elements struct {
	rest     []byte
	key      []byte
	val      Value
	truncate bool
	strs     *stringArena
	err      error
}

// Document returns the elements of v, a document; any other type is an
// error naming the Go type being decoded, goType. (The driver gives a
// top-level document the type 0.)
func (v Value) Document(goType string) (Elements, error) {
	if v.Type != bson.TypeEmbeddedDocument && v.Type != 0 {
		return Elements{}, fmt.Errorf("cannot decode %v into a %s", v.Type, goType)
	}
	return v.elements()
}

// elements checks the length and terminator of a document or array.
func (v Value) elements() (Elements, error) {
	d := v.Data
	if len(d) < 5 {
		return Elements{}, bsoncore.NewInsufficientBytesError(d, d)
	}
	n := int(uint32(d[0]) | uint32(d[1])<<8 | uint32(d[2])<<16 | uint32(d[3])<<24)
	if n < 5 || n > len(d) || d[n-1] != 0 {
		return Elements{}, errors.New("invalid document length or terminator")
	}
	return Elements{rest: d[4 : n-1], truncate: v.Truncate, strs: v.strs}, nil
}

// Next advances to the next element and reports whether there is one.
func (it *Elements) Next() bool {
	if len(it.rest) == 0 || it.err != nil {
		return false
	}
	d := it.rest
	end := keyEnd(d)
	if end == 0 {
		it.err = errors.New("malformed BSON element: unterminated key")
		return false
	}
	t := bson.Type(d[0])
	n, ok := valueLength(t, d[end+1:])
	if !ok {
		it.err = fmt.Errorf("malformed BSON element %q of type %v", d[1:end], t)
		return false
	}
	it.key = d[1:end]
	it.val = Value{Type: t, Data: d[end+1 : end+1+n], Truncate: it.truncate, strs: it.strs}
	it.rest = d[end+1+n:]
	return true
}

// keyEnd is the index of the NUL that ends the key of the element at the
// start of d, or 0 when there is none. Keys are short: a loop is faster
// than bytes.IndexByte for them, which takes over past 16 bytes.
func keyEnd(d []byte) int {
	for i := 1; i < len(d) && i <= 16; i++ {
		if d[i] == 0 {
			return i
		}
	}
	if len(d) > 17 {
		if j := bytes.IndexByte(d[17:], 0); j >= 0 {
			return j + 17
		}
	}
	return 0
}

// valueLength is the length of the value of type t at the start of d, when
// d holds it whole.
func valueLength(t bson.Type, d []byte) (int, bool) {
	n := -1
	switch t {
	case bson.TypeDouble, bson.TypeDateTime, bson.TypeInt64, bson.TypeTimestamp:
		n = 8
	case bson.TypeInt32:
		n = 4
	case bson.TypeBoolean:
		n = 1
	case bson.TypeObjectID:
		n = 12
	case bson.TypeDecimal128:
		n = 16
	case bson.TypeNull, bson.TypeUndefined, bson.TypeMinKey, bson.TypeMaxKey:
		n = 0
	case bson.TypeString, bson.TypeJavaScript, bson.TypeSymbol:
		n = 4 + prefix(d)
	case bson.TypeEmbeddedDocument, bson.TypeArray, bson.TypeCodeWithScope:
		n = prefix(d)
	case bson.TypeBinary:
		n = 5 + prefix(d)
	case bson.TypeDBPointer:
		n = 4 + prefix(d) + 12
	case bson.TypeRegex:
		if p := bytes.IndexByte(d, 0); p >= 0 {
			if o := bytes.IndexByte(d[p+1:], 0); o >= 0 {
				n = p + 1 + o + 1
			}
		}
	}
	return n, n >= 0 && n <= len(d)
}

// prefix reads the int32 length at the start of d, -1<<40 when d is too
// short or it is negative.
func prefix(d []byte) int {
	if len(d) < 4 {
		return -1 << 40
	}
	n := int(int32(binaryLE.Uint32(d)))
	if n < 0 {
		return -1 << 40
	}
	return n
}

// Key is the current element's key. It is valid until Next is called.
func (it *Elements) Key() []byte { return it.key }

// Value is the current element's value.
func (it *Elements) Value() Value { return it.val }

// Err is the error that stopped the iteration, if any.
func (it *Elements) Err() error { return it.err }

// Lower returns key lowercased and whether that changed it: the driver
// looks a key it does not know up again in lower case.
func Lower(key []byte) ([]byte, bool) {
	lower := strings.ToLower(string(key))
	if lower == string(key) {
		return key, false
	}
	return []byte(lower), true
}

// KeyError is an error decoding the value at a key path.
type KeyError struct {
	Keys []string // from the outermost
	Err  error
}

func (e *KeyError) Error() string {
	return fmt.Sprintf("error decoding key %s: %v", strings.Join(e.Keys, "."), e.Err)
}

func (e *KeyError) Unwrap() error { return e.Err }

// AtKey returns err, an error decoding the value at key, with key added to
// its path.
func AtKey(key []byte, err error) error {
	var ke *KeyError
	if errors.As(err, &ke) {
		ke.Keys = append([]string{string(key)}, ke.Keys...)
		return ke
	}
	return &KeyError{Keys: []string{string(key)}, Err: err}
}

func atIndex(i int, err error) error { return AtKey([]byte(strconv.Itoa(i)), err) }
