package mql

import (
	"math"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// accumulator collects one $group output field for one group.
type accumulator interface {
	add(v any, ok bool)
	result() any
}

type accSpec struct {
	name string
	op   string
	ex   expression
}

func parseGroup(arg any, vars Vars) (stage, error) {
	d, ok := arg.(bson.D)
	if !ok {
		return nil, errorf(15947, "a group's fields must be specified in an object")
	}
	var idExpr expression
	var specs []accSpec
	for _, e := range d {
		if e.Key == "_id" {
			ex, err := parseExpression(e.Value, vars)
			if err != nil {
				return nil, err
			}
			idExpr = ex
			continue
		}
		spec, err := parseAccumulator(e.Key, e.Value, vars)
		if err != nil {
			return nil, err
		}
		specs = append(specs, spec)
	}
	if idExpr == nil {
		return nil, errorf(15955, "a group specification must include an _id")
	}
	return func(docs []bson.D) ([]bson.D, error) {
		type group struct {
			key  any
			accs []accumulator
		}
		var groups []*group
		index := map[string][]*group{} // by a coarse key, to keep lookups cheap
		for _, d := range docs {
			key, ok, err := idExpr.eval(d)
			if err != nil {
				return nil, err
			}
			if !ok {
				key = nil
			}
			coarse := groupHash(key)
			var g *group
			for _, c := range index[coarse] {
				if Equal(c.key, key) {
					g = c
					break
				}
			}
			if g == nil {
				g = &group{key: key}
				for _, s := range specs {
					g.accs = append(g.accs, newAccumulator(s.op))
				}
				groups = append(groups, g)
				index[coarse] = append(index[coarse], g)
			}
			for i, s := range specs {
				v, ok, err := s.ex.eval(d)
				if err != nil {
					return nil, err
				}
				g.accs[i].add(v, ok)
			}
		}
		out := make([]bson.D, 0, len(groups))
		for _, g := range groups {
			doc := bson.D{{Key: "_id", Value: g.key}}
			for i, s := range specs {
				doc = append(doc, bson.E{Key: s.name, Value: g.accs[i].result()})
			}
			out = append(out, doc)
		}
		return out, nil
	}, nil
}

// parseAccumulator compiles the output field name of a $group: {<op>: <expression>}.
func parseAccumulator(name string, v any, vars Vars) (accSpec, error) {
	if strings.Contains(name, ".") {
		return accSpec{}, errorf(40235, "The field name '%s' cannot contain '.'", name)
	}
	if strings.HasPrefix(name, "$") {
		return accSpec{}, errorf(40236, "The field name '%s' cannot be an operator name", name)
	}
	acc, ok := normalize(v).(bson.D)
	if !ok {
		return accSpec{}, errorf(40234, "The field '%s' must be an accumulator object", name)
	}
	if len(acc) != 1 {
		return accSpec{}, errorf(40238, "The field '%s' must specify one accumulator", name)
	}
	op := acc[0].Key
	switch op {
	case "$sum", "$avg", "$min", "$max", "$first", "$last", "$push", "$addToSet":
	case "$count":
		if c, ok := normalize(acc[0].Value).(bson.D); !ok || len(c) != 0 {
			return accSpec{}, errorf(CodeBadValue, "$count takes no arguments, i.e. $count:{}")
		}
		op, acc = "$sum", bson.D{{Key: "$sum", Value: int32(1)}}
	case "$stdDevPop", "$stdDevSamp", "$mergeObjects", "$top", "$bottom", "$topN", "$bottomN",
		"$firstN", "$lastN", "$maxN", "$minN", "$accumulator", "$median", "$percentile", "$concatArrays", "$setUnion":
		return accSpec{}, unsupported("accumulator %s", op)
	default:
		return accSpec{}, errorf(15952, "unknown group operator '%s'", op)
	}
	if _, isArr := normalize(acc[0].Value).(bson.A); isArr {
		return accSpec{}, errorf(40237, "The %s accumulator is a unary operator", op)
	}
	ex, err := parseExpression(acc[0].Value, vars)
	if err != nil {
		return accSpec{}, err
	}
	return accSpec{name: name, op: op, ex: ex}, nil
}

// groupHash maps values that compare equal to the same string: numbers by
// their float64 value (exact ties are then resolved by Equal), strings by
// content, everything else by type bracket.
func groupHash(v any) string {
	switch x := v.(type) {
	case int32, int64, float64, bson.Decimal128:
		f, _ := asFloat(x)
		switch {
		case math.IsNaN(f):
			return "n:NaN"
		case f == 0: // -0 and 0 are one group
			return "n:0"
		}
		return "n:" + formatValue(f)
	case string:
		return "s:" + x
	case bson.Symbol:
		return "s:" + string(x)
	case bson.ObjectID:
		return "o:" + x.Hex()
	}
	return "t:" + formatValue(int32(rank(v)))
}

func newAccumulator(op string) accumulator {
	switch op {
	case "$sum":
		return &sumAcc{}
	case "$avg":
		return &avgAcc{}
	case "$min":
		return &minMaxAcc{dir: -1}
	case "$max":
		return &minMaxAcc{dir: 1}
	case "$first":
		return &firstLastAcc{first: true}
	case "$last":
		return &firstLastAcc{}
	case "$push":
		return &pushAcc{}
	default:
		return &pushAcc{set: true}
	}
}

// sumAcc adds numbers and ignores everything else. Integers stay int32
// while they fit, then int64, and become double on int64 overflow, as in
// mongod.
type sumAcc struct {
	i       int64
	f       float64
	dec     any // bson.Decimal128 once a decimal was seen
	isFloat bool
	is64    bool
}

func (a *sumAcc) add(v any, ok bool) {
	if !ok || !isNumber(v) {
		return
	}
	switch x := v.(type) {
	case bson.Decimal128:
		if a.dec == nil {
			a.dec, _ = arith(opAdd, a.partial(), x)
		} else {
			a.dec, _ = arith(opAdd, a.dec, x)
		}
		return
	case float64:
		if a.dec != nil {
			a.dec, _ = arith(opAdd, a.dec, x)
			return
		}
		a.isFloat = true
		a.f += x
	case int32, int64:
		if a.dec != nil {
			a.dec, _ = arith(opAdd, a.dec, x)
			return
		}
		n, _ := intValue(x)
		if _, is64 := x.(int64); is64 {
			a.is64 = true
		}
		if a.isFloat {
			a.f += float64(n)
			return
		}
		s := a.i + n
		if (n > 0 && s < a.i) || (n < 0 && s > a.i) {
			a.isFloat = true
			a.f += float64(a.i) + float64(n)
			a.i = 0
			return
		}
		a.i = s
	}
}

// partial is the sum so far as a number.
func (a *sumAcc) partial() any {
	switch {
	case a.isFloat:
		return a.f + float64(a.i)
	case a.is64 || a.i > math.MaxInt32 || a.i < math.MinInt32:
		return a.i
	}
	return int32(a.i)
}

func (a *sumAcc) result() any {
	if a.dec != nil {
		return a.dec
	}
	return a.partial()
}

type avgAcc struct {
	sum sumAcc
	n   int64
}

func (a *avgAcc) add(v any, ok bool) {
	if ok && isNumber(v) {
		a.sum.add(v, true)
		a.n++
	}
}

func (a *avgAcc) result() any {
	if a.n == 0 {
		return nil
	}
	s := a.sum.result()
	if d, ok := s.(bson.Decimal128); ok {
		return decimalQuo(d, a.n)
	}
	f, _ := asFloat(s)
	return f / float64(a.n)
}

type minMaxAcc struct {
	dir  int
	v    any
	seen bool
}

func (a *minMaxAcc) add(v any, ok bool) {
	if !ok || v == nil {
		return
	}
	if _, undef := v.(bson.Undefined); undef {
		return
	}
	if !a.seen || Compare(v, a.v)*a.dir > 0 {
		a.v, a.seen = v, true
	}
}

func (a *minMaxAcc) result() any { return a.v }

type firstLastAcc struct {
	first bool
	v     any
	seen  bool
}

func (a *firstLastAcc) add(v any, ok bool) {
	if a.first && a.seen {
		return
	}
	if !ok {
		v = nil
	}
	a.v, a.seen = v, true
}

func (a *firstLastAcc) result() any { return a.v }

type pushAcc struct {
	set  bool
	vals bson.A
}

func (a *pushAcc) add(v any, ok bool) {
	if !ok {
		return
	}
	if a.set && slices.ContainsFunc(a.vals, func(e any) bool { return Equal(e, v) }) {
		return
	}
	a.vals = append(a.vals, v)
}

func (a *pushAcc) result() any {
	if a.vals == nil {
		return bson.A{}
	}
	return a.vals
}
