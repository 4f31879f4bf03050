package withtx

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/mongotxgen/mongotxgen/runtime"
)

// operation is one element of a test's operations, or of a
// withTransaction callback.
type operation struct {
	Name                 string         `bson:"name"`
	Object               string         `bson:"object"`
	Arguments            bson.Raw       `bson:"arguments"`
	ExpectError          *expectedError `bson:"expectError"`
	ExpectResult         bson.RawValue  `bson:"expectResult"`
	IgnoreResultAndError bool           `bson:"ignoreResultAndError"`
}

// errRunner marks an operation this runner could not carry out; the
// failure is already recorded.
var errRunner = errors.New("runner error")

// do runs op, checks its expectations and returns its error: a callback
// returns the first one, as the driver's unified runner does, so that an
// expected error still reaches withTransaction.
func (r *run) do(ctx context.Context, op operation) error {
	res, err := r.execute(ctx, op)
	if errors.Is(err, errRunner) {
		return err
	}
	where := fmt.Sprintf("%s on %s", op.Name, op.Object)
	if op.Name == "withTransaction" && r.dev != nil && r.dev.wantErr != nil {
		// WithTx deliberately answers otherwise: check what it documents.
		if !errors.Is(err, r.dev.wantErr) {
			r.failf("%s: got error %v, want %v (README WithTx table, row %s)", where, err, r.dev.wantErr, r.dev.row)
		}
		return err
	}
	switch {
	case op.IgnoreResultAndError:
	case op.ExpectError != nil:
		if mismatch := matchError(err, op.ExpectError); mismatch != nil {
			r.failf("%s: %v", where, mismatch)
		}
	case err != nil:
		r.failf("%s: unexpected error: %v", where, err)
	case op.ExpectResult.Type != 0:
		if mismatch := r.m.match("result", op.ExpectResult, res, true); mismatch != nil {
			r.failf("%s: %v", where, mismatch)
		}
	}
	return err
}

// execute carries op out; its error is the operation's, or errRunner.
func (r *run) execute(ctx context.Context, op operation) (bson.RawValue, error) {
	switch op.Object {
	case "testRunner":
		return absent, r.testRunner(ctx, op)
	}
	if sess, ok := r.ents.sessions[op.Object]; ok {
		return absent, r.sessionOp(ctx, sess, op)
	}
	if coll, ok := r.ents.collections[op.Object]; ok && op.Name == "insertOne" {
		return r.insertOne(ctx, coll, op.Arguments)
	}
	return absent, r.runnerErr("operation %s on %q is not implemented by this runner", op.Name, op.Object)
}

func (r *run) testRunner(ctx context.Context, op operation) error {
	var args struct {
		Client    string     `bson:"client"`
		Session   string     `bson:"session"`
		FailPoint bson.D     `bson:"failPoint"`
		Entities  []bson.Raw `bson:"entities"`
	}
	if err := bson.Unmarshal(op.Arguments, &args); err != nil {
		return r.runnerErr("%s: %v", op.Name, err)
	}
	switch op.Name {
	case "createEntities":
		if err := r.ents.create(args.Entities); err != nil {
			return r.runnerErr("createEntities: %v", err)
		}
		return nil
	case "failPoint", "targetedFailPoint":
		// On a replica set the targeted server is the primary, the one
		// every client talks to: both set the fail point the same way.
		c := r.ents.clients[args.Client]
		if sess, ok := r.ents.sessions[args.Session]; ok {
			c = r.ents.clientOf(sess)
		}
		if c == nil || len(args.FailPoint) == 0 {
			return r.runnerErr("%s: needs a known client or session and a failPoint: %v", op.Name, op.Arguments)
		}
		if err := c.client.Database("admin").RunCommand(ctx, args.FailPoint).Err(); err != nil {
			return r.runnerErr("%s: %v", op.Name, err)
		}
		name, _ := args.FailPoint[0].Value.(string)
		c.failPoints = append(c.failPoints, name)
		return nil
	}
	return r.runnerErr("testRunner operation %s is not implemented by this runner", op.Name)
}

func (e *entities) clientOf(sess *mongo.Session) *clientEntity {
	for _, c := range e.clients {
		if c.client == sess.Client() {
			return c
		}
	}
	return nil
}

func (r *run) sessionOp(ctx context.Context, sess *mongo.Session, op operation) error {
	switch op.Name {
	case "withTransaction":
		return r.withTransaction(ctx, sess, op.Arguments)
	case "startTransaction":
		var o txOptions
		if op.Arguments != nil {
			if err := bson.Unmarshal(op.Arguments, &o); err != nil {
				return r.runnerErr("startTransaction: %v", err)
			}
		}
		b, err := o.driver()
		if err != nil {
			return r.runnerErr("startTransaction: %v", err)
		}
		return sess.StartTransaction(b)
	case "commitTransaction":
		return sess.CommitTransaction(ctx)
	case "abortTransaction":
		return sess.AbortTransaction(ctx)
	case "endSession":
		sess.EndSession(ctx)
		return nil
	}
	return r.runnerErr("session operation %s is not implemented by this runner", op.Name)
}

// withTransaction runs the callback's operations through runtime.WithTx on
// the session (or, with -driver, through the driver's WithTransaction).
func (r *run) withTransaction(ctx context.Context, sess *mongo.Session, raw bson.Raw) error {
	var args struct {
		Callback []operation `bson:"callback"`
		Options  txOptions   `bson:",inline"`
	}
	if err := bson.Unmarshal(raw, &args); err != nil {
		return r.runnerErr("withTransaction: %v", err)
	}
	callback := func(ctx context.Context) error {
		var first error
		for _, op := range args.Callback {
			if err := r.do(ctx, op); err != nil && first == nil {
				first = err
			}
		}
		return first
	}
	if *driverMode {
		b, err := args.Options.driver()
		if err != nil {
			return r.runnerErr("withTransaction: %v", err)
		}
		_, err = sess.WithTransaction(ctx, func(ctx context.Context) (any, error) { return nil, callback(ctx) }, b)
		return err
	}
	opts, err := args.Options.withTx()
	if err != nil {
		return r.runnerErr("withTransaction: %v", err)
	}
	return runtime.WithTx(ctx, sess.Client(), callback, append(opts, runtime.WithSession(sess))...)
}

func (r *run) insertOne(ctx context.Context, coll *mongo.Collection, raw bson.Raw) (bson.RawValue, error) {
	var args struct {
		Document bson.Raw `bson:"document"`
		Session  string   `bson:"session"`
	}
	if err := bson.Unmarshal(raw, &args); err != nil || args.Document == nil {
		return absent, r.runnerErr("insertOne: needs a document: %v", raw)
	}
	if args.Session != "" {
		sess, ok := r.ents.sessions[args.Session]
		if !ok {
			return absent, r.runnerErr("insertOne: no session %q", args.Session)
		}
		if mongo.SessionFromContext(ctx) != sess {
			ctx = mongo.NewSessionContext(ctx, sess)
		}
	}
	res, err := coll.InsertOne(ctx, args.Document)
	if err != nil {
		return absent, err
	}
	doc, err := bson.Marshal(bson.D{{Key: "insertedId", Value: res.InsertedID}})
	if err != nil {
		return absent, r.runnerErr("insertOne result: %v", err)
	}
	return bson.RawValue{Type: bson.TypeEmbeddedDocument, Value: doc}, nil
}
