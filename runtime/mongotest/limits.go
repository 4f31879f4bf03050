package mongotest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// mongod's limits on what a client may send and store, enforced with its
// codes and messages, so that hostile or mistaken input fails here as it
// would in production instead of crashing or growing the server.
const (
	// maxMessageDepth is mongod's maxBSONDepth (BSONDepth's default): a
	// document of a request may nest this many documents and arrays below
	// its top level; deeper fails the request with Overflow.
	maxMessageDepth = 200
	// maxStorageDepth is mongod's nesting limit for a stored document,
	// counting the document itself (empty documents and arrays do not count).
	maxStorageDepth = 180
	// maxInternalBSONSize is the largest document a request may carry: a
	// stored document's limit plus room for the command around it.
	maxInternalBSONSize = maxBSONSize + 16*1024
	// maxNamespaceLen bounds "db.collection", as on mongod since 4.4.
	maxNamespaceLen = 255
)

// Codes of the limits, with mongod's names.
const (
	codeOverflow                int32 = 15
	codeInvalidBSON             int32 = 22
	codeDollarPrefixedFieldName int32 = 52
	codeBSONObjectTooLarge      int32 = 10334
	codeUpdatedDocumentTooLarge int32 = 17419 // a location code: Location17419
	// OP_MSG parse errors mongod answers (location codes of op_msg.cpp);
	// bad flags and checksums close the connection instead.
	codeMultipleBodies            int32 = 40430
	codeDuplicateDocumentSequence int32 = 40431
	codeUnknownSectionKind        int32 = 40432
	codeNoBody                    int32 = 40587
	codeDuplicateSequenceField    int32 = 40433
	// codeUnsupportedOpQuery answers a legacy OP_QUERY on a collection.
	codeUnsupportedOpQuery int32 = 5739101
)

// checkDepth walks the BSON document at the start of doc without recursion
// and fails with Overflow when it nests deeper than maxDepth. It checks the
// structure it walks (lengths, terminators, known types) at every level,
// which the driver's Validate does only at the top, so that the recursive
// decoding that follows sees well-formed documents of bounded depth.
func checkDepth(doc []byte, maxDepth int) *cmdError {
	bad := func(what string) *cmdError { return errorf(codeInvalidBSON, "invalid BSON: %s", what) }
	if len(doc) < 5 {
		return bad("document shorter than 5 bytes")
	}
	// ends holds the end of each open document; its first 32 levels live
	// on the stack.
	ends := append(make([]int, 0, 32), int(binary.LittleEndian.Uint32(doc)))
	if ends[0] < 5 || ends[0] > len(doc) {
		return bad("document length out of range")
	}
	pos := 4
	for len(ends) > 0 {
		end := ends[len(ends)-1]
		if pos == end-1 {
			if doc[pos] != 0 {
				return bad("document does not end with a zero byte")
			}
			pos++
			ends = ends[:len(ends)-1]
			continue
		}
		if pos >= end-1 {
			return bad("element runs past the end of its document")
		}
		typ := doc[pos]
		k := bytes.IndexByte(doc[pos+1:end], 0)
		if k < 0 {
			return bad("unterminated key")
		}
		pos += 1 + k + 1
		n, nested, ok := valueSize(typ, doc[pos:end])
		if !ok {
			return bad(fmt.Sprintf("malformed value of type 0x%02x", typ))
		}
		if nested < 0 {
			pos += n
			continue
		}
		if len(ends) > maxDepth {
			return errorf(codeOverflow, "BSONObj exceeds maximum nested object depth")
		}
		// Descend: the nested document starts nested bytes into the value
		// and ends with it (a code-with-scope's scope is its last part).
		ends = append(ends, pos+n)
		pos += nested + 4
	}
	return nil
}

// valueSize is the size of the value of BSON type typ at the start of b.
// For a value holding a document (documents, arrays, code with scope),
// nested is that document's offset in the value; otherwise it is -1.
func valueSize(typ byte, b []byte) (n, nested int, ok bool) {
	le32 := func(at int) (int, bool) {
		if at < 0 || len(b) < at+4 {
			return 0, false
		}
		return int(int32(binary.LittleEndian.Uint32(b[at:]))), true
	}
	fixed := func(n int) (int, int, bool) { return n, -1, len(b) >= n }
	str := func(at int) (int, bool) { // a length-prefixed, zero-terminated string
		l, ok := le32(at)
		if !ok || l < 1 || len(b) < at+4+l || b[at+4+l-1] != 0 {
			return 0, false
		}
		return 4 + l, true
	}
	switch typ {
	case 0x01, 0x09, 0x11, 0x12: // double, datetime, timestamp, int64
		return fixed(8)
	case 0x02, 0x0D, 0x0E: // string, JavaScript, symbol
		n, ok := str(0)
		return n, -1, ok
	case 0x03, 0x04: // document, array
		l, ok := le32(0)
		return l, 0, ok && l >= 5 && l <= len(b)
	case 0x05: // binary
		l, ok := le32(0)
		return 5 + l, -1, ok && l >= 0 && len(b) >= 5+l
	case 0x06, 0x0A, 0x7F, 0xFF: // undefined, null, maxKey, minKey
		return 0, -1, true
	case 0x07:
		return fixed(12)
	case 0x08:
		return fixed(1)
	case 0x0B: // regex: two C strings
		i := bytes.IndexByte(b, 0)
		if i < 0 {
			return 0, 0, false
		}
		j := bytes.IndexByte(b[i+1:], 0)
		return i + 1 + j + 1, -1, j >= 0
	case 0x0C: // DBPointer
		n, ok := str(0)
		return n + 12, -1, ok && len(b) >= n+12
	case 0x0F: // code with scope: total length, code string, scope document
		total, ok := le32(0)
		code, okCode := str(4)
		scope, okScope := le32(4 + code)
		ok = ok && okCode && okScope && total <= len(b) && scope >= 5 && 4+code+scope == total
		return total, 4 + code, ok
	case 0x10:
		return fixed(4)
	case 0x13:
		return fixed(16)
	}
	return 0, 0, false
}

// checkStored refuses a document that mongod would not store: larger than
// maxBsonObjectSize, nested deeper than maxStorageDepth, or with a
// $-prefixed field name inside its _id. update says whether doc is the
// result of an update, which mongod reports with other codes.
func checkStored(doc bson.D, update bool) *cmdError {
	if size := docSize(doc); size > maxBSONSize {
		if update {
			return &cmdError{Code: codeUpdatedDocumentTooLarge, asWriteError: true,
				Msg: fmt.Sprintf("Resulting document after update is larger than %d", maxBSONSize)}
		}
		return &cmdError{Code: codeBadValue, asWriteError: true,
			Msg: fmt.Sprintf("object to insert too large. size in bytes: %d, max size: %d", size, maxBSONSize)}
	}
	if storedDepth(doc) > maxStorageDepth {
		msg := fmt.Sprintf("cannot insert document because it exceeds %d levels of nesting", maxStorageDepth)
		if update {
			msg = fmt.Sprintf("Document exceeds maximum nesting depth of %d", maxStorageDepth)
		}
		return &cmdError{Code: codeOverflow, asWriteError: true, Msg: msg}
	}
	for _, e := range doc {
		if e.Key == "_id" {
			if k := dollarKey(e.Value); k != "" {
				return &cmdError{Code: codeDollarPrefixedFieldName, asWriteError: true,
					Msg: fmt.Sprintf("_id fields may not contain '$'-prefixed fields: %s is not valid for storage.", k)}
			}
		}
	}
	return nil
}

// checkChanges runs checkStored on the documents an update writes.
func checkChanges(changes []change) *cmdError {
	for _, ch := range changes {
		if ch.doc == nil {
			continue // a delete
		}
		if err := checkStored(ch.doc, true); err != nil {
			return err
		}
	}
	return nil
}

// dollarKey is the first $-prefixed field name anywhere inside v.
func dollarKey(v any) string {
	switch x := v.(type) {
	case bson.D:
		for _, e := range x {
			if strings.HasPrefix(e.Key, "$") {
				return e.Key
			}
			if k := dollarKey(e.Value); k != "" {
				return k
			}
		}
	case bson.A:
		for _, e := range x {
			if k := dollarKey(e); k != "" {
				return k
			}
		}
	}
	return ""
}

// storedDepth is the nesting depth of v as mongod counts it for storage:
// a non-empty document or array is one level more than its deepest value.
func storedDepth(v any) int {
	var deepest int
	switch x := v.(type) {
	case bson.D:
		if len(x) == 0 {
			return 0
		}
		for _, e := range x {
			deepest = max(deepest, storedDepth(e.Value))
		}
	case bson.A:
		if len(x) == 0 {
			return 0
		}
		for _, e := range x {
			deepest = max(deepest, storedDepth(e))
		}
	default:
		return 0
	}
	return deepest + 1
}

// docSize is the length of d encoded as BSON, computed without encoding
// it for the types the server produces.
func docSize(d bson.D) int {
	n := 5
	for _, e := range d {
		n += 2 + len(e.Key) + valueLen(e.Value)
	}
	return n
}

func valueLen(v any) int {
	switch x := v.(type) {
	case nil, bool:
		if x == nil {
			return 0
		}
		return 1
	case int32:
		return 4
	case int64, float64, bson.DateTime, bson.Timestamp:
		return 8
	case string:
		return 5 + len(x)
	case bson.ObjectID:
		return 12
	case bson.Decimal128:
		return 16
	case bson.D:
		return docSize(x)
	case bson.A:
		n := 5
		for i, e := range x {
			n += 2 + len(strconv.Itoa(i)) + valueLen(e)
		}
		return n
	case bson.Binary:
		if x.Subtype == bson.TypeBinaryBinaryOld {
			return 9 + len(x.Data)
		}
		return 5 + len(x.Data)
	case bson.Regex:
		return len(x.Pattern) + len(x.Options) + 2
	case bson.Raw:
		return len(x)
	}
	_, data, err := bson.MarshalValue(v)
	if err != nil {
		return 0 // not storable; the encoder reports it
	}
	return len(data)
}

// checkCollName refuses a collection name mongod refuses, with its code.
func checkCollName(db, name string) *cmdError {
	switch {
	case name == "":
		return errorf(codeInvalidNamespace, "Invalid namespace specified '%s.'", db)
	case len(db)+1+len(name) > maxNamespaceLen:
		return errorf(codeInvalidNamespace, "Fully qualified namespace is too long. Namespace: %s.%s Max: %d", db, name, maxNamespaceLen)
	case strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") || strings.Contains(name, ".."):
		return errorf(codeInvalidNamespace, "Invalid namespace specified '%s.%s'", db, name)
	case strings.HasPrefix(name, "system.") || strings.Contains(name, "$") || strings.ContainsRune(name, 0):
		return errorf(codeInvalidNamespace, "Invalid collection name: %s.%s", db, name)
	}
	return nil
}
