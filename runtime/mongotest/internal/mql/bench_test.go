package mql

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

var benchDoc = D(`{"_id": {"$oid": "5f1d7a3b9c8e4a2b1c0d9e8f"}, "owner": "ann", "balance": {"$numberLong": "1200"},
	"version": 3, "tags": ["gold", "eu", "vip"], "address": {"city": "Oslo", "zip": "0150"},
	"orders": [{"sku": "a1", "qty": 2}, {"sku": "b7", "qty": 1}, {"sku": "c3", "qty": 9}]}`)

func BenchmarkMatch(b *testing.B) {
	cases := []struct{ name, filter string }{
		{"eq", `{"owner": "ann"}`},
		{"range_and_in", `{"balance": {"$gte": 100, "$lt": 5000}, "tags": {"$in": ["vip", "x"]}}`},
		{"dotted_array", `{"orders.sku": "c3", "address.city": {"$regex": "^os", "$options": "i"}}`},
		{"elemMatch_or", `{"$or": [{"version": 9}, {"orders": {"$elemMatch": {"qty": {"$gt": 5}, "sku": {"$ne": "a1"}}}}]}`},
	}
	for _, c := range cases {
		f, err := ParseFilter(D(c.filter))
		if err != nil {
			b.Fatal(err)
		}
		if !f.Match(benchDoc) {
			b.Fatalf("%s does not match", c.filter)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				f.Match(benchDoc)
			}
		})
	}
}

func BenchmarkApply(b *testing.B) {
	cases := []struct{ name, update string }{
		{"inc", `{"$inc": {"balance": -10, "version": 1}}`},
		{"set_nested_push", `{"$set": {"address.city": "Bergen", "flags.new": true}, "$push": {"orders": {"sku": "d1", "qty": 1}}}`},
		{"replacement", `{"owner": "bob", "balance": 0}`},
	}
	for _, c := range cases {
		u, err := ParseUpdate(D(c.update))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := u.Apply(benchDoc, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseFilter(b *testing.B) {
	spec := D(`{"balance": {"$gte": 100, "$lt": 5000}, "tags": {"$in": ["vip", "x"]}, "orders.sku": "c3"}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseFilter(spec); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSortCompare(b *testing.B) {
	s, err := ParseSort(D(`{"balance": -1, "orders.qty": 1}`))
	if err != nil {
		b.Fatal(err)
	}
	other := copyDoc(benchDoc)
	other[2] = bson.E{Key: "balance", Value: int32(1200)}
	b.ReportAllocs()
	for b.Loop() {
		s.Compare(benchDoc, other)
	}
}
