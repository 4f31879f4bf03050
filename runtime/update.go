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
// keeping first-seen order so the document is deterministic.
type combined []Update

func (c combined) updateDoc() bson.D {
	var out bson.D
	for _, u := range c {
		for _, op := range UpdateDoc(u) {
			fields, ok := op.Value.(bson.D)
			if !ok {
				// Not an operator document (for example a Raw replacement):
				// keep it as it is and let the server judge it.
				out = append(out, op)
				continue
			}
			i := indexOf(out, op.Key)
			if i < 0 {
				out = append(out, bson.E{Key: op.Key, Value: append(bson.D(nil), fields...)})
				continue
			}
			out[i].Value = append(out[i].Value.(bson.D), fields...)
		}
	}
	return out
}

func indexOf(d bson.D, key string) int {
	for i, e := range d {
		if e.Key == key {
			return i
		}
	}
	return -1
}

// Combine applies all of updates in one operation:
//
//	runtime.Combine(AccountFields.Balance.Inc(-10), AccountFields.Owner.Set("bob"))
//
// gives {$inc: {balance: -10}, $set: {owner: "bob"}}. Nil updates are ignored.
func Combine(updates ...Update) Update {
	c := make(combined, 0, len(updates))
	for _, u := range updates {
		if u != nil {
			c = append(c, u)
		}
	}
	if len(c) == 1 {
		return c[0]
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
