package mongotest

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"runtime"
	"testing"
	"time"
)

// announce is the header of an OP_MSG that claims n bytes.
func announce(n int) []byte {
	b := binary.LittleEndian.AppendUint32(nil, uint32(n))
	b = binary.LittleEndian.AppendUint32(b, 1)
	b = binary.LittleEndian.AppendUint32(b, 0)
	return binary.LittleEndian.AppendUint32(b, uint32(opMsg))
}

// TestReadAllocatesWhatArrives: a header announcing 47 MB followed by a
// few bytes costs the server those bytes, not 47 MB.
func TestReadAllocatesWhatArrives(t *testing.T) {
	const announced = 47_000_000
	in := append(announce(announced), bytes.Repeat([]byte{0}, 1000)...)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err := readMessage(bytes.NewReader(in), nil, nil)
	runtime.ReadMemStats(&after)
	if err != io.ErrUnexpectedEOF {
		t.Fatalf("err = %v, want io.ErrUnexpectedEOF", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Fatalf("reading 1000 bytes of an announced %d allocated %d bytes", announced, grew)
	}
}

// waitFor polls cond for up to ten seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 1000 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting until %s", what)
}

// TestLargeMessagesShareABudget: thirty connections that announce 47 MB
// messages and stall take at most maxBufferedBytes of the budget and no
// heap for what they did not send; small messages still go through, and
// the budget is returned when they close.
func TestLargeMessagesShareABudget(t *testing.T) {
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const announced = 47_000_000
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var conns []net.Conn
	for range 30 {
		c, err := net.Dial("tcp", s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Write(append(announce(announced), make([]byte, 1000)...)); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	fit := int64(maxBufferedBytes / announced)
	waitFor(t, "the budget is taken", func() bool { return s.budget.held() == fit*announced })
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 32<<20 {
		t.Fatalf("30 stalled 47 MB messages grew the heap by %d bytes", grew)
	}

	// A small command is not held back by the large ones.
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	body := []byte{5, 0, 0, 0, 0}
	ping := append(announce(headerLen+5+len(body)), 0, 0, 0, 0, 0)
	if _, err := c.Write(append(ping, body...)); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var hdr [headerLen]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		t.Fatalf("a small command waited behind stalled large ones: %v", err)
	}

	for _, c := range conns {
		c.Close()
	}
	waitFor(t, "the budget is returned", func() bool { return s.budget.held() == 0 })
}

func TestMemBudget(t *testing.T) {
	b := newMemBudget(100)
	if !b.acquire(60, nil) || !b.acquire(40, nil) {
		t.Fatal("acquire within the limit failed")
	}
	got := make(chan bool)
	go func() { got <- b.acquire(30, nil) }()
	select {
	case <-got:
		t.Fatal("acquire beyond the limit did not wait")
	case <-time.After(20 * time.Millisecond):
	}
	b.release(60)
	if !<-got {
		t.Fatal("acquire after a release failed")
	}
	if h := b.held(); h != 70 {
		t.Fatalf("held = %d, want 70", h)
	}
	// Alone, a request larger than the limit proceeds; while others hold
	// bytes, it gives up when done closes.
	done := make(chan struct{})
	close(done)
	if b.acquire(1000, done) {
		t.Fatal("acquire beyond the limit succeeded while bytes were held")
	}
	b.release(70)
	if !b.acquire(1000, done) {
		t.Fatal("a lone large acquire waited")
	}
}
