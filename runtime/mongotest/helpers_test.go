package mongotest_test

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/connstring"
)

// ctxT is a context for one test step.
func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// cmdErr returns err as a mongo.CommandError or fails the test.
func cmdErr(t testing.TB, err error) mongo.CommandError {
	t.Helper()
	var ce mongo.CommandError
	if !errors.As(err, &ce) {
		t.Fatalf("got error %v (%T), want a command error", err, err)
	}
	return ce
}

// wantCode checks that err is a server error with code.
func wantCode(t testing.TB, err error, code int32) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want code %d", code)
	}
	var se mongo.ServerError
	if !errors.As(err, &se) || !se.HasErrorCode(int(code)) {
		t.Fatalf("got error %v, want code %d", err, code)
	}
}

// wantLabel checks that err carries label, or not.
func wantLabel(t testing.TB, err error, label string, want bool) {
	t.Helper()
	var le interface{ HasErrorLabel(string) bool }
	got := errors.As(err, &le) && le.HasErrorLabel(label)
	if got != want {
		t.Fatalf("error %v: has label %s = %v, want %v", err, label, got, want)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// hostOf is the first host of a MongoDB URI.
func hostOf(t testing.TB, uri string) string {
	t.Helper()
	cs, err := connstring.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	return cs.Hosts[0]
}

// rawConn is a bare wire-protocol connection, for what the driver never sends.
type rawConn struct {
	t   testing.TB
	c   net.Conn
	req int32
}

func dialRaw(t testing.TB, addr string) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{t: t, c: c}
}

// opMsg encodes cmd as an OP_MSG with one kind-0 section.
func opMsg(requestID int32, flags uint32, cmd bson.D) []byte {
	doc, err := bson.Marshal(cmd)
	if err != nil {
		panic(err)
	}
	b := binary.LittleEndian.AppendUint32(nil, 0)
	b = binary.LittleEndian.AppendUint32(b, uint32(requestID))
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint32(b, 2013)
	b = binary.LittleEndian.AppendUint32(b, flags)
	b = append(b, 0)
	b = append(b, doc...)
	binary.LittleEndian.PutUint32(b, uint32(len(b)))
	return b
}

// run sends cmd and returns the reply's body.
func (r *rawConn) run(cmd bson.D) bson.D {
	r.t.Helper()
	r.req++
	r.write(opMsg(r.req, 0, cmd))
	return r.read()
}

func (r *rawConn) write(b []byte) {
	r.t.Helper()
	if _, err := r.c.Write(b); err != nil {
		r.t.Fatal(err)
	}
}

// read reads one OP_MSG reply.
func (r *rawConn) read() bson.D {
	r.t.Helper()
	op, body := r.readRaw()
	if op != 2013 {
		r.t.Fatalf("reply opcode %d, want OP_MSG", op)
	}
	var d bson.D
	if err := bson.Unmarshal(body[5:], &d); err != nil {
		r.t.Fatal(err)
	}
	return d
}

// readReply reads one OP_REPLY: its responseFlags and first document.
func (r *rawConn) readReply() (uint32, bson.D) {
	r.t.Helper()
	op, body := r.readRaw()
	if op != 1 {
		r.t.Fatalf("reply opcode %d, want OP_REPLY", op)
	}
	var d bson.D
	if err := bson.Unmarshal(body[20:], &d); err != nil {
		r.t.Fatal(err)
	}
	return binary.LittleEndian.Uint32(body), d
}

// readRaw reads one message: its opcode and what follows the header.
func (r *rawConn) readRaw() (uint32, []byte) {
	r.t.Helper()
	_ = r.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var hdr [16]byte
	if _, err := io.ReadFull(r.c, hdr[:]); err != nil {
		r.t.Fatalf("read reply: %v", err)
	}
	n := binary.LittleEndian.Uint32(hdr[:])
	body := make([]byte, n-16)
	if _, err := io.ReadFull(r.c, body); err != nil {
		r.t.Fatalf("read reply: %v", err)
	}
	return binary.LittleEndian.Uint32(hdr[12:]), body
}

// closed reports whether the server closed the connection (EOF on read).
func (r *rawConn) closed() bool {
	_ = r.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var b [1]byte
	_, err := r.c.Read(b[:])
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || isReset(err)
}

func isReset(err error) bool {
	var ne *net.OpError
	return errors.As(err, &ne) && !ne.Timeout()
}

func get(d bson.D, key string) any {
	for _, e := range d {
		if e.Key == key {
			return e.Value
		}
	}
	return nil
}
