package mongotest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// DefaultTransactionLifetime is how long a transaction may stay open before
// the server aborts it, like mongod's transactionLifetimeLimitSeconds.
const DefaultTransactionLifetime = 60 * time.Second

// Options configure a Server. The zero value is ready to use.
type Options struct {
	// TransactionLifetime bounds how long a transaction may stay open; an
	// older one is aborted and its later statements fail with
	// NoSuchTransaction. Zero means DefaultTransactionLifetime.
	TransactionLifetime time.Duration
	// Port is the TCP port to listen on; zero picks a free one.
	Port int
	// ReplicaSet is the name of the one-member replica set the server
	// presents itself in; empty means "rs0".
	ReplicaSet string
	// SnapshotHistory is how long a committed state stays readable by a
	// snapshot read at its cluster time (readConcern snapshot with
	// atClusterTime); an older time is refused with SnapshotTooOld. Zero
	// means DefaultSnapshotHistory.
	SnapshotHistory time.Duration
}

// Server is a MongoDB wire-protocol server on 127.0.0.1 that presents itself
// as the primary of a one-member replica set, "rs0" by default. It is safe for
// concurrent use.
type Server struct {
	opts      Options
	ln        net.Listener
	addr      string
	processID bson.ObjectID
	started   time.Time
	done      chan struct{} // closed by Close
	wg        sync.WaitGroup
	closeOnce sync.Once

	connMu sync.Mutex
	conns  map[*conn]struct{}

	nextConnID atomic.Int32
	nextReqID  atomic.Int32

	// The locks of locks.go, in the order a command takes them.
	catalogMu sync.RWMutex // the catalog: dbs, and each collection's indexes and creator
	nsLocks   lockTable    // a collection's records and indexes, per namespace
	commitMu  sync.Mutex   // clock advances, hist and events
	openMu    sync.Mutex   // open, and each open transaction's snapshot
	regMu     sync.Mutex   // sessions (the map, lastUse), cursors, nextCursor
	failMu    sync.Mutex   // fail, failCount, writeFail

	// clock is the last commit time, the I of cluster timestamps. It
	// advances in the commit section and is read without a lock.
	clock      atomic.Uint32
	dbs        map[string]*database
	sessions   map[string]*session
	cursors    map[int64]*cursor
	nextCursor int64
	fail       *failPoint
	failCount  int64
	open       map[*txn]struct{} // transactions in progress
	// lockedHook, set by tests only, runs as a command starts, its locks held.
	lockedHook func(req *request)

	budget    *memBudget     // memory for large messages, across connections
	hist      history        // what snapshot reads at a cluster time may still see
	writeFail writeFailState // the onPrimaryTransactionalWrite fail point
	events    changeLog      // the committed changes change streams read
}

// Start starts a server with default options on a random port.
func Start() (*Server, error) { return StartWith(Options{}) }

// StartWith starts a server with opts on 127.0.0.1.
func StartWith(opts Options) (*Server, error) {
	if opts.TransactionLifetime < 0 {
		return nil, fmt.Errorf("mongotest: negative TransactionLifetime %v", opts.TransactionLifetime)
	}
	if opts.TransactionLifetime == 0 {
		opts.TransactionLifetime = DefaultTransactionLifetime
	}
	if opts.Port < 0 || opts.Port > 65535 {
		return nil, fmt.Errorf("mongotest: port %d out of range", opts.Port)
	}
	if opts.ReplicaSet == "" {
		opts.ReplicaSet = "rs0"
	}
	if opts.SnapshotHistory < 0 {
		return nil, fmt.Errorf("mongotest: negative SnapshotHistory %v", opts.SnapshotHistory)
	}
	if opts.SnapshotHistory == 0 {
		opts.SnapshotHistory = DefaultSnapshotHistory
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(opts.Port)))
	if err != nil {
		return nil, fmt.Errorf("mongotest: listen: %w", err)
	}
	s := &Server{
		opts:       opts,
		ln:         ln,
		addr:       ln.Addr().String(),
		processID:  bson.NewObjectID(),
		started:    time.Now(),
		done:       make(chan struct{}),
		conns:      map[*conn]struct{}{},
		dbs:        map[string]*database{},
		sessions:   map[string]*session{},
		cursors:    map[int64]*cursor{},
		nextCursor: 1000,
		open:       map[*txn]struct{}{},
		budget:     newMemBudget(maxBufferedBytes),
		hist:       history{window: opts.SnapshotHistory, now: time.Now},
	}
	// Nothing before the server started can be resumed from.
	s.events.lost = streamPos{t: uint32(s.started.Unix()), idx: -1}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// NewServer starts a server for a test and closes it when the test ends.
// It fails the test if the server cannot start. Cleanups run last-in
// first-out, so register a client's Disconnect after calling NewServer:
// it then runs while the server is still up.
func NewServer(tb testing.TB) *Server {
	tb.Helper()
	s, err := Start()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}

// URI is the connection string of the server as a replica-set primary:
// "mongodb://127.0.0.1:PORT/?replicaSet=rs0" (or the set named by
// Options.ReplicaSet). Appending "&directConnection=true" also works.
func (s *Server) URI() string {
	return "mongodb://" + s.addr + "/?replicaSet=" + url.QueryEscape(s.opts.ReplicaSet)
}

// Addr is the server's "127.0.0.1:PORT" address.
func (s *Server) Addr() string { return s.addr }

// Close stops the server: it closes the listener and every connection,
// wakes every waiting command and returns when all of the server's
// goroutines have ended. Closing twice is harmless.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.ln.Close()
		s.connMu.Lock()
		for c := range s.conns {
			c.nc.Close()
		}
		s.connMu.Unlock()
		s.wg.Wait()
	})
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			select {
			case <-s.done:
				return
			case <-time.After(10 * time.Millisecond): // transient accept error: back off
			}
			continue
		}
		c := &conn{s: s, nc: nc, id: s.nextConnID.Add(1)}
		s.connMu.Lock()
		select {
		case <-s.done:
			s.connMu.Unlock()
			nc.Close()
			return
		default:
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.connMu.Unlock()
		go c.serve()
	}
}

// conn is one client connection.
type conn struct {
	s       *Server
	nc      net.Conn
	id      int32
	appName string // from the handshake, for the fail point's appName
}

// errCloseConn asks serve to close the connection without a reply.
var errCloseConn = errors.New("close connection")

func (c *conn) serve() {
	defer c.s.wg.Done()
	defer func() {
		c.s.connMu.Lock()
		delete(c.s.conns, c)
		c.s.connMu.Unlock()
		c.nc.Close()
	}()
	r := bufio.NewReaderSize(c.nc, 64<<10)
	var out []byte
	for {
		m, release, err := readMessage(r, c.s.budget, c.s.done)
		if err != nil {
			// Malformed input, EOF or a closed socket: the connection ends
			// without a reply, as mongod does on a protocol error.
			return
		}
		var reply bson.D
		if m.refused != nil {
			reply = c.s.refusal(m)
		} else if reply, err = c.s.handle(c, m); errors.Is(err, errCloseConn) {
			release()
			return
		}
		if m.opCode == opMsg && m.flags&flagMoreToCome != 0 {
			release()
			continue // the client asked for no reply
		}
		id := c.s.nextReqID.Add(1)
		enc, err := encodeReply(out, id, m, reply)
		if err != nil {
			enc, _ = encodeReply(out, id, m, c.s.reply(nil, nil, errorf(codeInternalError, "mongotest: cannot encode the reply: %v", err)))
		}
		_, err = c.nc.Write(enc)
		release()
		if err != nil {
			return
		}
		out = enc[:0]
		if cap(out) > smallMessage {
			out = nil // a large reply's buffer is not kept by an idle connection
		}
	}
}

// refusal is the reply to a message refused before it could run.
func (s *Server) refusal(m *message) bson.D {
	if m.legacy {
		return bson.D{{Key: "$err", Value: m.refused.Msg}, {Key: "code", Value: m.refused.Code}, {Key: "ok", Value: 0.0}}
	}
	return s.reply(nil, nil, m.refused)
}

// sleep waits for d or until the server closes; it reports whether the
// server is still open.
func (s *Server) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.done:
		return false
	}
}

// clusterTime is the server's current cluster time: the server's start
// time as T, its commit count as I, so it only ever grows.
func (s *Server) clusterTime() bson.Timestamp {
	return bson.Timestamp{T: uint32(s.started.Unix()), I: s.clock.Load()}
}
