package model

import "testing"

func TestIndexDefaultName(t *testing.T) {
	owner := &Field{BSONPath: "owner"}
	city := &Field{BSONPath: "address.city"}
	for _, c := range []struct {
		keys []IndexKey
		want string
	}{
		{[]IndexKey{{Field: owner}}, "owner_1"},
		{[]IndexKey{{Field: owner}, {Field: city, Desc: true}}, "owner_1_address.city_-1"},
		{[]IndexKey{{Field: city, Desc: true}, {Field: owner, Desc: true}}, "address.city_-1_owner_-1"},
	} {
		ix := &Index{Keys: c.keys}
		if got := ix.DefaultName(); got != c.want {
			t.Errorf("DefaultName of %v = %q, want %q", c.keys, got, c.want)
		}
	}
}
