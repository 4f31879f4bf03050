package mql

import (
	"math"
	"math/big"
	"strconv"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Numeric results follow mongod: int32 op int32 stays int32 unless it
// overflows (then int64); int64 overflow is an error; any double makes a
// double; any decimal128 makes a decimal128.

type arithOp int

const (
	opAdd arithOp = iota
	opMul
)

var errOverflow = errorf(CodeBadValue, "integer overflow")

// arith applies op to two normalized numbers.
func arith(op arithOp, a, b any) (any, error) {
	_, aDec := a.(bson.Decimal128)
	_, bDec := b.(bson.Decimal128)
	if aDec || bDec {
		return decimalArith(op, a, b)
	}
	_, aF := a.(float64)
	_, bF := b.(float64)
	if aF || bF {
		x, _ := asFloat(a)
		y, _ := asFloat(b)
		if op == opAdd {
			return x + y, nil
		}
		return x * y, nil
	}
	x, _ := intValue(a)
	y, _ := intValue(b)
	_, a32 := a.(int32)
	_, b32 := b.(int32)
	if a32 && b32 { // cannot overflow int64
		r := x + y
		if op == opMul {
			r = x * y
		}
		if r >= math.MinInt32 && r <= math.MaxInt32 {
			return int32(r), nil
		}
		return r, nil
	}
	var r int64
	if op == opAdd {
		r = x + y
		if (y > 0 && r < x) || (y < 0 && r > x) {
			return nil, errOverflow
		}
		return r, nil
	}
	if x == 0 || y == 0 {
		return int64(0), nil
	}
	r = x * y
	if r/y != x || (x == -1 && y == math.MinInt64) || (y == -1 && x == math.MinInt64) {
		return nil, errOverflow
	}
	return r, nil
}

// decimalArith computes a+b or a*b in decimal128, with the operands converted
// as mongod converts them (doubles rounded to 15 significant digits) and the
// result rounded half-even to 34 digits.
func decimalArith(op arithOp, a, b any) (any, error) {
	x, y := toDecimalParts(a), toDecimalParts(b)
	if x.nan || y.nan {
		return decimalNaN(), nil
	}
	if x.inf != 0 || y.inf != 0 {
		switch {
		case op == opAdd && x.inf != 0 && y.inf != 0 && x.inf != y.inf:
			return decimalNaN(), nil
		case op == opAdd && x.inf != 0:
			return decimalInf(x.inf), nil
		case op == opAdd:
			return decimalInf(y.inf), nil
		}
		// Multiplication: infinity times zero is NaN.
		if (x.inf == 0 && x.coef.Sign() == 0) || (y.inf == 0 && y.coef.Sign() == 0) {
			return decimalNaN(), nil
		}
		return decimalInf(x.sign() * y.sign()), nil
	}
	var coef *big.Int
	var exp int
	if op == opAdd {
		exp = min(x.exp, y.exp)
		cx := scaleUp(x.coef, x.exp-exp)
		cy := scaleUp(y.coef, y.exp-exp)
		coef = cx.Add(cx, cy)
	} else {
		coef = new(big.Int).Mul(x.coef, y.coef)
		exp = x.exp + y.exp
	}
	coef, exp = roundDigits(coef, exp, 34)
	d, ok := bson.ParseDecimal128FromBigInt(coef, exp)
	if !ok {
		if coef.Sign() < 0 {
			return decimalInf(-1), nil
		}
		return decimalInf(1), nil
	}
	return d, nil
}

type decimalParts struct {
	coef *big.Int
	exp  int
	nan  bool
	inf  int
}

func (p decimalParts) sign() int {
	if p.inf != 0 {
		return p.inf
	}
	if p.coef.Sign() < 0 {
		return -1
	}
	return 1
}

func toDecimalParts(v any) decimalParts {
	switch x := v.(type) {
	case int32:
		return decimalParts{coef: big.NewInt(int64(x))}
	case int64:
		return decimalParts{coef: big.NewInt(x)}
	case float64:
		switch {
		case math.IsNaN(x):
			return decimalParts{nan: true}
		case math.IsInf(x, 0):
			return decimalParts{inf: int(math.Copysign(1, x))}
		}
		d, err := bson.ParseDecimal128(strconv.FormatFloat(x, 'e', 14, 64))
		if err != nil {
			return decimalParts{nan: true}
		}
		return toDecimalParts(d)
	case bson.Decimal128:
		if x.IsNaN() {
			return decimalParts{nan: true}
		}
		if s := x.IsInf(); s != 0 {
			return decimalParts{inf: s}
		}
		bi, exp, err := x.BigInt()
		if err != nil {
			return decimalParts{nan: true}
		}
		return decimalParts{coef: bi, exp: exp}
	}
	return decimalParts{nan: true}
}

var bigTen = big.NewInt(10)

func scaleUp(c *big.Int, n int) *big.Int {
	p := new(big.Int).Exp(bigTen, big.NewInt(int64(n)), nil)
	return p.Mul(p, c)
}

// roundDigits rounds coef half-even so that it has at most n digits.
func roundDigits(coef *big.Int, exp, n int) (*big.Int, int) {
	digits := len(new(big.Int).Abs(coef).String())
	if digits <= n {
		return coef, exp
	}
	drop := digits - n
	div := new(big.Int).Exp(bigTen, big.NewInt(int64(drop)), nil)
	q, r := new(big.Int).QuoRem(coef, div, new(big.Int))
	half := new(big.Int).Rsh(div, 1) // div is even: 10^drop/2 exactly
	switch new(big.Int).Abs(r).Cmp(half) {
	case 1:
		q.Add(q, big.NewInt(int64(coef.Sign())))
	case 0:
		if q.Bit(0) == 1 {
			q.Add(q, big.NewInt(int64(coef.Sign())))
		}
	}
	if len(new(big.Int).Abs(q).String()) > n { // 999.. rounded up
		q.Quo(q, bigTen)
		drop++
	}
	return q, exp + drop
}

func decimalNaN() bson.Decimal128 {
	d, _ := bson.ParseDecimal128("NaN")
	return d
}

func decimalInf(sign int) bson.Decimal128 {
	s := "Infinity"
	if sign < 0 {
		s = "-Infinity"
	}
	d, _ := bson.ParseDecimal128(s)
	return d
}

// decimalQuo divides a decimal by a positive integer, rounded to 34 digits.
func decimalQuo(d bson.Decimal128, n int64) bson.Decimal128 {
	p := toDecimalParts(d)
	switch {
	case p.nan:
		return decimalNaN()
	case p.inf != 0:
		return decimalInf(p.inf)
	}
	const extra = 40 // digits of precision beyond the dividend's
	coef := scaleUp(p.coef, extra)
	coef.Quo(coef, big.NewInt(n))
	coef, exp := roundDigits(coef, p.exp-extra, 34)
	for exp < 0 && coef.Sign() != 0 { // drop trailing zeros the scaling added
		q, r := new(big.Int).QuoRem(coef, bigTen, new(big.Int))
		if r.Sign() != 0 {
			break
		}
		coef, exp = q, exp+1
	}
	r, ok := bson.ParseDecimal128FromBigInt(coef, exp)
	if !ok {
		return decimalNaN()
	}
	return r
}
