package mql

import (
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// typeAliases maps $type's string aliases to BSON type numbers.
var typeAliases = map[string]int32{
	"double": 1, "string": 2, "object": 3, "array": 4, "binData": 5,
	"undefined": 6, "objectId": 7, "bool": 8, "date": 9, "null": 10,
	"regex": 11, "dbPointer": 12, "javascript": 13, "symbol": 14,
	"javascriptWithScope": 15, "int": 16, "timestamp": 17, "long": 18,
	"decimal": 19, "minKey": -1, "maxKey": 127,
}

// typeCode returns the BSON type number of a normalized value, or 0 for Go
// values without a BSON counterpart.
func typeCode(v any) int32 {
	switch v.(type) {
	case float64:
		return 1
	case string:
		return 2
	case bson.D:
		return 3
	case bson.A:
		return 4
	case bson.Binary:
		return 5
	case bson.Undefined:
		return 6
	case bson.ObjectID:
		return 7
	case bool:
		return 8
	case bson.DateTime:
		return 9
	case nil:
		return 10
	case bson.Regex:
		return 11
	case bson.DBPointer:
		return 12
	case bson.JavaScript:
		return 13
	case bson.Symbol:
		return 14
	case bson.CodeWithScope:
		return 15
	case int32:
		return 16
	case bson.Timestamp:
		return 17
	case int64:
		return 18
	case bson.Decimal128:
		return 19
	case bson.MinKey:
		return -1
	case bson.MaxKey:
		return 127
	}
	return 0
}

// typeNames maps BSON type numbers back to mongod's names.
var typeNames = func() map[int32]string {
	m := make(map[int32]string, len(typeAliases))
	for name, code := range typeAliases {
		m[code] = name
	}
	return m
}()

// typeName returns mongod's name for the type of v, as used in messages.
func typeName(v any) string {
	if name, ok := typeNames[typeCode(normalize(v))]; ok {
		return name
	}
	return fmt.Sprintf("%T", v)
}

// formatValue renders v roughly as mongod does in error messages.
func formatValue(v any) string {
	var sb strings.Builder
	writeValue(&sb, normalize(v))
	return sb.String()
}

// formatDoc renders a document as {a: 1, b: "x"}.
func formatDoc(d bson.D) string { return formatValue(d) }

func writeValue(sb *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		sb.WriteString("null")
	case int32:
		sb.WriteString(strconv.FormatInt(int64(x), 10))
	case int64:
		sb.WriteString(strconv.FormatInt(x, 10))
	case float64:
		switch {
		case math.IsNaN(x):
			sb.WriteString("nan.0")
		case math.IsInf(x, 1):
			sb.WriteString("inf.0")
		case math.IsInf(x, -1):
			sb.WriteString("-inf.0")
		case x == math.Trunc(x) && math.Abs(x) < 1e15:
			sb.WriteString(strconv.FormatFloat(x, 'f', 1, 64))
		default:
			sb.WriteString(strconv.FormatFloat(x, 'g', -1, 64))
		}
	case bson.Decimal128:
		fmt.Fprintf(sb, "NumberDecimal(%q)", x.String())
	case string:
		sb.WriteString(strconv.Quote(x))
	case bson.Symbol:
		sb.WriteString(strconv.Quote(string(x)))
	case bool:
		sb.WriteString(strconv.FormatBool(x))
	case bson.D:
		sb.WriteString("{")
		for i, e := range x {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(e.Key)
			sb.WriteString(": ")
			writeValue(sb, normalize(e.Value))
		}
		sb.WriteString("}")
	case bson.A:
		sb.WriteString("[ ")
		for i, e := range x {
			if i > 0 {
				sb.WriteString(", ")
			}
			writeValue(sb, normalize(e))
		}
		sb.WriteString(" ]")
	case bson.ObjectID:
		fmt.Fprintf(sb, "ObjectId('%s')", x.Hex())
	case bson.DateTime:
		fmt.Fprintf(sb, "new Date(%d)", int64(x))
	case bson.Timestamp:
		fmt.Fprintf(sb, "Timestamp(%d, %d)", x.T, x.I)
	case bson.Binary:
		fmt.Fprintf(sb, "BinData(%d, %s)", x.Subtype, strings.ToUpper(hex.EncodeToString(x.Data)))
	case bson.Regex:
		fmt.Fprintf(sb, "/%s/%s", x.Pattern, x.Options)
	case bson.MinKey:
		sb.WriteString("MinKey")
	case bson.MaxKey:
		sb.WriteString("MaxKey")
	case bson.Undefined:
		sb.WriteString("undefined")
	default:
		fmt.Fprintf(sb, "%v", x)
	}
}
