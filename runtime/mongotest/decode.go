package mongotest

import (
	"errors"

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
	if len(raw) < 5 {
		return nil, errProtocol
	}
	rest := raw[4 : len(raw)-1]
	d := bson.D{}
	for len(rest) > 0 {
		el, rem, ok := bsoncore.ReadElement(rest)
		if !ok {
			return nil, errProtocol
		}
		v, err := decodeValue(el.Value())
		if err != nil {
			return nil, err
		}
		d = append(d, bson.E{Key: el.Key(), Value: v})
		rest = rem
	}
	return d, nil
}

func decodeValue(v bsoncore.Value) (any, error) {
	switch v.Type {
	case bsoncore.TypeDouble:
		return v.Double(), nil
	case bsoncore.TypeString:
		return v.StringValue(), nil
	case bsoncore.TypeEmbeddedDocument:
		return decodeDoc(v.Data)
	case bsoncore.TypeArray:
		vals, err := v.Array().Values()
		if err != nil {
			return nil, errProtocol
		}
		a := make(bson.A, len(vals))
		for i, e := range vals {
			if a[i], err = decodeValue(e); err != nil {
				return nil, err
			}
		}
		return a, nil
	case bsoncore.TypeBinary:
		// The old binary subtype has an inner length the driver checks.
		if len(v.Data) < 5 || v.Data[4] == bson.TypeBinaryBinaryOld {
			return nil, errRareType
		}
		sub, data, ok := v.BinaryOK()
		if !ok {
			return nil, errRareType
		}
		return bson.Binary{Subtype: sub, Data: append([]byte(nil), data...)}, nil
	case bsoncore.TypeObjectID:
		return bson.ObjectID(v.ObjectID()), nil
	case bsoncore.TypeBoolean:
		return v.Boolean(), nil
	case bsoncore.TypeDateTime:
		return bson.DateTime(v.DateTime()), nil
	case bsoncore.TypeNull:
		return nil, nil
	case bsoncore.TypeInt32:
		return v.Int32(), nil
	case bsoncore.TypeInt64:
		return v.Int64(), nil
	case bsoncore.TypeTimestamp:
		t, i := v.Timestamp()
		return bson.Timestamp{T: t, I: i}, nil
	case bsoncore.TypeDecimal128:
		h, l := v.Decimal128()
		return bson.NewDecimal128(h, l), nil
	case bsoncore.TypeRegex:
		p, o := v.Regex()
		return bson.Regex{Pattern: p, Options: o}, nil
	default:
		return nil, errRareType
	}
}
