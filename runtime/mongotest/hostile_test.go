package mongotest_test

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongotxgen/mongotxgen/runtime/mongotest"
)

// Hostile input: each case fails as mongod fails it, the connection stays
// usable, and the server keeps serving.

// nested returns {a: {a: ... {} ...}}, depth documents below the top level,
// built without recursion.
func nested(depth int) []byte {
	b := make([]byte, 0, 8*depth+5)
	for i := range depth {
		b = binary.LittleEndian.AppendUint32(b, uint32(5+8*(depth-i)))
		b = append(b, 0x03, 'a', 0)
	}
	b = append(b, 5, 0, 0, 0, 0)
	b = append(b, bytes.Repeat([]byte{0}, depth)...)
	binary.LittleEndian.PutUint32(b, uint32(len(b)))
	return b
}

// withField appends the raw document value to cmd under key.
func withField(cmd bson.D, key string, doc []byte) []byte {
	b, err := bson.Marshal(cmd)
	if err != nil {
		panic(err)
	}
	b = b[:len(b)-1]
	b = append(b, 0x03)
	b = append(b, key...)
	b = append(b, 0)
	b = append(b, doc...)
	b = append(b, 0)
	binary.LittleEndian.PutUint32(b, uint32(len(b)))
	return b
}

// rawMsg frames body (a kind-0 section) and the given kind-1 sections.
func rawMsg(body []byte, seqs ...[]byte) []byte {
	msg := header(0, 1, 2013)
	msg = binary.LittleEndian.AppendUint32(msg, 0)
	msg = append(msg, 0)
	msg = append(msg, body...)
	for _, s := range seqs {
		msg = append(msg, 1)
		msg = append(msg, s...)
	}
	binary.LittleEndian.PutUint32(msg, uint32(len(msg)))
	return msg
}

// sequence is a kind-1 section's payload: size, identifier, documents.
func sequence(id string, docs ...[]byte) []byte {
	n := 4 + len(id) + 1
	for _, d := range docs {
		n += len(d)
	}
	b := binary.LittleEndian.AppendUint32(nil, uint32(n))
	b = append(b, id...)
	b = append(b, 0)
	for _, d := range docs {
		b = append(b, d...)
	}
	return b
}

func marshal(d bson.D) []byte {
	b, err := bson.Marshal(d)
	if err != nil {
		panic(err)
	}
	return b
}

func wantRefusal(t *testing.T, what string, reply bson.D, code int32, name string) {
	t.Helper()
	if get(reply, "ok") != 0.0 || get(reply, "code") != code || get(reply, "codeName") != name {
		t.Fatalf("%s: got %v, want code %d (%s)", what, reply, code, name)
	}
}

func firstWriteError(t *testing.T, reply bson.D) bson.D {
	t.Helper()
	werrs, _ := get(reply, "writeErrors").(bson.A)
	if len(werrs) != 1 {
		t.Fatalf("want one write error: %v", reply)
	}
	return werrs[0].(bson.D)
}

func TestDeeplyNestedMessage(t *testing.T) {
	srv := mongotest.NewServer(t)
	ping := bson.D{{Key: "ping", Value: 1}, {Key: "$db", Value: "admin"}}
	c := dialRaw(t, srv.Addr())

	// An 8 MB message nested a million deep used to overflow the stack.
	c.write(rawMsg(withField(ping, "a", nested(1_000_000))))
	wantRefusal(t, "a million levels", c.read(), 15, "Overflow")

	// mongod's maxBSONDepth: 200 levels below the top are accepted, 201 not.
	c.write(rawMsg(withField(ping, "a", nested(199))))
	if reply := c.read(); get(reply, "ok") != 1.0 {
		t.Fatalf("200 levels: %v", reply)
	}
	c.write(rawMsg(withField(ping, "a", nested(200))))
	wantRefusal(t, "201 levels", c.read(), 15, "Overflow")

	// The same connection goes on.
	if ok := get(c.run(ping), "ok"); ok != 1.0 {
		t.Fatalf("ping after a refused message: ok = %v", ok)
	}
}

func TestStoredDepthLimit(t *testing.T) {
	srv := mongotest.NewServer(t)
	c := dialRaw(t, srv.Addr())
	insert := bson.D{{Key: "insert", Value: "deep"}, {Key: "$db", Value: "hostile"}}
	// A document of 180 levels (itself included) is stored; 181 is not.
	ok := withField(bson.D{{Key: "_id", Value: 1}}, "a", nested(179))
	c.write(rawMsg(marshal(insert), sequence("documents", ok)))
	if reply := c.read(); get(reply, "n") != int32(1) {
		t.Fatalf("180 levels: %v", reply)
	}
	tooDeep := withField(bson.D{{Key: "_id", Value: 2}}, "a", nested(180))
	c.write(rawMsg(marshal(insert), sequence("documents", tooDeep)))
	we := firstWriteError(t, c.read())
	if get(we, "code") != int32(15) || !strings.Contains(get(we, "errmsg").(string), "180 levels of nesting") {
		t.Fatalf("181 levels: %v", we)
	}
	// An update that nests too deep fails too.
	update := bson.D{{Key: "update", Value: "deep"}, {Key: "$db", Value: "hostile"}}
	set := withField(bson.D{}, "$set", withField(bson.D{}, "a", nested(180)))
	stmt := withField(bson.D{{Key: "q", Value: bson.D{{Key: "_id", Value: 1}}}}, "u", set)
	c.write(rawMsg(marshal(update), sequence("updates", stmt)))
	if we := firstWriteError(t, c.read()); get(we, "code") != int32(15) {
		t.Fatalf("update to 181 levels: %v", we)
	}
}

func TestDocumentSizeLimit(t *testing.T) {
	srv := mongotest.NewServer(t)
	c := dialRaw(t, srv.Addr())
	insert := marshal(bson.D{{Key: "insert", Value: "big"}, {Key: "$db", Value: "hostile"}})
	// sized is {_id: id, s: "xxx..."} of exactly size bytes.
	sized := func(id int32, size int) []byte {
		fixed := len(marshal(bson.D{{Key: "_id", Value: id}, {Key: "s", Value: ""}}))
		return marshal(bson.D{{Key: "_id", Value: id}, {Key: "s", Value: strings.Repeat("x", size-fixed)}})
	}
	c.write(rawMsg(insert, sequence("documents", sized(1, 16<<20))))
	if reply := c.read(); get(reply, "n") != int32(1) {
		t.Fatalf("a document of maxBsonObjectSize: %v", reply)
	}
	c.write(rawMsg(insert, sequence("documents", sized(2, 16<<20+1))))
	reply := c.read()
	if we := firstWriteError(t, reply); get(we, "code") != int32(2) || !strings.Contains(get(we, "errmsg").(string), "too large") {
		t.Fatalf("a document of maxBsonObjectSize+1: %v", reply)
	}
	count := c.run(bson.D{{Key: "count", Value: "big"}, {Key: "$db", Value: "hostile"}})
	if get(count, "n") != int32(1) {
		t.Fatalf("the oversized document was stored: %v", count)
	}
}

func TestInvalidNamespaces(t *testing.T) {
	srv := mongotest.NewServer(t)
	c := dialRaw(t, srv.Addr())
	for _, name := range []string{strings.Repeat("c", 300), ".foo", "foo.", "a..b", ""} {
		for _, cmd := range []bson.D{
			{{Key: "create", Value: name}, {Key: "$db", Value: "hostile"}},
			{{Key: "insert", Value: name}, {Key: "documents", Value: bson.A{bson.D{{Key: "_id", Value: 1}}}}, {Key: "$db", Value: "hostile"}},
		} {
			wantRefusal(t, cmd[0].Key+" "+name, c.run(cmd), 73, "InvalidNamespace")
		}
	}
	// The longest valid namespace is 255 bytes: "hostile." and 247 more.
	long := strings.Repeat("c", 255-len("hostile."))
	if reply := c.run(bson.D{{Key: "create", Value: long}, {Key: "$db", Value: "hostile"}}); get(reply, "ok") != 1.0 {
		t.Fatalf("a 255-byte namespace: %v", reply)
	}
	list := c.run(bson.D{{Key: "listCollections", Value: 1}, {Key: "nameOnly", Value: true}, {Key: "$db", Value: "hostile"}})
	batch := get(get(list, "cursor").(bson.D), "firstBatch").(bson.A)
	if len(batch) != 1 {
		t.Fatalf("collections after refused names: %v", batch)
	}
}

func TestDocumentSequenceConflicts(t *testing.T) {
	srv := mongotest.NewServer(t)
	c := dialRaw(t, srv.Addr())
	doc := marshal(bson.D{{Key: "_id", Value: 1}})
	insert := bson.D{{Key: "insert", Value: "seq"}, {Key: "$db", Value: "hostile"}}

	c.write(rawMsg(marshal(insert), sequence("documents", doc), sequence("documents", doc)))
	wantRefusal(t, "a sequence given twice", c.read(), 40431, "Location40431")

	inBody := append(insert, bson.E{Key: "documents", Value: bson.A{bson.D{{Key: "_id", Value: 2}}}})
	c.write(rawMsg(marshal(inBody), sequence("documents", doc)))
	wantRefusal(t, "a sequence also in the body", c.read(), 40433, "Location40433")

	if n := get(c.run(bson.D{{Key: "count", Value: "seq"}, {Key: "$db", Value: "hostile"}}), "n"); n != int32(0) {
		t.Fatalf("refused messages inserted %v documents", n)
	}
}

func TestDollarKeyInID(t *testing.T) {
	srv := mongotest.NewServer(t)
	c := dialRaw(t, srv.Addr())
	for _, id := range []any{
		bson.D{{Key: "$a", Value: 1}},
		bson.D{{Key: "x", Value: bson.D{{Key: "$gt", Value: 1}}}},
	} {
		reply := c.run(bson.D{{Key: "insert", Value: "ids"}, {Key: "documents", Value: bson.A{bson.D{{Key: "_id", Value: id}}}}, {Key: "$db", Value: "hostile"}})
		if we := firstWriteError(t, reply); get(we, "code") != int32(52) || !strings.Contains(get(we, "errmsg").(string), "_id fields may not contain '$'-prefixed fields") {
			t.Fatalf("_id %v: %v", id, reply)
		}
	}
	// Upserts build their _id from the filter: the same rule holds.
	reply := c.run(bson.D{{Key: "update", Value: "ids"}, {Key: "updates", Value: bson.A{bson.D{
		{Key: "q", Value: bson.D{{Key: "x", Value: 1}}},
		{Key: "u", Value: bson.D{{Key: "_id", Value: bson.D{{Key: "$a", Value: 1}}}}},
		{Key: "upsert", Value: true},
	}}}, {Key: "$db", Value: "hostile"}})
	if we := firstWriteError(t, reply); get(we, "code") != int32(52) {
		t.Fatalf("upsert of a $-prefixed _id: %v", reply)
	}
}
