package mongotest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Wire protocol opcodes this server reads or writes.
const (
	opReply      int32 = 1
	opQuery      int32 = 2004
	opCompressed int32 = 2012
	opMsg        int32 = 2013
)

// queryFailure is the OP_REPLY responseFlags bit of a failed query.
const queryFailure uint32 = 1 << 1

// OP_MSG flag bits.
const (
	flagChecksumPresent uint32 = 1 << 0
	flagMoreToCome      uint32 = 1 << 1
	flagExhaustAllowed  uint32 = 1 << 16
)

const (
	headerLen = 16
	// maxMessageSize is the largest message accepted; it is the value
	// advertised as maxMessageSizeBytes in hello.
	maxMessageSize = 48000000
	// maxBSONSize is advertised as maxBsonObjectSize.
	maxBSONSize = 16 * 1024 * 1024
	// smallMessage is the size up to which a message is read without
	// taking from the server's memory budget (see memBudget).
	smallMessage = 64 << 10
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// message is one decoded client request.
type message struct {
	requestID int32
	opCode    int32
	flags     uint32 // OP_MSG flags, or OP_QUERY flags
	// body is the command document with any kind-1 document sequences
	// appended as arrays under their identifiers.
	body bson.D
	// db is the target database: $db for OP_MSG, the namespace prefix for OP_QUERY.
	db string
	// refused is set for a well-framed message that mongod answers with an
	// error rather than by closing the connection: the reply is that error.
	refused *cmdError
	// legacy marks a refused legacy operation (a query on a collection),
	// answered as mongod answers it: an OP_REPLY flagged QueryFailure
	// holding {$err, code, ok: 0}.
	legacy bool
}

// errProtocol marks a malformed message; the connection is closed without reply.
var errProtocol = errors.New("mongotest: protocol error")

func protoErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errProtocol}, args...)...)
}

// readMessage reads and decodes one message from r. Memory grows with the
// bytes that arrive, not with the length a header declares; a message
// larger than smallMessage first takes its length from budget (nil: no
// budget), and the caller returns it with release once the message is done.
func readMessage(r io.Reader, budget *memBudget, done <-chan struct{}) (m *message, release func(), err error) {
	var hdr [headerLen]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, nil, err
	}
	length := int32(binary.LittleEndian.Uint32(hdr[0:]))
	if length < headerLen || length > maxMessageSize {
		return nil, nil, protoErr("message length %d out of range", length)
	}
	m = &message{
		requestID: int32(binary.LittleEndian.Uint32(hdr[4:])),
		opCode:    int32(binary.LittleEndian.Uint32(hdr[12:])),
	}
	release = func() {}
	if n := int64(length); budget != nil && n > smallMessage {
		if !budget.acquire(n, done) {
			return nil, nil, net.ErrClosed
		}
		release = func() { budget.release(n) }
	}
	payload, err := readPayload(r, int(length-headerLen))
	if err != nil {
		release()
		return nil, nil, err
	}
	switch m.opCode {
	case opMsg:
		err = m.decodeMsg(hdr[:], payload)
	case opQuery:
		err = m.decodeQuery(payload)
	case opCompressed:
		err = protoErr("OP_COMPRESSED is not supported (no compressors are advertised)")
	default:
		err = protoErr("unsupported opcode %d", m.opCode)
	}
	if refused, ok := err.(*cmdError); ok { // the decoders return it unwrapped
		m.refused, err = refused, nil
	}
	if err != nil {
		release()
		return nil, nil, err
	}
	return m, release, nil
}

// readPayload reads n bytes, growing its buffer as they arrive.
func readPayload(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, 0, min(n, smallMessage))
	for len(buf) < n {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(n-len(buf), cap(buf)))
		}
		got, err := io.ReadFull(r, buf[len(buf):min(n, cap(buf))])
		buf = buf[:len(buf)+got]
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	return buf, nil
}

// readDoc returns the BSON document at the start of b, validated, or
// mongod's error for it: InvalidBSON, Overflow (too deep) or
// BSONObjectTooLarge.
func readDoc(b []byte) (bson.Raw, error) {
	if len(b) < 5 {
		return nil, errorf(codeInvalidBSON, "truncated document")
	}
	n := int(binary.LittleEndian.Uint32(b))
	if n < 5 || n > len(b) {
		return nil, errorf(codeInvalidBSON, "document length %d out of range", n)
	}
	if n > maxInternalBSONSize {
		return nil, errorf(codeBSONObjectTooLarge, "BSONObj size: %d (0x%X) is invalid. Size must be between 0 and %d(16MB)", n, n, maxInternalBSONSize)
	}
	doc := bson.Raw(b[:n])
	// Depth first, without recursion: the decoding that follows recurses.
	if err := checkDepth(doc, maxMessageDepth); err != nil {
		return nil, err
	}
	if err := doc.Validate(); err != nil {
		return nil, errorf(codeInvalidBSON, "invalid BSON: %v", err)
	}
	return doc, nil
}

func readCString(b []byte) (string, []byte, error) {
	for i, c := range b {
		if c == 0 {
			return string(b[:i]), b[i+1:], nil
		}
	}
	return "", nil, protoErr("unterminated string")
}

// sequence is a kind-1 section: documents under an identifier.
type sequence struct {
	id   string
	docs bson.A
}

// readSequence decodes the kind-1 section at the start of b and returns
// what follows it.
func readSequence(b []byte) (sequence, []byte, error) {
	if len(b) < 4 {
		return sequence{}, nil, protoErr("truncated document sequence")
	}
	size := int(binary.LittleEndian.Uint32(b))
	if size < 4 || size > len(b) {
		return sequence{}, nil, protoErr("document sequence size %d out of range", size)
	}
	id, sec, err := readCString(b[4:size])
	if err != nil {
		return sequence{}, nil, err
	}
	s := sequence{id: id, docs: bson.A{}}
	for len(sec) > 0 {
		doc, err := readDoc(sec)
		if err != nil {
			return sequence{}, nil, err
		}
		d, err := unmarshalD(doc)
		if err != nil {
			return sequence{}, nil, errorf(codeInvalidBSON, "invalid BSON: %v", err)
		}
		s.docs = append(s.docs, d)
		sec = sec[len(doc):]
	}
	return s, b[size:], nil
}

func (m *message) decodeMsg(hdr, payload []byte) error {
	if len(payload) < 4 {
		return protoErr("truncated OP_MSG")
	}
	m.flags = binary.LittleEndian.Uint32(payload)
	if m.flags&0xffff&^(flagChecksumPresent|flagMoreToCome) != 0 {
		// The low 16 bits are "required": an unknown one must fail the message.
		return protoErr("unknown required OP_MSG flag bits 0x%x", m.flags)
	}
	rest := payload[4:]
	if m.flags&flagChecksumPresent != 0 {
		if len(rest) < 4 {
			return protoErr("truncated checksum")
		}
		sum := binary.LittleEndian.Uint32(rest[len(rest)-4:])
		crc := crc32.Update(crc32.Checksum(hdr, castagnoli), castagnoli, payload[:len(payload)-4])
		if crc != sum {
			return protoErr("OP_MSG checksum mismatch")
		}
		rest = rest[:len(rest)-4]
	}
	var body bson.Raw
	var seqs []sequence
	for len(rest) > 0 {
		kind := rest[0]
		rest = rest[1:]
		switch kind {
		case 0:
			if body != nil {
				return errorf(codeMultipleBodies, "Multiple body sections in message")
			}
			doc, err := readDoc(rest)
			if err != nil {
				return err
			}
			body, rest = doc, rest[len(doc):]
		case 1:
			s, after, err := readSequence(rest)
			if err != nil {
				return err
			}
			if slices.ContainsFunc(seqs, func(o sequence) bool { return o.id == s.id }) {
				return errorf(codeDuplicateDocumentSequence, "Duplicate document sequence: %s", s.id)
			}
			seqs, rest = append(seqs, s), after
		default:
			return errorf(codeUnknownSectionKind, "Unknown section kind %d", kind)
		}
	}
	if body == nil {
		return errorf(codeNoBody, "OP_MSG messages must have a body")
	}
	var err error
	if m.body, err = unmarshalD(body); err != nil {
		return errorf(codeInvalidBSON, "invalid BSON: %v", err)
	}
	for _, s := range seqs {
		if has(m.body, s.id) {
			return errorf(codeDuplicateSequenceField, "Duplicate field between body and document sequence %s", s.id)
		}
		m.body = append(m.body, bson.E{Key: s.id, Value: s.docs})
	}
	if db, ok := lookup(m.body, "$db").(string); ok {
		m.db = db
	}
	return nil
}

func (m *message) decodeQuery(payload []byte) error {
	if len(payload) < 4 {
		return protoErr("truncated OP_QUERY")
	}
	m.flags = binary.LittleEndian.Uint32(payload)
	ns, rest, err := readCString(payload[4:])
	if err != nil {
		return err
	}
	if len(rest) < 8 {
		return protoErr("truncated OP_QUERY")
	}
	rest = rest[8:] // numberToSkip, numberToReturn
	doc, err := readDoc(rest)
	if err != nil {
		return err
	}
	db, coll, _ := strings.Cut(ns, ".")
	m.db = db
	if coll != "$cmd" {
		// mongod answers a legacy query rather than dropping the connection.
		m.legacy = true
		return errorf(codeUnsupportedOpQuery, "OP_QUERY is no longer supported. The client driver may require an upgrade. (mongotest refused a legacy query on %s; send a find command in an OP_MSG)", ns)
	}
	if m.body, err = unmarshalD(doc); err != nil {
		return errorf(codeInvalidBSON, "invalid BSON: %v", err)
	}
	// Legacy drivers may wrap the command as {$query: {...}, $readPreference: ...}.
	if q, ok := lookup(m.body, "$query").(bson.D); ok {
		m.body = q
	}
	return nil
}

// encodeReply encodes reply as the answer to req: OP_REPLY for OP_QUERY,
// else OP_MSG. It reuses buf.
func encodeReply(buf []byte, requestID int32, req *message, reply bson.D) ([]byte, error) {
	buf = buf[:0]
	buf = binary.LittleEndian.AppendUint32(buf, 0) // length, patched below
	buf = binary.LittleEndian.AppendUint32(buf, uint32(requestID))
	buf = binary.LittleEndian.AppendUint32(buf, uint32(req.requestID))
	if req.opCode == opQuery {
		var flags uint32
		if req.legacy {
			flags = queryFailure
		}
		buf = binary.LittleEndian.AppendUint32(buf, uint32(opReply))
		buf = binary.LittleEndian.AppendUint32(buf, flags) // responseFlags
		buf = binary.LittleEndian.AppendUint64(buf, 0)     // cursorID
		buf = binary.LittleEndian.AppendUint32(buf, 0)     // startingFrom
		buf = binary.LittleEndian.AppendUint32(buf, 1)     // numberReturned
	} else {
		buf = binary.LittleEndian.AppendUint32(buf, uint32(opMsg))
		buf = binary.LittleEndian.AppendUint32(buf, 0) // flags
		buf = append(buf, 0)                           // kind-0 section
	}
	buf, err := appendDoc(buf, reply)
	if err != nil {
		return nil, err
	}
	binary.LittleEndian.PutUint32(buf, uint32(len(buf)))
	return buf, nil
}
