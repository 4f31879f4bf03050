package mongotest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestStmtReplies records replies out of order (a retry runs the
// statements that failed the first time) and reads every one back:
// statements sharing a run must still get their own reply.
func TestStmtReplies(t *testing.T) {
	one := bson.D{{Key: "n", Value: int32(1)}}
	upd := bson.D{{Key: "n", Value: int32(1)}, {Key: "nModified", Value: int32(1)}}
	var r stmtReplies
	want := map[int]bson.D{}
	set := func(i int, res bson.D) {
		r.set(i, res)
		want[i] = res
	}
	for i := range 5 {
		set(i, one)
	}
	set(7, one) // 5 and 6 failed
	set(8, upd)
	set(9, one)
	set(6, upd)
	set(5, one)
	for i := range 12 {
		if diff := cmp.Diff(want[i], r.get(i)); diff != "" {
			t.Errorf("statement %d (-want +got):\n%s", i, diff)
		}
	}
	if len(r.runs) >= len(want) {
		t.Errorf("%d runs for %d replies: equal neighbours do not share", len(r.runs), len(want))
	}
	r.reset()
	if got := r.get(0); got != nil {
		t.Errorf("after reset: statement 0 has %v", got)
	}
}
