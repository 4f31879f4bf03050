package bsoncodec

import (
	"errors"
	"reflect"
)

// ErrUnknownKey is what a generated field function returns for a key its struct
// has no field for: [Value.DecodeFields] then looks the key up again in
// lower case, and stores it in the inline map or skips it, as the driver
// does.
var ErrUnknownKey = errors.New("bsoncodec: no field for this key")

// DecodeFields decodes v, a document, into the struct dst points to, of the
// Go type goType (named in the error for another BSON type), one element at
// a time; null or undefined set the struct to its zero value, as the driver
// does (by reflection, which only that case pays: a closure per type would
// be one more function to compile for every struct). Of a document,
// field decodes the element e at key into the struct's field of that key,
// and returns [ErrUnknownKey] when the struct has none. The rules the driver's
// struct codec applies around the fields are here, once for every type: a
// key not found is looked up again in lower case, then skipped; an error
// is returned with the key it was decoding. A generated decoder is a
// switch on the keys in the order of the struct's fields:
//
//	return val.DecodeFields("shop.Account", v, func(key []byte, e bsoncodec.Value) error {
//		switch string(key) {
//		case "_id":
//			return bsoncodec.DecodeObjectID(&v.ID, e)
//		case "owner":
//			return bsoncodec.DecodeString(&v.Owner, e)
//		}
//		return bsoncodec.ErrUnknownKey
//	})
//
// field must not keep key, which points into v's bytes.
func (v Value) DecodeFields(goType string, dst any, field func(key []byte, e Value) error) error {
	return v.decodeFields(goType, dst, field, nil)
}

// DecodeFieldsInline is [Value.DecodeFields] for a struct with an inline
// map: the keys field does not know, in either case, go to rest.
func (v Value) DecodeFieldsInline(goType string, dst any, field, rest func(key []byte, e Value) error) error {
	return v.decodeFields(goType, dst, field, rest)
}

func (v Value) decodeFields(goType string, dst any, field, rest func(key []byte, e Value) error) error {
	if v.IsNull() {
		reflect.ValueOf(dst).Elem().SetZero()
		return nil
	}
	it, err := v.Document(goType)
	if err != nil {
		return err
	}
	for it.Next() {
		key, e := it.Key(), it.Value()
		err := field(key, e)
		if err == nil {
			continue
		}
		if err == ErrUnknownKey {
			if lower, ok := Lower(key); ok {
				key = lower
				err = field(key, e)
			}
		}
		switch {
		case err == nil:
		case err != ErrUnknownKey:
			return AtKey(key, err)
		case rest != nil:
			if err := rest(it.Key(), e); err != nil {
				return err
			}
		}
	}
	return it.Err()
}
