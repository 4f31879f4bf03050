// Package shop is the fixture of the templates tests: the types of the
// package documentation of templates, with the code mongotxgen generates for
// them, exercised against a server by the tests of this package.
package shop

//go:generate go run github.com/mongotxgen/mongotxgen/cmd/mongotxgen

import (
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Account is a customer's balance.
//
//mongotxgen:collection accounts
//mongotxgen:index Owner,-Balance sparse name=by_owner_balance
//mongotxgen:index CreatedAt ttl=720h
type Account struct {
	ID        bson.ObjectID `bson:"_id,omitempty"`
	Owner     string        `bson:"owner" mongotxgen:"unique"`
	Balance   int64         `bson:"balance"`
	Address   Address       `bson:"address"`
	Tags      []string      `bson:"tags,omitempty"`
	CreatedAt time.Time     `bson:"created_at" mongotxgen:"created"`
	UpdatedAt time.Time     `bson:"updated_at" mongotxgen:"updated"`
	Version   int64         `bson:"version" mongotxgen:"version"`
}

// Address is where an account holder lives.
type Address struct {
	City string `bson:"city" mongotxgen:"index"`
	Zip  string `bson:"zip"`
}

// Event is something that happened.
//
//mongotxgen:collection events
type Event struct {
	Key    string    `bson:"_id"`
	At     time.Time `bson:"at"`
	Origin *Origin   `bson:"origin"`
}

// Origin is where an event came from.
type Origin struct {
	Line int `bson:"line"`
}
