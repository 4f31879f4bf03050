// Package library is a lending library's model, the application of the
// integration tests of the typed queries: books with tags and editions (a
// slice of structs), queried and updated through the generated API against
// runtime/mongotest and, when MONGOTXGEN_TEST_URI is set, a replica set.
package library

//go:generate go run github.com/mongotxgen/mongotxgen/cmd/mongotxgen

import (
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Book is a title the library holds copies of.
//
//mongotxgen:collection books
//mongotxgen:index Editions.Year
type Book struct {
	ID       bson.ObjectID `bson:"_id,omitempty"`
	Title    string        `bson:"title" mongotxgen:"unique"`
	Authors  []string      `bson:"authors"`
	Tags     []string      `bson:"tags"`
	Copies   int           `bson:"copies"`
	Editions []Edition     `bson:"editions"`
	Created  time.Time     `bson:"created" mongotxgen:"created"`
	Updated  time.Time     `bson:"updated" mongotxgen:"updated"`
	Version  int64         `bson:"version" mongotxgen:"version"`
}

// Edition is one printing of a book.
type Edition struct {
	Year   int    `bson:"year"`
	Format string `bson:"format"`
	ISBN   string `bson:"isbn" mongotxgen:"unique"`
}
