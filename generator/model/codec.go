package model

// Codec describes the generated BSON codec of one struct type of the
// package: an annotated type, or a struct type one contains. It lists the
// fields as the driver's struct codec sees them (describeStructSlow): the
// exported fields not skipped with bson:"-", inline structs flattened in
// place, the shallowest of fields sharing a key, in declaration order.
type Codec struct {
	Name      string        // the struct type's name
	Fields    []*CodecField // in the order the driver writes them
	InlineMap *CodecField   // the struct's own inline map, or nil; its Key is ""
}

// Var is the name of the package-level bsoncodec.Codec generated for the
// struct type, codecOfAccount: a type whose package declares that name
// keeps the driver's codec.
func (c *Codec) Var() string { return CodecVar(c.Name) }

// CodecVar is Codec.Var of the struct type name.
func CodecVar(name string) string { return "codecOf" + name }

// CodecField is one stored field of a Codec.
type CodecField struct {
	Key string // the BSON key
	// Path is the selector from the struct to the field: one step, or
	// more through inline structs.
	Path      []CodecStep
	Type      *CodecType
	OmitEmpty bool // tag omitempty
	MinSize   bool // tag minsize: integers that fit are written as int32
	Truncate  bool // tag truncate: doubles decode into integers and float32 truncated
}

// CodecStep is one Go selector of a CodecField's path.
type CodecStep struct {
	Name    string
	Pointer bool // a pointer to an inline struct: nil means its fields are not stored
}

// CodecKind is how generated code encodes and decodes a value.
type CodecKind int

const (
	CodecFallback CodecKind = iota // by the driver, as its struct codec would
	CodecBool                      // bool kinds
	CodecString                    // string kinds
	CodecInt32                     // int8, int16, int32 kinds: int32
	CodecInt                       // int kind: int32 when it fits, else int64
	CodecInt64                     // int64 kind
	CodecUint16                    // uint8, uint16 kinds: int32
	CodecUint                      // uint, uint32, uint64 kinds: int64
	CodecFloat                     // float32, float64 kinds: double
	CodecObjectID                  // bson.ObjectID
	CodecTime                      // time.Time: datetime
	CodecBytes                     // []byte: binary
	CodecStruct                    // a struct type with its own generated codec
	CodecPointer                   // *Elem
	CodecSlice                     // a slice of Elem (not of bytes)
	CodecMap                       // a map from string to Elem
)

// CodecType is the type of a CodecField, or of an element of one.
type CodecType struct {
	Kind CodecKind
	Go   TypeRef    // how generated code spells it
	Elem *CodecType // CodecPointer, CodecSlice, CodecMap
	// Zeroer reports that the type has an IsZero() bool method, which
	// decides omitempty (for a pointer: when not nil).
	Zeroer bool
	// Cyclic, of a CodecStruct: the struct type's codec stores, through
	// its fields, the codec holding this one (or is that codec): the two
	// codec variables cannot point at each other (an initialization
	// cycle), so the generated code finds it by type.
	Cyclic bool
}

// StructRefs are the CodecStruct types c's fields and inline map hold,
// at any depth of their element kinds.
func (c *Codec) StructRefs() []*CodecType {
	var out []*CodecType
	fields := c.Fields
	if c.InlineMap != nil {
		fields = append(fields[:len(fields):len(fields)], c.InlineMap)
	}
	for _, f := range fields {
		for t := f.Type; t != nil; t = t.Elem {
			if t.Kind == CodecStruct {
				out = append(out, t)
			}
		}
	}
	return out
}
