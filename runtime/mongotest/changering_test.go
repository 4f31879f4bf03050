package mongotest

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestEventRing pushes inserts, updates, replaces, deletes and drops,
// forgets the oldest at random, and reads the kept ones back across block
// boundaries: each must come out as it went in, an update or a replace
// with its own document before the write.
func TestEventRing(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	start := time.Unix(1000, 0)
	var r eventRing
	var want []changeEvent
	tag := &txnTag{lsid: bson.D{{Key: "id", Value: "s"}}, number: 7}
	for n := range 3 * eventBlockLen {
		doc := bson.D{{Key: "_id", Value: int32(n % 50)}, {Key: "n", Value: int32(n)}}
		pre := bson.D{{Key: "_id", Value: int32(n % 50)}, {Key: "n", Value: int32(-n)}}
		e := changeEvent{pos: streamPos{t: 1000, i: uint32(n + 1)}, wall: start.Add(time.Duration(n)), db: "db", coll: "c", id: int32(n % 50)}
		switch n % 5 {
		case 0:
			e.op, e.doc = "insert", doc
		case 1:
			e.op, e.pre, e.doc = "update", pre, doc
		case 2:
			e.op, e.pre, e.doc = "replace", pre, doc
		case 3:
			e.op, e.pre = "delete", pre
		case 4:
			e.op, e.id = "drop", nil
		}
		var et *txnTag
		if n%3 == 0 {
			et, e.lsid, e.txnNumber = tag, tag.lsid, tag.number
		}
		r.push(e, et)
		want = append(want, e)
		for rng.IntN(3) == 0 && len(want) > 0 {
			if got := r.dropOldest(); got != want[0].pos {
				t.Fatalf("dropped %v, want %v", got, want[0].pos)
			}
			want = want[1:]
		}
		if n%37 == 0 || n == 3*eventBlockLen-1 {
			got := r.since(streamPos{t: 1000, idx: -1}, len(want)+1)
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(changeEvent{}, streamPos{})); diff != "" {
				t.Fatalf("after %d pushes, kept events (-want +got):\n%s", n+1, diff)
			}
		}
	}
	if len(r.blocks) > len(want)/eventBlockLen+2 {
		t.Errorf("%d blocks for %d events: dropped blocks are kept", len(r.blocks), len(want))
	}
}
