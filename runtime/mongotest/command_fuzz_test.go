package mongotest

import (
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// FuzzCommand runs arbitrary command documents: each must get a reply
// (ok or an error), never a panic (runLocked would turn one into an
// InternalError, which this target reports) or a hang.
func FuzzCommand(f *testing.F) {
	lsid := bson.D{{Key: "id", Value: bson.Binary{Subtype: 4, Data: make([]byte, 16)}}}
	for _, cmd := range []bson.D{
		{{Key: "insert", Value: "c"}, {Key: "documents", Value: bson.A{bson.D{{Key: "_id", Value: 1}, {Key: "a", Value: bson.A{1, 2}}}}}},
		{{Key: "update", Value: "c"}, {Key: "updates", Value: bson.A{bson.D{{Key: "q", Value: bson.D{}}, {Key: "u", Value: bson.D{{Key: "$inc", Value: bson.D{{Key: "a", Value: 1}}}}}, {Key: "upsert", Value: true}}}}},
		{{Key: "delete", Value: "c"}, {Key: "deletes", Value: bson.A{bson.D{{Key: "q", Value: bson.D{}}, {Key: "limit", Value: 1}}}}},
		{{Key: "find", Value: "c"}, {Key: "filter", Value: bson.D{{Key: "a", Value: bson.D{{Key: "$gt", Value: 1}}}}}, {Key: "batchSize", Value: 1}},
		{{Key: "findAndModify", Value: "c"}, {Key: "query", Value: bson.D{}}, {Key: "update", Value: bson.D{{Key: "$set", Value: bson.D{{Key: "b", Value: 1}}}}}, {Key: "new", Value: true}},
		{{Key: "aggregate", Value: "c"}, {Key: "pipeline", Value: bson.A{bson.D{{Key: "$count", Value: "n"}}}}, {Key: "cursor", Value: bson.D{}}},
		{{Key: "createIndexes", Value: "c"}, {Key: "indexes", Value: bson.A{bson.D{{Key: "key", Value: bson.D{{Key: "a", Value: 1}}}, {Key: "name", Value: "a"}, {Key: "unique", Value: true}}}}},
		{{Key: "insert", Value: "c"}, {Key: "documents", Value: bson.A{bson.D{{Key: "x", Value: 1}}}}, {Key: "lsid", Value: lsid}, {Key: "txnNumber", Value: int64(1)}, {Key: "startTransaction", Value: true}, {Key: "autocommit", Value: false}},
		{{Key: "commitTransaction", Value: 1}, {Key: "lsid", Value: lsid}, {Key: "txnNumber", Value: int64(1)}, {Key: "autocommit", Value: false}},
		{{Key: "distinct", Value: "c"}, {Key: "key", Value: "a"}},
		{{Key: "dropIndexes", Value: "c"}, {Key: "index", Value: "*"}},
		{{Key: "drop", Value: "c"}},
		{{Key: "bulkWrite", Value: 1}, {Key: "ops", Value: bson.A{
			bson.D{{Key: "insert", Value: 0}, {Key: "document", Value: bson.D{{Key: "_id", Value: 2}}}},
			bson.D{{Key: "update", Value: 0}, {Key: "filter", Value: bson.D{}}, {Key: "updateMods", Value: bson.A{bson.D{{Key: "$set", Value: bson.D{{Key: "b", Value: "$a"}}}}}}, {Key: "multi", Value: true}},
			bson.D{{Key: "delete", Value: 0}, {Key: "filter", Value: bson.D{{Key: "_id", Value: 2}}}, {Key: "multi", Value: false}},
		}}, {Key: "nsInfo", Value: bson.A{bson.D{{Key: "ns", Value: "fuzz.c"}}}}, {Key: "errorsOnly", Value: true}},
		{{Key: "update", Value: "c"}, {Key: "updates", Value: bson.A{bson.D{{Key: "q", Value: bson.D{{Key: "a", Value: 1}}}, {Key: "u", Value: bson.D{{Key: "$set", Value: bson.D{{Key: "a.$", Value: 0}, {Key: "a.$[x]", Value: 1}}}}}, {Key: "arrayFilters", Value: bson.A{bson.D{{Key: "x", Value: 2}}}}}}}},
		{{Key: "aggregate", Value: "c"}, {Key: "pipeline", Value: bson.A{bson.D{{Key: "$merge", Value: bson.D{{Key: "into", Value: "d"}, {Key: "whenMatched", Value: "replace"}}}}}}, {Key: "cursor", Value: bson.D{}}},
		{{Key: "aggregate", Value: 1}, {Key: "pipeline", Value: bson.A{bson.D{{Key: "$documents", Value: bson.A{bson.D{{Key: "a", Value: 1}}}}}, bson.D{{Key: "$out", Value: "c"}}}}, {Key: "cursor", Value: bson.D{}}, {Key: "let", Value: bson.D{{Key: "v", Value: 1}}}},
	} {
		raw, err := bson.Marshal(cmd)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	srv, err := StartWith(Options{TransactionLifetime: time.Millisecond})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(srv.Close)
	c := &conn{s: srv}
	f.Fuzz(func(t *testing.T, b []byte) {
		doc, err := readDoc(b)
		if err != nil || len(doc) != len(b) {
			return
		}
		body, err := unmarshalD(doc)
		if err != nil || len(body) == 0 {
			return
		}
		switch body[0].Key {
		case "configureFailPoint", "hello", "isMaster", "ismaster":
			return // they may block on purpose
		}
		db := "fuzz"
		if body[0].Key == "bulkWrite" {
			db = "admin" // it runs only there
		}
		reply, err := srv.handle(c, &message{opCode: opMsg, body: body, db: db})
		if err != nil {
			t.Fatalf("%v: no reply: %v", body, err)
		}
		if code, _ := lookup(reply, "code").(int32); code == codeInternalError {
			t.Fatalf("%v: %v", body, lookup(reply, "errmsg"))
		}
	})
}
