// Package faults is the reliability suite of mongotxgen: it proves, through
// the real driver, that faults and load never lose or duplicate a write.
//
// The model is a small bank: accounts hold balances and every transfer
// between two of them leaves one ledger entry. A transfer is a transaction
// over both collections, run by the generated Store, so the tests exercise
// the whole stack a user runs: generated repositories, runtime.WithTx and
// the driver, against runtime/mongotest or a real replica set.
//
// The tests are the point of the package:
//
//   - TestFaultMatrix injects each fault of the failCommand fail point at
//     each statement of a transfer and checks the outcome against an
//     expectation table, the money, the ledger and the commit hooks; its
//     outcome table is RELIABILITY.md at the repository root
//     (go test ./internal/faults -run TestFaultMatrix -update rewrites it);
//   - TestLoad runs many clients of transfers and plain writes at once
//     against one mongotest server.
package faults

//go:generate go run github.com/mongotxgen/mongotxgen/cmd/mongotxgen

import "go.mongodb.org/mongo-driver/v2/bson"

// Account is a balance, in cents. Its _id is the owner's name.
//
//mongotxgen:collection accounts
type Account struct {
	ID      string `bson:"_id"`
	Balance int64  `bson:"balance"`
}

// Entry is the ledger entry of one committed transfer.
//
//mongotxgen:collection ledger
type Entry struct {
	ID       bson.ObjectID `bson:"_id,omitempty"`
	Transfer string        `bson:"transfer" mongotxgen:"index"` // the transfer's own id: at most one entry each
	From     string        `bson:"from"`
	To       string        `bson:"to"`
	Amount   int64         `bson:"amount"`
}
