package mongotest

import (
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongotxgen/mongotxgen/runtime/mongotest/internal/mql"
)

func init() {
	register(command{run: (*Server).findAndModify, inTxn: true, retryable: true, locks: lockWrite}, "findAndModify", "findandmodify")
}

// famArgs is a parsed findAndModify command.
type famArgs struct {
	name      string
	filter    *query
	sorter    *mql.Sort
	proj      *mql.Projection
	upd       *mql.Update // nil: remove
	returnNew bool
	upsert    bool
}

func parseFindAndModify(s *Server, req *request) (*famArgs, error) {
	name, err := collName(req)
	if err != nil {
		return nil, err
	}
	vars, perr := letVars(req)
	if perr != nil {
		return nil, perr
	}
	a := &famArgs{name: name}
	if a.filter, perr = parseFilterWith(req.body, "query", vars); perr != nil {
		return nil, perr
	}
	if a.sorter, perr = compile(req.body, "sort", mql.ParseSort); perr != nil {
		return nil, perr
	}
	if a.proj, perr = compile(req.body, "fields", mql.ParseProjection); perr != nil {
		return nil, perr
	}
	remove, _ := lookup(req.body, "remove").(bool)
	a.returnNew, _ = lookup(req.body, "new").(bool)
	a.upsert, _ = lookup(req.body, "upsert").(bool)
	if u := lookup(req.body, "update"); u != nil {
		if remove {
			return nil, errorf(codeFailedToParse, "Cannot specify both an update and remove=true")
		}
		filters, err := arrayFilters(req.body)
		if err != nil {
			return nil, err
		}
		opts := mql.UpdateOptions{Query: a.filter.Filter, ArrayFilters: filters, Vars: vars}
		if a.upd, perr = mql.ParseUpdateWith(u, opts); perr != nil {
			return nil, perr
		}
		if what := a.upd.CollationSensitive(); what != "" && a.filter.collation != nil {
			return nil, errorf(codeBadValue, "mongotest does not support %s under a collation", what)
		}
	} else if !remove {
		return nil, errorf(codeFailedToParse, "Either an update or remove=true must be specified")
	}
	if remove && (a.returnNew || a.upsert) {
		return nil, errorf(codeFailedToParse, "Cannot specify both new=true and remove=true; 'remove' always returns the deleted document")
	}
	if err := checkHint(s.coll(req.db, name, false), lookup(req.body, "hint")); err != nil {
		return nil, err
	}
	return a, nil
}

// project applies the command's fields projection to a returned document.
func (a *famArgs) project(d bson.D) (any, error) {
	if d == nil {
		return nil, nil
	}
	return a.proj.Apply(d)
}

func (s *Server) findAndModify(req *request) (bson.D, error) {
	a, err := parseFindAndModify(s, req)
	if err != nil {
		return nil, err
	}
	for {
		c := s.coll(req.db, a.name, false)
		targets, merr := matching(c, req.view(), a.filter)
		if merr != nil {
			return nil, merr
		}
		a.filter.sortRefs(targets, a.sorter)
		var res bson.D
		var wait *txn
		if len(targets) == 0 {
			res, wait, err = s.famUpsert(req, a)
		} else {
			res, wait, err = s.famModify(req, a, c, targets[0])
		}
		if wait == nil {
			return res, err
		}
		if err := s.waitTx(req, wait); err != nil {
			return nil, err
		}
	}
}

// famUpsert answers a findAndModify that matched nothing: it inserts when
// asked to upsert.
func (s *Server) famUpsert(req *request, a *famArgs) (bson.D, *txn, error) {
	if !a.upsert || a.upd == nil {
		return famReply(bson.D{{Key: "n", Value: int32(0)}, {Key: "updatedExisting", Value: false}}, nil), nil, nil
	}
	doc, err := upsertDoc(a.filter, a.upd)
	if err != nil {
		return nil, nil, plain(err)
	}
	wait, err := s.tryInsert(req, a.name, doc)
	if wait != nil {
		return nil, wait, nil
	}
	if err != nil {
		return nil, nil, plain(err)
	}
	var value any
	if a.returnNew {
		var perr error
		if value, perr = a.project(doc); perr != nil {
			return nil, nil, perr
		}
	}
	return famReply(bson.D{{Key: "n", Value: int32(1)}, {Key: "updatedExisting", Value: false}, {Key: "upserted", Value: doc[0].Value}}, value), nil, nil
}

// famModify updates or removes the first matched document t.
func (s *Server) famModify(req *request, a *famArgs, c *collection, t docRef) (bson.D, *txn, error) {
	var nd bson.D
	if a.upd != nil {
		d, err := a.upd.Apply(t.doc, false)
		if err != nil {
			return nil, nil, err
		}
		nd = d
	}
	var changes []change
	if a.upd == nil || !mql.Identical(nd, t.doc) {
		changes = []change{{rec: t.rec, doc: nd, replace: a.upd != nil && a.upd.IsReplacement()}}
	}
	wait, cerr := s.apply(req, c, changes)
	if cerr != nil {
		return nil, nil, plain(cerr)
	}
	if wait != nil {
		return nil, wait, nil
	}
	shown := t.doc
	if a.returnNew {
		shown = nd
	}
	value, err := a.project(shown)
	if err != nil {
		return nil, nil, err
	}
	if a.upd == nil {
		return famReply(bson.D{{Key: "n", Value: int32(1)}}, value), nil, nil
	}
	return famReply(bson.D{{Key: "n", Value: int32(1)}, {Key: "updatedExisting", Value: true}}, value), nil, nil
}

// plain reports a write error as the command's own failure, as
// findAndModify does.
func plain(err *cmdError) *cmdError {
	e := *err
	e.asWriteError = false
	return &e
}

func famReply(lastErr bson.D, value any) bson.D {
	return bson.D{{Key: "lastErrorObject", Value: lastErr}, {Key: "value", Value: value}}
}
