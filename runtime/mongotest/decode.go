package mongotest

import (
	"errors"
	"unique"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"
)

// errRareType sends decodeDoc's caller to the driver's general decoder.
var errRareType = errors.New("rare BSON type")

// unmarshalD decodes a validated document into the same bson.D that
// bson.Unmarshal produces, without reflection for the common types: the
// decoding of every request is the server's largest cost after the network.
func unmarshalD(raw bson.Raw) (bson.D, error) {
	d, err := decodeDoc(raw)
	if errors.Is(err, errRareType) {
		var slow bson.D
		err = bson.Unmarshal(raw, &slow)
		return slow, err
	}
	return d, err
}

func decodeDoc(raw []byte) (bson.D, error) {
	body, n, ok := elements(raw)
	if !ok {
		return nil, errRareType
	}
	d := make(bson.D, 0, n) // exact: stored documents keep no growth slack
	for rest := body; len(rest) > 0; {
		el, rem, _ := bsoncore.ReadElement(rest)
		v, err := decodeValue(el.Value())
		if err != nil {
			return nil, err
		}
		d = append(d, bson.E{Key: internKey(el.KeyBytes()), Value: v})
		rest = rem
	}
	return d, nil
}

// elements is the body of the document or array raw and the number of its
// elements; not ok when they do not parse.
func elements(raw []byte) (body []byte, n int, ok bool) {
	if len(raw) < 5 {
		return nil, 0, false
	}
	body = raw[4 : len(raw)-1]
	for rest := body; len(rest) > 0; n++ {
		if _, rest, ok = bsoncore.ReadElement(rest); !ok {
			return nil, 0, false
		}
	}
	return body, n, true
}

// internKey returns a shared copy of a field name: the documents of a
// collection repeat the same few names, which each stored document would
// otherwise hold a copy of. unique forgets its entry for a name at a
// garbage collection (documents hold the string, not the handle), so the
// documents decoded between two collections share one copy; unused names
// are never kept.
func internKey(b []byte) string {
	return unique.Make(string(b)).Value()
}

// decodeValue decodes one value; anything malformed or unusual goes to
// the driver's decoder (errRareType), which reports it.
func decodeValue(v bsoncore.Value) (any, error) {
	var (
		out any
		ok  bool
	)
	switch v.Type {
	case bsoncore.TypeDouble:
		out, ok = v.DoubleOK()
	case bsoncore.TypeString:
		// bsoncore does not check the terminating NUL; the driver refuses
		// a string without one, and so must the server.
		if n := len(v.Data); n < 5 || v.Data[n-1] != 0 {
			return nil, errRareType
		}
		out, ok = v.StringValueOK()
	case bsoncore.TypeEmbeddedDocument:
		doc, isDoc := v.DocumentOK()
		if !isDoc {
			return nil, errRareType
		}
		return decodeDoc(doc)
	case bsoncore.TypeArray:
		arr, isArr := v.ArrayOK()
		body, n, ok := elements(arr)
		if !isArr || !ok {
			return nil, errRareType
		}
		// Array elements are keyed "0", "1"...: walk them, skip the keys.
		a := make(bson.A, 0, n)
		for rest := body; len(rest) > 0; {
			el, rem, _ := bsoncore.ReadElement(rest)
			e, err := decodeValue(el.Value())
			if err != nil {
				return nil, err
			}
			a = append(a, e)
			rest = rem
		}
		return a, nil
	case bsoncore.TypeBinary:
		// The old binary subtype has an inner length the driver checks.
		var sub byte
		var data []byte
		sub, data, ok = v.BinaryOK()
		if sub == bson.TypeBinaryBinaryOld {
			return nil, errRareType
		}
		out = bson.Binary{Subtype: sub, Data: append([]byte(nil), data...)}
	case bsoncore.TypeObjectID:
		var id [12]byte
		id, ok = v.ObjectIDOK()
		out = bson.ObjectID(id)
	case bsoncore.TypeBoolean:
		out, ok = v.BooleanOK()
	case bsoncore.TypeDateTime:
		var ms int64
		ms, ok = v.DateTimeOK()
		out = bson.DateTime(ms)
	case bsoncore.TypeNull:
		return nil, nil
	case bsoncore.TypeInt32:
		out, ok = v.Int32OK()
	case bsoncore.TypeInt64:
		out, ok = v.Int64OK()
	case bsoncore.TypeTimestamp:
		var t, i uint32
		t, i, ok = v.TimestampOK()
		out = bson.Timestamp{T: t, I: i}
	case bsoncore.TypeDecimal128:
		var h, l uint64
		h, l, ok = v.Decimal128OK()
		out = bson.NewDecimal128(h, l)
	case bsoncore.TypeRegex:
		var p, o string
		p, o, ok = v.RegexOK()
		out = bson.Regex{Pattern: p, Options: o}
	}
	if !ok {
		return nil, errRareType
	}
	return out, nil
}
