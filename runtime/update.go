package runtime

import "go.mongodb.org/mongo-driver/v2/bson"

// Update is a MongoDB update: one or more update operators applied to the
// fields of a document. Updates come from the methods of [Field], from
// [Combine], and from [Raw].
type Update interface {
	updateDoc() bson.D
}

// opUpdate is {op: {path: val}}.
type opUpdate struct {
	op   string
	path string
	val  any
}

func (u opUpdate) updateDoc() bson.D {
	return bson.D{{Key: u.op, Value: bson.D{{Key: u.path, Value: u.val}}}}
}

// combined holds several updates; updateDoc groups their fields by operator,
// keeping first-seen order so the document is deterministic. Combine
// allocates it once: the parts of a usual update (a few typed updates and the
// stamps generated repositories add) fit in small.
type combined struct {
	parts []Update
	small [4]Update
}

// opField is one field of an update operator, or (op == "") an entry of a
// part that is not an operator document, which is kept as it is. An
// operator document without fields contributes an opField with none set, so
// that the operator still appears, empty, for the server to judge.
type opField struct {
	op   string
	f    bson.E
	none bool
}

// opGroup is one entry of the combined document: an operator and how many
// fields it collects, or a whole entry kept as it is.
type opGroup struct {
	op    string
	whole bool
	n     int
}

func (c *combined) updateDoc() bson.D {
	// Gather the fields in order, group them by operator, then lay the
	// document and every operator's fields out in one allocation: this runs
	// on every update a generated repository sends.
	var fieldBuf [8]opField
	fields := c.appendFields(fieldBuf[:0])
	var groupBuf [4]opGroup
	groups := groupBuf[:0]
	var slotBuf [8]int
	slots := slotBuf[:0] // slots[i] is the group of fields[i]
	for _, f := range fields {
		g := -1
		if f.op != "" {
			for i := range groups {
				if !groups[i].whole && groups[i].op == f.op {
					g = i
					break
				}
			}
		}
		if g < 0 {
			g = len(groups)
			groups = append(groups, opGroup{op: f.op, whole: f.op == ""})
		}
		if !f.none {
			groups[g].n++
		}
		slots = append(slots, g)
	}
	if len(groups) == 0 {
		return bson.D{} // as UpdateDoc(nil): the empty document
	}
	buf := make(bson.D, len(groups)+len(fields))
	out, rest := buf[:len(groups):len(groups)], buf[len(groups):]
	var startBuf [4]int
	next := startBuf[:0] // next[g]: where the next field of group g goes in rest
	at := 0
	for _, g := range groups {
		next = append(next, at)
		if !g.whole {
			at += g.n
		}
	}
	for i, f := range fields {
		g := slots[i]
		if f.none {
			continue
		}
		if groups[g].whole {
			out[g] = f.f
			continue
		}
		rest[next[g]] = f.f
		next[g]++
	}
	at = 0
	for g := range groups {
		if groups[g].whole {
			continue
		}
		end := at + groups[g].n
		out[g] = bson.E{Key: groups[g].op, Value: rest[at:end:end]}
		at = end
	}
	return out
}

// appendFields appends the fields of every part to dst, in order.
func (c *combined) appendFields(dst []opField) []opField {
	for _, u := range c.parts {
		switch u := u.(type) {
		case opUpdate:
			if mergeList(dst, u) {
				continue
			}
			dst = append(dst, opField{op: u.op, f: bson.E{Key: u.path, Value: u.val}})
		case *combined:
			dst = u.appendFields(dst)
		default:
			for _, e := range UpdateDoc(u) {
				fs, ok := e.Value.(bson.D)
				if !ok || e.Key == "" {
					// Not an operator document (for example a Raw
					// replacement): keep it as it is and let the server
					// judge it.
					dst = append(dst, opField{f: e})
					continue
				}
				if len(fs) == 0 {
					dst = append(dst, opField{op: e.Key, none: true})
				}
				for _, f := range fs {
					dst = append(dst, opField{op: e.Key, f: f})
				}
			}
		}
	}
	return dst
}

// Combine applies all of updates in one operation:
//
//	runtime.Combine(AccountFields.Balance.Inc(-10), AccountFields.Owner.Set("bob"))
//
// gives {$inc: {balance: -10}, $set: {owner: "bob"}}. Nil updates are ignored.
func Combine(updates ...Update) Update {
	n := 0
	var last Update
	for _, u := range updates {
		if u != nil {
			n++
			last = u
		}
	}
	if n == 1 {
		return last
	}
	c := new(combined)
	c.parts = c.small[:0]
	for _, u := range updates {
		if u != nil {
			c.parts = append(c.parts, u)
		}
	}
	return c
}

// UpdateDoc returns the update document of u; nil gives the empty document,
// which the server rejects. Generated repositories call it.
func UpdateDoc(u Update) bson.D {
	if u == nil {
		return bson.D{}
	}
	return u.updateDoc()
}
