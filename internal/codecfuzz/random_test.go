package codecfuzz

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"
)

// source turns fuzz input into choices: its bytes, then, when they run
// out, those of a generator seeded with them, so that short inputs still
// make rich values and documents.
type source struct {
	data []byte
	more *rand.PCG
}

func newSource(data []byte) *source {
	h := fnv.New64a()
	h.Write(data)
	return &source{data: data, more: rand.NewPCG(h.Sum64(), uint64(len(data)))}
}

func (s *source) byte() byte {
	if len(s.data) == 0 {
		return byte(s.more.Uint64())
	}
	b := s.data[0]
	s.data = s.data[1:]
	return b
}

func (s *source) intn(n int) int { return int(s.byte()) % n }

func (s *source) u64() uint64 {
	var u uint64
	for range 8 {
		u = u<<8 | uint64(s.byte())
	}
	return u
}

var (
	tTime  = reflect.TypeFor[time.Time]()
	tOID   = reflect.TypeFor[bson.ObjectID]()
	tDec   = reflect.TypeFor[bson.Decimal128]()
	tD     = reflect.TypeFor[bson.D]()
	tRaw   = reflect.TypeFor[bson.Raw]()
	keySet = []string{"a", "B", "sku", "name", "_id", "x\x00y", "Extra", "p"}
)

func (s *source) time() time.Time {
	switch s.intn(5) {
	case 0:
		return time.Time{}
	case 1:
		return time.UnixMilli(int64(s.u64() % (1 << 42))).UTC()
	case 2:
		return time.Unix(int64(s.u64()%(1<<34))-(1<<33), int64(s.u64()%1e9))
	case 3:
		return time.Unix(0, int64(s.u64()%1e12)).In(time.FixedZone("x", 3600))
	}
	return time.Date(1, 1, 1, 0, 0, 0, int(s.u64()%1e9), time.UTC)
}

func (s *source) integer() uint64 {
	switch s.intn(6) {
	case 0:
		return 0
	case 1:
		return uint64(s.byte())
	case 2:
		return math.MaxInt32 + uint64(s.intn(3)) - 1
	case 3:
		return 1 << 63
	case 4:
		return uint64(-int64(s.byte()))
	}
	return s.u64()
}

func (s *source) float() float64 {
	switch s.intn(7) {
	case 0:
		return 0
	case 1:
		return math.Copysign(0, -1)
	case 2:
		return math.NaN()
	case 3:
		return math.Inf(1 - 2*s.intn(2))
	case 4:
		return float64(int8(s.byte())) / 4
	case 5:
		return float64(float32(math.Float64frombits(s.u64())))
	}
	return math.Float64frombits(s.u64())
}

func (s *source) str() string {
	if s.intn(3) == 0 {
		return keySet[s.intn(len(keySet))]
	}
	b := make([]byte, s.intn(5))
	for i := range b {
		b[i] = "abcXYZ_0é"[s.intn(10)]
	}
	return string(b)
}

// key is a random key for BSON being built, which cannot hold NUL.
func (s *source) key() string { return strings.ReplaceAll(s.str(), "\x00", "") }

// fill sets v, settable, to a random value of its type.
func (s *source) fill(v reflect.Value, depth int) {
	switch v.Type() {
	case tTime:
		v.Set(reflect.ValueOf(s.time()))
		return
	case tOID:
		var oid bson.ObjectID
		if s.intn(2) == 1 {
			for i := range oid {
				oid[i] = s.byte()
			}
		}
		v.Set(reflect.ValueOf(oid))
		return
	case tDec:
		v.Set(reflect.ValueOf(bson.NewDecimal128(s.u64(), s.u64())))
		return
	case tD:
		if n := s.intn(3); n > 0 {
			d := bson.D{}
			for range n {
				d = append(d, bson.E{Key: s.str(), Value: int32(s.byte())})
			}
			v.Set(reflect.ValueOf(d))
		}
		return
	case tRaw:
		if s.intn(2) == 1 {
			v.Set(reflect.ValueOf(bson.Raw(bsoncore.NewDocumentBuilder().AppendString("r", s.str()).Build())))
		}
		return
	}
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(s.intn(2) == 1)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(s.integer()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		u := s.integer()
		if u > math.MaxInt64 && s.intn(8) != 0 {
			u >>= 1 // an overflow fails the whole document: keep it rare
		}
		v.SetUint(u)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(s.float())
	case reflect.String:
		v.SetString(s.str())
	case reflect.Pointer:
		if s.intn(3) == 0 || depth > 3 {
			v.SetZero()
			return
		}
		p := reflect.New(v.Type().Elem())
		s.fill(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		n := s.intn(5) - 1
		if n < 0 || depth > 3 {
			v.SetZero()
			return
		}
		sl := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			s.fill(sl.Index(i), depth+1)
		}
		v.Set(sl)
	case reflect.Array:
		for i := range v.Len() {
			s.fill(v.Index(i), depth+1)
		}
	case reflect.Map:
		n := s.intn(4) - 1
		if n < 0 || depth > 3 {
			v.SetZero()
			return
		}
		m := reflect.MakeMap(v.Type())
		for range n {
			k := reflect.New(v.Type().Key()).Elem()
			s.fill(k, depth+1)
			e := reflect.New(v.Type().Elem()).Elem()
			s.fill(e, depth+1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Interface:
		var x any
		switch s.intn(6) {
		case 1:
			x = int32(s.byte())
		case 2:
			x = s.str()
		case 3:
			x = bson.D{{Key: "k", Value: s.float()}}
		case 4:
			x = &Item{SKU: s.str()}
		case 5:
			x = []any{int64(s.integer()), nil}
		}
		if x != nil {
			v.Set(reflect.ValueOf(x))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				s.fill(v.Field(i), depth+1)
			}
		}
	}
}

// multiEntryMap reports whether v holds a map of two entries or more,
// whose encoding order is random.
func multiEntryMap(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Map:
		if v.Len() > 1 {
			return true
		}
		for it := v.MapRange(); it.Next(); {
			if multiEntryMap(it.Value()) {
				return true
			}
		}
	case reflect.Pointer, reflect.Interface:
		return !v.IsNil() && multiEntryMap(v.Elem())
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if multiEntryMap(v.Index(i)) {
				return true
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() && multiEntryMap(v.Field(i)) {
				return true
			}
		}
	}
	return false
}

// mutate returns doc with a few of its elements, at any depth, dropped,
// duplicated, re-keyed in upper case or given another value, and unknown
// keys added: each change alone either decodes or fails in one field,
// which keeps most documents decodable.
func (s *source) mutate(doc []byte) []byte {
	if len(doc) < 5 {
		doc = []byte{5, 0, 0, 0, 0}
	}
	for n := 1 + s.intn(3); n > 0; n-- {
		count := countElements(doc)
		if count == 0 {
			break
		}
		target := int(s.byte())<<8 | int(s.byte())
		doc = s.change(doc, target%count, 0)
	}
	for s.intn(5) == 1 {
		doc = append([]byte(nil), doc...)
		idx := len(doc) - 1
		doc = bsoncore.AppendValueElement(doc[:idx], s.key(), s.value(0))
		doc = append(doc, 0)
		doc = bsoncore.UpdateLength(doc, 0, int32(len(doc)))
	}
	return doc
}

// countElements counts the elements of doc at every depth.
func countElements(doc []byte) int {
	elems, err := bsoncore.Document(doc).Elements()
	if err != nil {
		return 0
	}
	n := len(elems)
	for _, e := range elems {
		if v := e.Value(); v.Type == bsoncore.TypeEmbeddedDocument || v.Type == bsoncore.TypeArray {
			n += countElements(v.Data)
		}
	}
	return n
}

// change rebuilds doc with its target-th element (depth first, counting
// from *seen) changed.
func (s *source) change(doc []byte, target int, seen int) []byte {
	out, _ := s.changeAt(doc, target, &seen)
	return out
}

func (s *source) changeAt(doc []byte, target int, seen *int) ([]byte, bool) {
	elems, err := bsoncore.Document(doc).Elements()
	if err != nil {
		return doc, false
	}
	idx, out := bsoncore.AppendDocumentStart(nil)
	done := false
	for _, e := range elems {
		key, val := e.Key(), e.Value()
		if !done && *seen == target {
			done = true
			switch s.intn(8) {
			case 0:
				continue // dropped
			case 1:
				key = strings.ToUpper(key)
			case 2:
				val = s.value(0)
			case 3:
				out = bsoncore.AppendValueElement(out, key, s.variant(val, 0))
			default:
				val = s.variant(val, 0)
			}
		}
		*seen++
		if !done && (val.Type == bsoncore.TypeEmbeddedDocument || val.Type == bsoncore.TypeArray) {
			val.Data, done = s.changeAt(val.Data, target, seen)
		}
		out = bsoncore.AppendValueElement(out, key, val)
	}
	out, _ = bsoncore.AppendDocumentEnd(out, idx)
	return out, done
}

// variant is val as another BSON type the driver may accept for the same
// Go field: a number as the other numbers and a boolean, a string as a
// symbol or binary, a datetime as int64, string or timestamp, anything as
// null or undefined.
func (s *source) variant(val bsoncore.Value, depth int) bsoncore.Value {
	b := bsoncore.NewDocumentBuilder()
	f, isNumber := val.AsFloat64OK()
	switch {
	case s.intn(6) == 0:
		b.AppendNull("v")
	case s.intn(6) == 0:
		b.AppendUndefined("v")
	case isNumber || val.Type == bsoncore.TypeBoolean:
		if val.Type == bsoncore.TypeBoolean && val.Boolean() {
			f = 1
		}
		switch s.intn(6) {
		case 0:
			b.AppendInt32("v", int32(f))
		case 1:
			b.AppendInt64("v", int64(f))
		case 2:
			b.AppendDouble("v", f)
		case 3:
			b.AppendDouble("v", f+0.5)
		case 4:
			b.AppendBoolean("v", f != 0)
		default:
			b.AppendDouble("v", -f-float64(s.intn(2)))
		}
	case val.Type == bsoncore.TypeString:
		str := val.StringValue()
		switch s.intn(3) {
		case 0:
			b.AppendSymbol("v", str)
		case 1:
			b.AppendBinary("v", []byte{0, 2, 3}[s.intn(3)], []byte(str))
		default:
			b.AppendObjectID("v", bson.ObjectID{})
		}
	case val.Type == bsoncore.TypeDateTime:
		ms := val.DateTime()
		switch s.intn(3) {
		case 0:
			b.AppendInt64("v", ms)
		case 1:
			b.AppendString("v", time.UnixMilli(ms).UTC().Format(time.RFC3339Nano))
		default:
			b.AppendTimestamp("v", uint32(ms/1000), 1)
		}
	case val.Type == bsoncore.TypeObjectID:
		oid := bson.ObjectID(val.ObjectID())
		if s.intn(2) == 0 {
			b.AppendString("v", oid.Hex())
		} else {
			b.AppendString("v", string(oid[:]))
		}
	default:
		return s.value(depth)
	}
	return bsoncore.Document(b.Build()).Index(0).Value()
}

// value is a random BSON value of any type.
func (s *source) value(depth int) bsoncore.Value {
	b := bsoncore.NewDocumentBuilder()
	switch s.intn(20) {
	case 0:
		b.AppendNull("v")
	case 1:
		b.AppendInt32("v", int32(s.integer()))
	case 2:
		b.AppendInt64("v", int64(s.integer()))
	case 3:
		b.AppendDouble("v", s.float())
	case 4:
		b.AppendBoolean("v", s.intn(2) == 1)
	case 5:
		b.AppendString("v", s.str())
	case 6:
		b.AppendDateTime("v", int64(s.integer()))
	case 7:
		b.AppendObjectID("v", bson.NewObjectIDFromTimestamp(time.Unix(int64(s.byte()), 0)))
	case 8:
		b.AppendBinary("v", []byte{0, 2, 4, 0x80}[s.intn(4)], []byte(s.str()))
	case 9:
		b.AppendUndefined("v")
	case 10:
		b.AppendDecimal128("v", s.u64(), s.u64())
	case 11:
		b.AppendTimestamp("v", uint32(s.integer()), 1)
	case 12:
		b.AppendSymbol("v", s.str())
	case 13:
		b.AppendString("v", []string{"2024-01-02T03:04:05.678Z", "65a0b1c2d3e4f5a6b7c8d9e0", "twelve bytes"}[s.intn(3)])
	case 14:
		b.AppendMinKey("v")
	case 15, 16:
		sub := bsoncore.NewDocumentBuilder()
		if depth < 4 {
			for range s.intn(3) {
				v := s.value(depth + 1)
				sub.AppendValue(s.key(), v)
			}
		}
		b.AppendDocument("v", sub.Build())
	default:
		arr := bsoncore.NewArrayBuilder()
		if depth < 4 {
			for range s.intn(3) {
				arr.AppendValue(s.value(depth + 1))
			}
		}
		b.AppendArray("v", arr.Build())
	}
	return bsoncore.Document(b.Build()).Index(0).Value()
}
