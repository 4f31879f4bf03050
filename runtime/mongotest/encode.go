package mongotest

import (
	"errors"
	"strconv"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"
)

// appendDoc appends d encoded as BSON to dst, exactly as bson.Marshal
// encodes it, without reflection for the common types: encoding replies
// and result documents is, with decoding requests, most of the server's work.
func appendDoc(dst []byte, d bson.D) ([]byte, error) {
	idx, dst := bsoncore.AppendDocumentStart(dst)
	for _, e := range d {
		var err error
		if dst, err = appendValue(dst, e.Key, e.Value); err != nil {
			return nil, err
		}
	}
	return bsoncore.AppendDocumentEnd(dst, idx)
}

func appendValue(dst []byte, key string, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return bsoncore.AppendNullElement(dst, key), nil
	case bson.D, bson.A, []string:
		// The driver encodes nil slices as null.
		if isNilSlice(x) {
			return bsoncore.AppendNullElement(dst, key), nil
		}
	}
	switch x := v.(type) {
	case string:
		return bsoncore.AppendStringElement(dst, key, x), nil
	case int32:
		return bsoncore.AppendInt32Element(dst, key, x), nil
	case int64:
		return bsoncore.AppendInt64Element(dst, key, x), nil
	case float64:
		return bsoncore.AppendDoubleElement(dst, key, x), nil
	case bool:
		return bsoncore.AppendBooleanElement(dst, key, x), nil
	case bson.ObjectID:
		return bsoncore.AppendObjectIDElement(dst, key, x), nil
	case bson.DateTime:
		return bsoncore.AppendDateTimeElement(dst, key, int64(x)), nil
	case bson.Timestamp:
		return bsoncore.AppendTimestampElement(dst, key, x.T, x.I), nil
	case bson.Binary:
		return bsoncore.AppendBinaryElement(dst, key, x.Subtype, x.Data), nil
	case bson.Raw:
		if len(x) < 5 {
			return nil, errors.New("mongotest: cannot encode an empty bson.Raw")
		}
		return bsoncore.AppendDocumentElement(dst, key, x), nil
	case bson.D:
		dst = bsoncore.AppendHeader(dst, bsoncore.TypeEmbeddedDocument, key)
		return appendDoc(dst, x)
	case bson.A:
		idx, dst := bsoncore.AppendArrayElementStart(dst, key)
		for i, e := range x {
			var err error
			if dst, err = appendValue(dst, strconv.Itoa(i), e); err != nil {
				return nil, err
			}
		}
		return bsoncore.AppendArrayEnd(dst, idx)
	case []string:
		idx, dst := bsoncore.AppendArrayElementStart(dst, key)
		for i, s := range x {
			dst = bsoncore.AppendStringElement(dst, strconv.Itoa(i), s)
		}
		return bsoncore.AppendArrayEnd(dst, idx)
	default:
		t, data, err := bson.MarshalValue(x)
		if err != nil {
			return nil, err
		}
		dst = bsoncore.AppendHeader(dst, bsoncore.Type(t), key)
		return append(dst, data...), nil
	}
}

func isNilSlice(v any) bool {
	switch x := v.(type) {
	case bson.D:
		return x == nil
	case bson.A:
		return x == nil
	case []string:
		return x == nil
	}
	return false
}
