package mongotest

// The one home of the helpers that read command arguments and name BSON
// values in error messages: every command family uses these.

import (
	"fmt"
	"reflect"
	"strconv"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// lookup returns the value of key in d, or nil.
func lookup(d bson.D, key string) any {
	for _, e := range d {
		if e.Key == key {
			return e.Value
		}
	}
	return nil
}

// has reports whether d has key.
func has(d bson.D, key string) bool {
	for _, e := range d {
		if e.Key == key {
			return true
		}
	}
	return false
}

// docArg returns the document field key of body; absent is nil.
func docArg(body bson.D, key string) (bson.D, *cmdError) {
	switch v := lookup(body, key).(type) {
	case nil:
		return nil, nil
	case bson.D:
		return v, nil
	default:
		return nil, errorf(codeTypeMismatch, "'%s' must be a document, not %s", key, bsonTypeName(v))
	}
}

// intArg returns the numeric argument key of body, and whether it is there.
func intArg(body bson.D, key string) (int64, bool, *cmdError) {
	v := lookup(body, key)
	if v == nil {
		return 0, false, nil
	}
	n, ok := wholeNumber(v)
	if !ok {
		return 0, false, errorf(codeTypeMismatch, "'%s' must be a number, not %s", key, bsonTypeName(v))
	}
	return n, true, nil
}

// wholeNumber returns v as an integer when it is an int32, an int64 or a
// double with no fraction: what mongod accepts for a numeric argument
// (limit: 2.0). Package mql's intValue, for values in documents, takes no
// doubles.
func wholeNumber(v any) (int64, bool) {
	switch x := v.(type) {
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case float64:
		if x == float64(int64(x)) {
			return int64(x), true
		}
	}
	return 0, false
}

// unsupported refuses fields of body that would change a command's
// meaning and that this server does not implement.
func unsupported(req *request, fields ...string) *cmdError {
	for _, f := range fields {
		if v := lookup(req.body, f); v != nil && v != false {
			return errorf(codeBadValue, "mongotest does not support the %q option of %s", f, req.name)
		}
	}
	return nil
}

// bsonTypeName is the BSON type name of v, for error messages.
func bsonTypeName(v any) string {
	t, _, err := bson.MarshalValue(v)
	if err != nil {
		return reflect.TypeOf(v).String()
	}
	return t.String()
}

// bsonString renders v as relaxed extended JSON, for error messages.
func bsonString(v any) string {
	d, err := bson.Marshal(bson.D{{Key: "v", Value: v}})
	if err != nil {
		return "?"
	}
	return bson.Raw(d).Lookup("v").String()
}

// bsonNumber renders a number as mongod does in a default index name.
func bsonNumber(v any) string {
	switch x := v.(type) {
	case int32:
		return strconv.Itoa(int(x))
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}
