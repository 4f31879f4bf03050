package runtime

import "errors"

// ErrInvalidQuery is matched, through errors.Is, by the error of an
// operation whose filter, update or bulk op could not be built, such as a
// [StructSliceField.ElemMatch] given a filter on a field outside the array
// or an [InsertOp] of a nil document. Nothing is sent to the server.
var ErrInvalidQuery = errors.New("invalid query")

// invalid stands for a filter or update that could not be built. The driver
// marshals documents before it sends anything, and marshaling invalid fails
// with its error, so a bad query never reaches the server and its caller
// gets the reason.
type invalid struct{ err error }

// MarshalBSONValue fails with the reason the query could not be built.
func (v invalid) MarshalBSONValue() (byte, []byte, error) { return 0, nil, v.err }
