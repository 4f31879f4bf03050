package runtime

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver"
)

// CommandMonitor returns a driver command monitor that lets [WithTx] see
// the operations of its transactions fail, calling next's functions (if
// any) as well. Install it on the client:
//
//	client, err := mongo.Connect(options.Client().ApplyURI(uri).
//		SetMonitor(runtime.CommandMonitor(nil)))
//
// Without it, a callback that swallows a server-side failure of a plain
// driver call gets [ErrTxAborted] from WithTx, which knows only that the
// commit found the transaction gone. With it, WithTx also returns the failure
// itself (a duplicate key matches [ErrDuplicateKey]), and when that failure
// was transient (a write conflict) it retries the transaction as if the
// callback had returned it. And since it would have seen a failed operation,
// a commit that finds the transaction gone without one is retried as the
// specification says: the server ended the transaction on its own.
func CommandMonitor(next *event.CommandMonitor) *event.CommandMonitor {
	m := &event.CommandMonitor{
		Started: func(ctx context.Context, e *event.CommandStartedEvent) {
			if t := TxFrom(ctx); t != nil && !isTxControl(e.CommandName) {
				// The first element of a CRUD command names the collection.
				coll, _ := e.Command.Index(0).Value().StringValueOK()
				t.noteCommand(coll)
			}
			if next != nil && next.Started != nil {
				next.Started(ctx, e)
			}
		},
		Succeeded: func(ctx context.Context, e *event.CommandSucceededEvent) {
			if t := TxFrom(ctx); t != nil && !isTxControl(e.CommandName) {
				if err := writeFailure(e.Reply); err != nil {
					t.recordFailure(e.CommandName, err)
				}
			}
			if next != nil && next.Succeeded != nil {
				next.Succeeded(ctx, e)
			}
		},
		Failed: func(ctx context.Context, e *event.CommandFailedEvent) {
			if t := TxFrom(ctx); t != nil && !isTxControl(e.CommandName) {
				t.recordFailure(e.CommandName, commandFailure(e.Failure))
			}
			if next != nil && next.Failed != nil {
				next.Failed(ctx, e)
			}
		},
	}
	return m
}

// isTxControl reports the commands WithTx itself sends; their failures are
// handled where they are sent.
func isTxControl(name string) bool {
	return name == "commitTransaction" || name == "abortTransaction"
}

// writeFailure returns the write errors of a successful reply as the
// mongo.WriteException the operation returned, or nil.
func writeFailure(reply bson.Raw) error {
	we, ok := reply.Lookup("writeErrors").ArrayOK()
	if !ok {
		return nil
	}
	vals, err := we.Values()
	if err != nil || len(vals) == 0 {
		return nil
	}
	ex := mongo.WriteException{}
	for _, v := range vals {
		doc, ok := v.DocumentOK()
		if !ok {
			continue
		}
		w := mongo.WriteError{Raw: doc}
		if i, ok := doc.Lookup("index").AsInt64OK(); ok {
			w.Index = int(i)
		}
		if c, ok := doc.Lookup("code").AsInt64OK(); ok {
			w.Code = int(c)
		}
		w.Message, _ = doc.Lookup("errmsg").StringValueOK()
		ex.WriteErrors = append(ex.WriteErrors, w)
	}
	if labels, ok := reply.Lookup("errorLabels").ArrayOK(); ok {
		if vs, err := labels.Values(); err == nil {
			for _, l := range vs {
				if s, ok := l.StringValueOK(); ok {
					ex.Labels = append(ex.Labels, s)
				}
			}
		}
	}
	return ex
}

// commandFailure turns the driver's internal error into the
// mongo.CommandError the operation returned, so code, name and labels read
// the same.
func commandFailure(err error) error {
	var de driver.Error
	if errors.As(err, &de) {
		return mongo.CommandError{Code: de.Code, Message: de.Message, Labels: de.Labels,
			Name: de.Name, Wrapped: de.Wrapped, Raw: bson.Raw(de.Raw)}
	}
	return err
}
