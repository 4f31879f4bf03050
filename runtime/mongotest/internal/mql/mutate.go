package mql

import (
	"go.mongodb.org/mongo-driver/v2/bson"
)

// maxPadding is how many nulls mongod adds at most to reach an array
// position that does not exist yet.
const maxPadding = 1500000

// setIn stores v at path inside container, a document or array owned by the
// caller, creating missing documents on the way and padding arrays with
// nulls up to a numeric position. It returns the updated container.
func setIn(container any, path []string, v any) (any, error) {
	return setInKey(container, "", path, v)
}

// setInKey is setIn for a container stored under key (used in messages).
func setInKey(container any, key string, path []string, v any) (any, error) {
	switch c := container.(type) {
	case bson.D:
		i := fieldIndex(c, path[0])
		if len(path) == 1 {
			if i >= 0 {
				c[i].Value = v
				return c, nil
			}
			return append(c, bson.E{Key: path[0], Value: v}), nil
		}
		if i < 0 {
			return append(c, bson.E{Key: path[0], Value: nestedDoc(path[1:], v)}), nil
		}
		child, err := setInKey(normalize(c[i].Value), path[0], path[1:], v)
		if err != nil {
			return nil, err
		}
		c[i].Value = child
		return c, nil
	case bson.A:
		idx, ok := arrayIndex(path[0])
		if !ok {
			return nil, errorf(CodePathNotViable, "Cannot create field '%s' in element {%s: %s}", path[0], key, formatValue(c))
		}
		if idx >= len(c) {
			if idx-len(c) > maxPadding {
				return nil, errorf(CodeCannotBackfillArray, "can't backfill more than %d elements", maxPadding)
			}
			if len(path) == 1 {
				for len(c) < idx {
					c = append(c, nil)
				}
				return append(c, v), nil
			}
			for len(c) < idx {
				c = append(c, nil)
			}
			return append(c, nestedDoc(path[1:], v)), nil
		}
		if len(path) == 1 {
			c[idx] = v
			return c, nil
		}
		child, err := setInKey(normalize(c[idx]), path[0], path[1:], v)
		if err != nil {
			return nil, err
		}
		c[idx] = child
		return c, nil
	}
	return nil, errorf(CodePathNotViable, "Cannot create field '%s' in element {%s: %s}", path[0], key, formatValue(container))
}

// unsetIn removes the field at path; an array element is set to null
// instead, as mongod does. Missing paths are left alone.
func unsetIn(container any, path []string) any {
	switch c := container.(type) {
	case bson.D:
		i := fieldIndex(c, path[0])
		if i < 0 {
			return c
		}
		if len(path) == 1 {
			return append(c[:i:i], c[i+1:]...)
		}
		c[i].Value = unsetIn(normalize(c[i].Value), path[1:])
		return c
	case bson.A:
		idx, ok := arrayIndex(path[0])
		if !ok || idx >= len(c) {
			return c
		}
		if len(path) == 1 {
			c[idx] = nil
			return c
		}
		c[idx] = unsetIn(normalize(c[idx]), path[1:])
		return c
	}
	return container
}
