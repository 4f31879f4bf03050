package mql

import (
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Collation compares strings as a locale does, for the collations that
// can be computed here exactly without ICU: locale "en" or "en_US" at
// strength 1, 2 or 3 with default options, on strings made of ASCII
// letters, digits and spaces. For those, ICU orders first by the
// lowercased strings (space < digits < letters, a shorter prefix first)
// and then, at strength 3 only, by case, lowercase first. A collation is
// applied by comparing collation keys that encode exactly that order:
// every string of a document, or of a filter's operands, replaced by its
// key. Anything else (another locale, strength 4 or 5, options such as
// numericOrdering, other characters) is refused, never approximated.
type Collation struct {
	caseSensitive bool // strength 3
}

// ParseCollation reads a collation option. {locale: "simple"} is the
// binary comparison mongotest always uses: the result is nil.
func ParseCollation(spec bson.D) (*Collation, error) {
	locale, _ := lookup(spec, "locale")
	if locale == "simple" && len(spec) == 1 {
		return nil, nil
	}
	if locale != "en" && locale != "en_US" {
		return nil, unsupported("collation %s (only {locale: \"simple\"}, or locale \"en\" or \"en_US\")", formatDoc(spec))
	}
	for _, e := range spec {
		v := normalize(e.Value)
		ok := true
		switch e.Key {
		case "locale":
		case "strength":
			n, isInt := intValue(v)
			ok = isInt && n >= 1 && n <= 3
		case "caseLevel", "numericOrdering", "backwards", "normalization":
			ok = v == false
		case "caseFirst":
			ok = v == "off"
		case "alternate":
			ok = v == "non-ignorable"
		case "maxVariable":
		default:
			return nil, errorf(40415, "BSON field 'collation.%s' is an unknown field.", e.Key)
		}
		if !ok {
			return nil, unsupported("collation %s (only locale \"en\" or \"en_US\" with strength 1 to 3 and default options)", formatDoc(spec))
		}
	}
	strength, ok := lookup(spec, "strength")
	n, _ := intValue(strength)
	return &Collation{caseSensitive: !ok || n == 3}, nil
}

// Key is the collation key of a value: its strings lowercased, inside
// documents and arrays too.
func (c *Collation) Key(v any) (any, error) {
	switch x := normalize(v).(type) {
	case string:
		for i := 0; i < len(x); i++ {
			b := x[i]
			if !(b == ' ' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z') {
				return nil, unsupported("comparing the string %q under a collation (only ASCII letters, digits and spaces)", x)
			}
		}
		return c.stringKey(x), nil
	case bson.D:
		out := make(bson.D, len(x))
		for i, e := range x {
			k, err := c.Key(e.Value)
			if err != nil {
				return nil, err
			}
			out[i] = bson.E{Key: e.Key, Value: k}
		}
		return out, nil
	case bson.A:
		out := make(bson.A, len(x))
		for i, e := range x {
			k, err := c.Key(e)
			if err != nil {
				return nil, err
			}
			out[i] = k
		}
		return out, nil
	case bson.Regex, bson.Symbol:
		return nil, unsupported("%s values under a collation", typeName(x))
	default:
		return x, nil
	}
}

// KeyDoc is Key for a document.
func (c *Collation) KeyDoc(d bson.D) (bson.D, error) {
	k, err := c.Key(d)
	if err != nil {
		return nil, err
	}
	return k.(bson.D), nil
}

// KeyFilter rewrites a filter to match collation keys: the values it
// compares are keyed, its field names and non-comparing operands ($type,
// $size, $exists, ...) kept. Operators a collation changes in ways keys
// cannot express ($regex, $expr) are refused.
func (c *Collation) KeyFilter(filter bson.D) (bson.D, error) {
	out := make(bson.D, 0, len(filter))
	for _, e := range filter {
		v := normalize(e.Value)
		switch {
		case e.Key == "$and" || e.Key == "$or" || e.Key == "$nor":
			arr, ok := v.(bson.A)
			if !ok {
				out = append(out, e) // the parser reports it
				continue
			}
			keyed := make(bson.A, len(arr))
			for i, sub := range arr {
				d, ok := normalize(sub).(bson.D)
				if !ok {
					keyed[i] = sub
					continue
				}
				k, err := c.KeyFilter(d)
				if err != nil {
					return nil, err
				}
				keyed[i] = k
			}
			out = append(out, bson.E{Key: e.Key, Value: keyed})
		case e.Key == "$comment" || e.Key == "$alwaysTrue" || e.Key == "$alwaysFalse":
			out = append(out, e)
		case strings.HasPrefix(e.Key, "$"):
			return nil, unsupported("query operator %s under a collation", e.Key)
		default:
			k, err := c.keyCondition(v)
			if err != nil {
				return nil, err
			}
			out = append(out, bson.E{Key: e.Key, Value: k})
		}
	}
	return out, nil
}

// keyCondition keys the condition on one field.
func (c *Collation) keyCondition(v any) (any, error) {
	ops, isOps := isOperatorDoc(v)
	if !isOps {
		return c.Key(v)
	}
	out := make(bson.D, 0, len(ops))
	for _, e := range ops {
		arg := normalize(e.Value)
		var err error
		switch e.Key {
		case "$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$all":
			arg, err = c.Key(arg)
		case "$elemMatch":
			if d, ok := arg.(bson.D); ok {
				if _, isOps := isOperatorDoc(d); isOps {
					arg, err = c.keyCondition(d)
				} else {
					arg, err = c.KeyFilter(d)
				}
			}
		case "$not":
			arg, err = c.keyCondition(arg)
		case "$exists", "$size", "$type", "$mod", "$comment",
			"$bitsAllSet", "$bitsAllClear", "$bitsAnySet", "$bitsAnyClear":
		default:
			err = unsupported("query operator %s under a collation", e.Key)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, bson.E{Key: e.Key, Value: arg})
	}
	return out, nil
}

// stringKey is the key of a string of the collation's alphabet: the
// lowercased string and, when case counts, a zero byte (below every letter,
// so that a prefix still sorts first) and one byte per character, '0' for
// lowercase or caseless and '1' for uppercase.
func (c *Collation) stringKey(s string) string {
	lower := strings.ToLower(s)
	if !c.caseSensitive {
		return lower
	}
	var b strings.Builder
	b.Grow(2*len(s) + 1)
	b.WriteString(lower)
	b.WriteByte(0)
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			b.WriteByte('1')
		} else {
			b.WriteByte('0')
		}
	}
	return b.String()
}

// CollationSensitive names the first part of the update whose effect a
// collation would change (it compares strings: $addToSet, $pull, $min, a
// positional path, a pipeline, ...), or is "" when there is none: only then
// can the update run under a collation here.
func (u *Update) CollationSensitive() string {
	switch {
	case u.isRepl:
		return ""
	case u.isPipeline:
		return "a pipeline-style update"
	case u.positional:
		return "a positional update path"
	}
	for _, op := range u.ops {
		switch op.op {
		case "$addToSet", "$pull", "$pullAll", "$min", "$max":
			return op.op
		case "$push":
			if op.sort != nil {
				return "$push with $sort"
			}
		}
	}
	return ""
}
