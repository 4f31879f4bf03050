package bsoncodec

import (
	"errors"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"
)

// Writer accumulates one BSON document. Encoding never stops half way
// through a field: the first error is kept and returned by [Writer.Result],
// and what is written after it is discarded.
type Writer struct {
	buf     []byte
	err     error
	top     bool // the next document begun is the top-level one: no element header
	minSize bool // the driver's minsize: 64-bit integers that fit are written as int32
}

// NewWriter returns a Writer for a top-level document, with room for size
// bytes.
func NewWriter(size int) *Writer {
	return &Writer{buf: make([]byte, 0, size), top: true}
}

// Result returns the document written, or the first error.
func (w *Writer) Result() ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	return w.buf, nil
}

// Fail records err as the result of the encoding, unless one was recorded.
func (w *Writer) Fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

// MinSize sets whether 64-bit integers that fit in 32 bits are written as
// int32, as the driver does below a field tagged minsize, and returns the
// previous setting.
func (w *Writer) MinSize(on bool) (was bool) {
	was, w.minSize = w.minSize, on
	return was
}

// BeginDocument starts the document stored at key, or the top-level
// document, and returns where it starts, for [Writer.End].
func (w *Writer) BeginDocument(key string) int {
	if w.top {
		w.top = false
	} else {
		w.buf = bsoncore.AppendHeader(w.buf, bsoncore.TypeEmbeddedDocument, key)
	}
	start := len(w.buf)
	w.buf = append(w.buf, 0, 0, 0, 0)
	return start
}

// BeginArray starts the array stored at key and returns where it starts,
// for [Writer.End].
func (w *Writer) BeginArray(key string) int {
	w.buf = bsoncore.AppendHeader(w.buf, bsoncore.TypeArray, key)
	start := len(w.buf)
	w.buf = append(w.buf, 0, 0, 0, 0)
	return start
}

// End ends the document or array begun at start.
func (w *Writer) End(start int) {
	w.buf = append(w.buf, 0)
	n := len(w.buf) - start
	w.buf[start], w.buf[start+1], w.buf[start+2], w.buf[start+3] = byte(n), byte(n>>8), byte(n>>16), byte(n>>24)
}

// Null writes a BSON null at key.
func (w *Writer) Null(key string) { w.buf = bsoncore.AppendNullElement(w.buf, key) }

// element appends a value encoded by the driver, t and data, at key.
func (w *Writer) element(key string, t bson.Type, data []byte) {
	w.buf = bsoncore.AppendHeader(w.buf, bsoncore.Type(t), key)
	w.buf = append(w.buf, data...)
}

// indexKeys are the keys of the first array elements, "0" to "99".
var indexKeys = func() []string {
	keys := make([]string, 100)
	for i := range keys {
		keys[i] = strconv.Itoa(i)
	}
	return keys
}()

// Index returns the key of array element i.
func Index(i int) string {
	if i < len(indexKeys) {
		return indexKeys[i]
	}
	return strconv.Itoa(i)
}

var errNullInKey = errors.New("BSON element key cannot contain null bytes")

// checkKey reports a key the driver refuses to write (map keys are the
// only ones not fixed by the generated code).
func (w *Writer) checkKey(key string) bool {
	if strings.IndexByte(key, 0) >= 0 {
		w.Fail(errNullInKey)
		return false
	}
	return true
}
