package mongotest_test

import (
	"encoding/binary"
	"hash/crc32"
	"io"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongotxgen/mongotxgen/runtime/mongotest"
)

func header(length, requestID, opCode int32) []byte {
	b := binary.LittleEndian.AppendUint32(nil, uint32(length))
	b = binary.LittleEndian.AppendUint32(b, uint32(requestID))
	b = binary.LittleEndian.AppendUint32(b, 0)
	return binary.LittleEndian.AppendUint32(b, uint32(opCode))
}

var ping = bson.D{{Key: "ping", Value: 1}, {Key: "$db", Value: "admin"}}

// TestMalformedMessages sends what no driver sends. A message whose frame
// cannot be trusted (bad lengths, unknown opcodes or required flags, a bad
// checksum) closes that connection without a reply, as on mongod; one that
// is framed but wrong inside gets mongod's error reply and the connection
// goes on. Either way, no panic, and the server goes on serving.
func TestMalformedMessages(t *testing.T) {
	srv := mongotest.NewServer(t)
	good := opMsg(1, 0, ping)
	withChecksum := func(b []byte, sum uint32) []byte {
		b = append([]byte(nil), b...)
		binary.LittleEndian.PutUint32(b[16:], 1) // checksumPresent
		b = binary.LittleEndian.AppendUint32(b, sum)
		binary.LittleEndian.PutUint32(b, uint32(len(b)))
		return b
	}
	badBSON := append([]byte(nil), good...)
	badBSON[21] = 0xff // the body's length no longer fits
	badElem := append([]byte(nil), good...)
	badElem[25] = 0x77 // an unknown element type
	unknownSection := append([]byte(nil), good...)
	unknownSection[20] = 9
	twoBodies := append(append([]byte(nil), good...), good[20:]...)
	binary.LittleEndian.PutUint32(twoBodies, uint32(len(twoBodies)))
	requiredFlag := opMsg(1, 1<<4, ping)
	// {a: <string of length 0>}: no room for the terminating NUL.
	zeroString := []byte{12, 0, 0, 0, 2, 'a', 0, 0, 0, 0, 0, 0}
	zeroStringMsg := append(header(int32(16+5+len(zeroString)), 1, 2013), 0, 0, 0, 0, 0)
	zeroStringMsg = append(zeroStringMsg, zeroString...)

	closing := []struct {
		name string
		msg  []byte
	}{
		{"length below header", header(3, 1, 2013)},
		{"length above maximum", header(64<<20, 1, 2013)},
		{"truncated body", append(header(100, 1, 2013), 0, 0, 0, 0, 0)},
		{"unknown opcode", append(header(20, 1, 9999), 0, 0, 0, 0)},
		{"OP_COMPRESSED", append(header(20, 1, 2012), 0, 0, 0, 0)},
		{"legacy OP_INSERT", append(header(20, 1, 2002), 0, 0, 0, 0)},
		{"unknown required flag", requiredFlag},
		{"checksum mismatch", withChecksum(good, 12345)},
	}
	for _, tc := range closing {
		name, msg := tc.name, tc.msg
		t.Run(name, func(t *testing.T) {
			c := dialRaw(t, srv.Addr())
			c.write(msg)
			if name == "truncated body" {
				_ = c.c.(interface{ CloseWrite() error }).CloseWrite()
			}
			if !c.closed() {
				t.Fatal("connection still open")
			}
			// The server still answers others.
			if ok := get(dialRaw(t, srv.Addr()).run(ping), "ok"); ok != 1.0 {
				t.Fatalf("ping after %s: ok = %v", name, ok)
			}
		})
	}

	answered := []struct {
		name     string
		msg      []byte
		code     int32
		codeName string
	}{
		{"bad BSON length", badBSON, 22, "InvalidBSON"},
		{"bad BSON element", badElem, 22, "InvalidBSON"},
		{"zero-length string", zeroStringMsg, 22, "InvalidBSON"},
		{"unknown section kind", unknownSection, 40432, "Location40432"},
		{"two bodies", twoBodies, 40430, "Location40430"},
		{"empty OP_MSG", append(header(20, 1, 2013), 0, 0, 0, 0), 40587, "Location40587"},
	}
	for _, tc := range answered {
		t.Run(tc.name, func(t *testing.T) {
			c := dialRaw(t, srv.Addr())
			c.write(tc.msg)
			wantRefusal(t, tc.name, c.read(), tc.code, tc.codeName)
			if ok := get(c.run(ping), "ok"); ok != 1.0 {
				t.Fatalf("ping on the same connection after %s: ok = %v", tc.name, ok)
			}
		})
	}
}

func TestWireFeatures(t *testing.T) {
	srv := mongotest.NewServer(t)

	t.Run("checksum", func(t *testing.T) {
		msg := opMsg(7, 1, ping)
		msg = binary.LittleEndian.AppendUint32(msg, 0)
		binary.LittleEndian.PutUint32(msg, uint32(len(msg)))
		sum := crc32.Checksum(msg[:len(msg)-4], crc32.MakeTable(crc32.Castagnoli))
		binary.LittleEndian.PutUint32(msg[len(msg)-4:], sum)
		c := dialRaw(t, srv.Addr())
		c.write(msg)
		if ok := get(c.read(), "ok"); ok != 1.0 {
			t.Fatalf("checksummed ping: ok = %v", ok)
		}
	})

	t.Run("moreToCome", func(t *testing.T) {
		c := dialRaw(t, srv.Addr())
		insert := bson.D{{Key: "insert", Value: "c"}, {Key: "documents", Value: bson.A{bson.D{{Key: "_id", Value: 1}}}}, {Key: "$db", Value: "wire"}}
		c.write(opMsg(1, 2, insert)) // no reply expected
		reply := c.run(bson.D{{Key: "count", Value: "c"}, {Key: "$db", Value: "wire"}})
		if n := get(reply, "n"); n != int32(1) {
			t.Fatalf("count after an unacknowledged insert: %v", reply)
		}
	})

	t.Run("document sequence", func(t *testing.T) {
		body, _ := bson.Marshal(bson.D{{Key: "insert", Value: "seq"}, {Key: "$db", Value: "wire"}})
		var docs []byte
		for i := range 3 {
			d, _ := bson.Marshal(bson.D{{Key: "_id", Value: i}})
			docs = append(docs, d...)
		}
		msg := header(0, 1, 2013)
		msg = binary.LittleEndian.AppendUint32(msg, 0)
		msg = append(msg, 0)
		msg = append(msg, body...)
		msg = append(msg, 1)
		msg = binary.LittleEndian.AppendUint32(msg, uint32(4+len("documents")+1+len(docs)))
		msg = append(msg, "documents\x00"...)
		msg = append(msg, docs...)
		binary.LittleEndian.PutUint32(msg, uint32(len(msg)))
		c := dialRaw(t, srv.Addr())
		c.write(msg)
		if reply := c.read(); get(reply, "n") != int32(3) {
			t.Fatalf("insert with a document sequence: %v", reply)
		}
	})

	t.Run("OP_QUERY handshake", func(t *testing.T) {
		doc, _ := bson.Marshal(bson.D{{Key: "isMaster", Value: 1}, {Key: "helloOk", Value: true}})
		msg := header(0, 5, 2004)
		msg = binary.LittleEndian.AppendUint32(msg, 4)
		msg = append(msg, "admin.$cmd\x00"...)
		msg = binary.LittleEndian.AppendUint32(msg, 0)
		msg = binary.LittleEndian.AppendUint32(msg, 0xffffffff)
		msg = append(msg, doc...)
		binary.LittleEndian.PutUint32(msg, uint32(len(msg)))
		c := dialRaw(t, srv.Addr())
		c.write(msg)
		var hdr [36]byte
		if _, err := io.ReadFull(c.c, hdr[:]); err != nil {
			t.Fatal(err)
		}
		if op := binary.LittleEndian.Uint32(hdr[12:]); op != 1 {
			t.Fatalf("reply opcode %d, want OP_REPLY", op)
		}
		if to := binary.LittleEndian.Uint32(hdr[8:]); to != 5 {
			t.Fatalf("responseTo %d, want 5", to)
		}
		if n := binary.LittleEndian.Uint32(hdr[32:]); n != 1 {
			t.Fatalf("numberReturned %d, want 1", n)
		}
	})

	t.Run("OP_QUERY on a collection", func(t *testing.T) {
		// PyMongo's exhaust cursors send this: mongod answers with an
		// OP_REPLY flagged QueryFailure that says what it refuses.
		doc, _ := bson.Marshal(bson.D{})
		msg := header(0, 5, 2004)
		msg = binary.LittleEndian.AppendUint32(msg, 0)
		msg = append(msg, "db.coll\x00"...)
		msg = binary.LittleEndian.AppendUint32(msg, 0)
		msg = binary.LittleEndian.AppendUint32(msg, 0)
		msg = append(msg, doc...)
		binary.LittleEndian.PutUint32(msg, uint32(len(msg)))
		c := dialRaw(t, srv.Addr())
		c.write(msg)
		flags, reply := c.readReply()
		if flags&2 == 0 {
			t.Errorf("responseFlags %b: QueryFailure not set", flags)
		}
		errmsg, _ := get(reply, "$err").(string)
		if get(reply, "code") != int32(5739101) || get(reply, "ok") != 0.0 ||
			!strings.Contains(errmsg, "OP_QUERY is no longer supported") || !strings.Contains(errmsg, "db.coll") {
			t.Fatalf("legacy query on a collection: %v", reply)
		}
		// The connection stays usable.
		if ok := get(c.run(ping), "ok"); ok != 1.0 {
			t.Fatalf("ping after a refused legacy query: ok = %v", ok)
		}
	})

	t.Run("commit outside a transaction", func(t *testing.T) {
		reply := dialRaw(t, srv.Addr()).run(bson.D{{Key: "commitTransaction", Value: 1}, {Key: "$db", Value: "admin"}})
		if get(reply, "ok") != 0.0 || get(reply, "code") != int32(72) {
			t.Fatalf("commitTransaction without a transaction: %v", reply)
		}
	})

	t.Run("empty command", func(t *testing.T) {
		reply := dialRaw(t, srv.Addr()).run(bson.D{})
		if get(reply, "ok") != 0.0 || get(reply, "code") != int32(9) {
			t.Fatalf("empty command: %v", reply)
		}
	})
}
