package mql

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Canonical type brackets, in mongod's cross-type sort order. Values of
// different brackets never compare equal; numbers share one bracket, as do
// strings and symbols.
const (
	rankMinKey    = -1
	rankUndefined = 0
	rankNull      = 5
	rankNumber    = 10
	rankString    = 15
	rankObject    = 20
	rankArray     = 25
	rankBinary    = 30
	rankObjectID  = 35
	rankBool      = 40
	rankDate      = 45
	rankTimestamp = 47
	rankRegex     = 50
	rankDBPointer = 55
	rankCode      = 60
	rankCodeScope = 65
	rankMaxKey    = 127
	rankUnknown   = 1000 // Go values that have no BSON counterpart
)

// normalize maps the Go conveniences documented in the package comment onto
// the types bson.Unmarshal produces.
func normalize(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int8:
		return int32(x)
	case int16:
		return int32(x)
	case uint8:
		return int32(x)
	case uint16:
		return int32(x)
	case uint32:
		return int64(x)
	case uint:
		if x > math.MaxInt64 {
			return float64(x)
		}
		return int64(x)
	case uint64:
		if x > math.MaxInt64 {
			return float64(x)
		}
		return int64(x)
	case float32:
		return float64(x)
	case []any:
		return bson.A(x)
	case []byte:
		return bson.Binary{Data: x}
	case time.Time:
		return bson.NewDateTimeFromTime(x)
	case bson.Null:
		return nil
	}
	return v
}

// rank returns the canonical type bracket of a normalized value.
func rank(v any) int {
	switch v.(type) {
	case bson.MinKey:
		return rankMinKey
	case bson.Undefined:
		return rankUndefined
	case nil:
		return rankNull
	case int32, int64, float64, bson.Decimal128:
		return rankNumber
	case string, bson.Symbol:
		return rankString
	case bson.D:
		return rankObject
	case bson.A:
		return rankArray
	case bson.Binary:
		return rankBinary
	case bson.ObjectID:
		return rankObjectID
	case bool:
		return rankBool
	case bson.DateTime:
		return rankDate
	case bson.Timestamp:
		return rankTimestamp
	case bson.Regex:
		return rankRegex
	case bson.DBPointer:
		return rankDBPointer
	case bson.JavaScript:
		return rankCode
	case bson.CodeWithScope:
		return rankCodeScope
	case bson.MaxKey:
		return rankMaxKey
	}
	return rankUnknown
}

// Compare orders two BSON values the way mongod sorts them: first by
// canonical type bracket (MinKey < undefined < null < numbers < strings <
// documents < arrays < binary < ObjectID < bool < date < timestamp < regex <
// DBPointer < JavaScript < JavaScript with scope < MaxKey), then by value.
// Numbers compare by value across int32, int64, double and decimal128, NaN
// below every other number. Strings compare bytewise (the simple collation).
// Documents compare field by field (type bracket, then name, then value);
// arrays element by element. It returns -1, 0 or +1.
func Compare(a, b any) int {
	a, b = normalize(a), normalize(b)
	ra, rb := rank(a), rank(b)
	if ra != rb {
		return cmp.Compare(ra, rb)
	}
	switch x := a.(type) {
	case int32, int64, float64, bson.Decimal128:
		return compareNumbers(x, b)
	case string:
		return strings.Compare(x, stringOf(b))
	case bson.Symbol:
		return strings.Compare(string(x), stringOf(b))
	case bson.D:
		return compareDocs(x, b.(bson.D))
	case bson.A:
		return compareArrays(x, b.(bson.A))
	case bson.Binary:
		y := b.(bson.Binary)
		if c := cmp.Compare(len(x.Data), len(y.Data)); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Subtype, y.Subtype); c != 0 {
			return c
		}
		return bytes.Compare(x.Data, y.Data)
	case bson.ObjectID:
		y := b.(bson.ObjectID)
		return bytes.Compare(x[:], y[:])
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		default:
			return 1
		}
	case bson.DateTime:
		return cmp.Compare(x, b.(bson.DateTime))
	case bson.Timestamp:
		return x.Compare(b.(bson.Timestamp))
	case bson.Regex:
		y := b.(bson.Regex)
		if c := strings.Compare(x.Pattern, y.Pattern); c != 0 {
			return c
		}
		return strings.Compare(x.Options, y.Options)
	case bson.DBPointer:
		y := b.(bson.DBPointer)
		if c := cmp.Compare(len(x.DB), len(y.DB)); c != 0 {
			return c
		}
		if c := strings.Compare(x.DB, y.DB); c != 0 {
			return c
		}
		return bytes.Compare(x.Pointer[:], y.Pointer[:])
	case bson.JavaScript:
		return strings.Compare(string(x), string(b.(bson.JavaScript)))
	case bson.CodeWithScope:
		y := b.(bson.CodeWithScope)
		if c := strings.Compare(string(x.Code), string(y.Code)); c != 0 {
			return c
		}
		return Compare(x.Scope, y.Scope)
	case nil, bson.MinKey, bson.MaxKey, bson.Undefined:
		return 0
	}
	// Values without a BSON counterpart: order by their printed form so the
	// result is at least deterministic.
	return strings.Compare(fmt.Sprintf("%T%v", a, a), fmt.Sprintf("%T%v", b, b))
}

// Equal reports whether a and b are equal in BSON comparison order; numbers
// of different types are equal when their values are.
func Equal(a, b any) bool { return Compare(a, b) == 0 }

func stringOf(v any) string {
	if s, ok := v.(bson.Symbol); ok {
		return string(s)
	}
	return v.(string)
}

func compareDocs(x, y bson.D) int {
	for i := 0; i < len(x) && i < len(y); i++ {
		xv, yv := normalize(x[i].Value), normalize(y[i].Value)
		if c := cmp.Compare(rank(xv), rank(yv)); c != 0 {
			return c
		}
		if c := strings.Compare(x[i].Key, y[i].Key); c != 0 {
			return c
		}
		if c := Compare(xv, yv); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(x), len(y))
}

func compareArrays(x, y bson.A) int {
	for i := 0; i < len(x) && i < len(y); i++ {
		if c := Compare(x[i], y[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(x), len(y))
}

// isNumber reports whether v is a BSON number (after normalization).
func isNumber(v any) bool { return rank(normalize(v)) == rankNumber }

// isNaN reports whether v is a NaN double or decimal.
func isNaN(v any) bool {
	switch x := v.(type) {
	case float64:
		return math.IsNaN(x)
	case bson.Decimal128:
		return x.IsNaN()
	}
	return false
}

// compareNumbers compares two normalized numbers exactly, NaN lowest.
func compareNumbers(a, b any) int {
	an, bn := isNaN(a), isNaN(b)
	switch {
	case an && bn:
		return 0
	case an:
		return -1
	case bn:
		return 1
	}
	ai, aInt := intValue(a)
	bi, bInt := intValue(b)
	if aInt && bInt {
		return cmp.Compare(ai, bi)
	}
	af, aFloat := a.(float64)
	bf, bFloat := b.(float64)
	switch {
	case aFloat && bFloat:
		return cmp.Compare(af, bf)
	case aInt && bFloat:
		return compareIntFloat(ai, bf)
	case aFloat && bInt:
		return -compareIntFloat(bi, af)
	}
	// At least one decimal128: compare exactly as rationals, infinities aside.
	ainf, binf := infSign(a), infSign(b)
	if ainf != 0 || binf != 0 {
		return cmp.Compare(ainf, binf)
	}
	return toRat(a).Cmp(toRat(b))
}

// intValue returns the value of an int32 or int64; a double is not one,
// whatever its value (mongotest's wholeNumber, for command arguments, takes
// whole doubles too).
func intValue(v any) (int64, bool) {
	switch x := v.(type) {
	case int32:
		return int64(x), true
	case int64:
		return x, true
	}
	return 0, false
}

// compareIntFloat compares an integer with a non-NaN double exactly.
func compareIntFloat(i int64, f float64) int {
	switch {
	case f >= math.MaxInt64: // 2^63: above every int64
		return -1
	case f < math.MinInt64:
		return 1
	}
	t := int64(f) // truncation toward zero, exact in this range
	if c := cmp.Compare(i, t); c != 0 {
		return c
	}
	return cmp.Compare(0, f-float64(t))
}

// infSign is +1 or -1 for infinite doubles and decimals, else 0.
func infSign(v any) int {
	switch x := v.(type) {
	case float64:
		switch {
		case math.IsInf(x, 1):
			return 1
		case math.IsInf(x, -1):
			return -1
		}
	case bson.Decimal128:
		return x.IsInf()
	}
	return 0
}

// toRat converts a finite number to an exact rational.
func toRat(v any) *big.Rat {
	switch x := v.(type) {
	case int32:
		return new(big.Rat).SetInt64(int64(x))
	case int64:
		return new(big.Rat).SetInt64(x)
	case float64:
		return new(big.Rat).SetFloat64(x)
	case bson.Decimal128:
		bi, exp, err := x.BigInt()
		if err != nil { // NaN or infinity; callers exclude them
			return new(big.Rat)
		}
		r := new(big.Rat).SetInt(bi)
		p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(exp))), nil)
		if exp >= 0 {
			return r.Mul(r, new(big.Rat).SetInt(p))
		}
		return r.Quo(r, new(big.Rat).SetInt(p))
	}
	return new(big.Rat)
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

// Bracket is v's canonical type bracket: Compare orders values of a lower
// bracket before those of a higher one, so the values of one bracket are
// contiguous in sort order (what an index scan's bounds rely on).
func Bracket(v any) int { return rank(normalize(v)) }
