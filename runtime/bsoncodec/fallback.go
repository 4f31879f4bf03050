package bsoncodec

import (
	"bytes"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"
)

// A field whose type the generated code does not handle itself is encoded
// and decoded by the driver as the only field of a one-field struct: that
// is the driver's struct codec at work on the field, with its omitempty,
// minsize and truncate rules, Marshaler and ValueMarshaler methods,
// interface values and all.

type field[T any] struct {
	V T `bson:"v"`
}

// encodeFallback writes wrapped, a struct{ V T } with V tagged "v", as the
// driver's struct codec writes it, and takes V's element as the element at key.
func encodeFallback(w *Writer, key string, wrapped any) {
	var buf bytes.Buffer
	enc := bson.NewEncoder(bson.NewDocumentWriter(&buf))
	if w.minSize {
		enc.IntMinSize()
	}
	if err := enc.Encode(wrapped); err != nil {
		w.Fail(err)
		return
	}
	elems, err := bsoncore.Document(buf.Bytes()).Elements()
	if err != nil {
		w.Fail(err)
		return
	}
	for _, e := range elems { // none when omitted
		val := e.Value()
		w.element(key, bson.Type(val.Type), val.Data)
	}
}

// DecodeFallback decodes v into *dst as the driver's struct codec decodes
// a field of its type.
func DecodeFallback[T any](dst *T, v Value) error {
	doc := bsoncore.BuildDocumentFromElements(nil, bsoncore.AppendValueElement(nil, "v", bsoncore.Value{Type: bsoncore.Type(v.Type), Data: v.Data}))
	dec := bson.NewDecoder(bson.NewDocumentReader(bytes.NewReader(doc)))
	if v.Truncate {
		dec.AllowTruncatingDoubles()
	}
	wrapped := field[T]{V: *dst}
	if err := dec.Decode(&wrapped); err != nil {
		// The driver names the wrapper's key: drop it, the caller adds
		// the field's.
		var de *bson.DecodeError
		if errors.As(err, &de) && len(de.Keys()) == 1 {
			return de.Unwrap()
		}
		return err
	}
	*dst = wrapped.V
	return nil
}
