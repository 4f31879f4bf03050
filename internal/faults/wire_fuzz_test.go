package faults

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/mongotxgen/mongotxgen/runtime/mongotest"
)

// wireMsg frames an OP_MSG (opcode 2013) with the given flags and one
// kind-0 section holding doc.
func wireMsg(requestID int32, flags uint32, doc bson.D) []byte {
	body, err := bson.Marshal(doc)
	if err != nil {
		panic(err)
	}
	msg := binary.LittleEndian.AppendUint32(nil, uint32(16+4+1+len(body)))
	msg = binary.LittleEndian.AppendUint32(msg, uint32(requestID))
	msg = binary.LittleEndian.AppendUint32(msg, 0)
	msg = binary.LittleEndian.AppendUint32(msg, 2013)
	msg = binary.LittleEndian.AppendUint32(msg, flags)
	msg = append(msg, 0)
	return append(msg, body...)
}

// FuzzWireConnection sends arbitrary bytes to a mongotest server over a
// real connection, then ends its side. Whatever the bytes, the server must
// not panic, must answer and close the connection (never leave it hanging
// half-open), must send only whole messages, and must go on serving other
// clients. It complements mongotest's own FuzzReadMessage, which feeds the
// decoder in memory and checks no more than the absence of a panic.
func FuzzWireConnection(f *testing.F) {
	ping := wireMsg(1, 0, bson.D{{Key: "ping", Value: 1}, {Key: "$db", Value: "admin"}})
	f.Add(ping)
	f.Add(append(append([]byte{}, ping...), ping...))
	f.Add(append(append([]byte{}, ping...), 0xde, 0xad))
	f.Add(ping[:20])
	f.Add(wireMsg(2, 1<<1, bson.D{{Key: "ping", Value: 1}, {Key: "$db", Value: "admin"}})) // moreToCome
	f.Add(wireMsg(3, 1, bson.D{{Key: "ping", Value: 1}, {Key: "$db", Value: "admin"}}))    // checksum flag, no checksum
	f.Add(wireMsg(4, 0, bson.D{{Key: "find", Value: "c"}, {Key: "$db", Value: "d"}}))
	f.Add(wireMsg(5, 0, bson.D{{Key: "nosuchcommand", Value: 1}, {Key: "$db", Value: "d"}}))
	f.Add(binary.LittleEndian.AppendUint32(nil, 0x7fffffff))
	f.Add([]byte{16, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0xd4, 0x07, 0, 0}) // OP_QUERY with no body
	f.Add([]byte{})

	srv, err := mongotest.Start()
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(srv.Close)
	client, err := mongo.Connect(options.Client().ApplyURI(srv.URI()))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = client.Disconnect(ctx)
	})

	f.Fuzz(func(t *testing.T, data []byte) {
		conn, err := net.Dial("tcp", srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		tcp := conn.(*net.TCPConn)
		if err := tcp.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
			t.Fatal(err)
		}
		// The server may close the connection before it has read it all:
		// write errors are expected.
		_, _ = tcp.Write(data)
		_ = tcp.CloseWrite()

		reply, err := io.ReadAll(tcp)
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, os.ErrDeadlineExceeded):
			t.Fatalf("the server neither closed the connection nor stopped sending within 10 s after the client's end (read %d bytes)", len(reply))
		case err != nil && !isReset(err):
			t.Fatalf("reading the server's answer: %v", err)
		}
		for rest := reply; len(rest) > 0; {
			if len(rest) < 16 {
				t.Fatalf("the server sent a truncated message header: % x", rest)
			}
			n := int(binary.LittleEndian.Uint32(rest))
			if n < 16 || n > len(rest) {
				t.Fatalf("the server sent a message of length %d with %d bytes left", n, len(rest))
			}
			rest = rest[n:]
		}

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := client.Ping(ctx, nil); err != nil {
			t.Fatalf("the server no longer answers other clients: %v", err)
		}
	})
}

// isReset reports whether err is the connection being reset, a clean end
// for a server that closed a connection with unread input.
func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && !op.Timeout()
}
