package benchmarks

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/mongotxgen/mongotxgen/internal/benchmarks/bank"
	"github.com/mongotxgen/mongotxgen/runtime/bsoncodec"
)

// The generated codecs against the driver's reflection codec, per document
// and on the client side of Find and InsertMany, and InsertMany end to end:
//
//	go test ./internal/benchmarks -run '^$' -bench 'Codec|InsertMany|FindClient' -benchmem -count 8

// plainAccount is bank.Account without its generated codec methods: the
// hand-written baseline goes through the driver's reflection codec, as
// code written without mongotxgen does.
type plainAccount bank.Account

// plainCustomer and plainAddress are bank.Customer and bank.Address
// without their codec methods.
type plainCustomer struct {
	ID      bson.ObjectID `bson:"_id,omitempty"`
	Name    string        `bson:"name"`
	Email   string        `bson:"email"`
	Age     int32         `bson:"age"`
	Score   float64       `bson:"score"`
	Active  bool          `bson:"active"`
	Joined  time.Time     `bson:"joined"`
	Tags    []string      `bson:"tags"`
	Address plainAddress  `bson:"address"`
	Balance int64         `bson:"balance"`
	Visits  int64         `bson:"visits"`
}

type plainAddress struct {
	Street string `bson:"street"`
	City   string `bson:"city"`
	Zip    string `bson:"zip"`
}

func newCustomer(i int) *bank.Customer {
	return &bank.Customer{
		ID: bson.NewObjectID(), Name: fmt.Sprintf("customer %d", i), Email: fmt.Sprintf("c%d@example.com", i),
		Age: 42, Score: 0.75, Active: true, Joined: time.UnixMilli(1700000000000 + int64(i)).UTC(),
		Tags:    []string{"gold", "newsletter", "eu"},
		Address: bank.Address{Street: "1 Main Street", City: "Lyon", Zip: "69001"},
		Balance: 123456, Visits: 7,
	}
}

func stampedAccount(i int) *bank.Account {
	a := newAccount(i)
	a.ID, a.Version = bson.NewObjectID(), 3
	a.Created, a.Updated = now(), now()
	return a
}

func mustMarshal(b *testing.B, v any) []byte {
	data, err := bson.Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkCodecDecode decodes one document: UnmarshalBSON against
// bson.Unmarshal into the same struct without methods.
func BenchmarkCodecDecode(b *testing.B) {
	b.Run("Account", func(b *testing.B) {
		doc := mustMarshal(b, stampedAccount(1))
		compare(b, func(*testing.B) pair {
			return pair{
				gen: func(int) error { var a bank.Account; return a.UnmarshalBSON(doc) },
				drv: func(int) error { var a plainAccount; return bson.Unmarshal(doc, &a) },
			}
		})
	})
	b.Run("Customer", func(b *testing.B) {
		doc := mustMarshal(b, newCustomer(1))
		compare(b, func(*testing.B) pair {
			return pair{
				gen: func(int) error { var c bank.Customer; return c.UnmarshalBSON(doc) },
				drv: func(int) error { var c plainCustomer; return bson.Unmarshal(doc, &c) },
			}
		})
	})
}

// BenchmarkCodecEncode encodes one document: MarshalBSON against
// bson.Marshal of the same struct without methods.
func BenchmarkCodecEncode(b *testing.B) {
	b.Run("Account", func(b *testing.B) {
		a := stampedAccount(1)
		compare(b, func(*testing.B) pair {
			return pair{
				gen: func(int) error { _, err := a.MarshalBSON(); return err },
				drv: func(int) error { _, err := bson.Marshal((*plainAccount)(a)); return err },
			}
		})
	})
	b.Run("Customer", func(b *testing.B) {
		c := newCustomer(1)
		p := plainCustomer{
			ID: c.ID, Name: c.Name, Email: c.Email, Age: c.Age, Score: c.Score, Active: c.Active, Joined: c.Joined,
			Tags: c.Tags, Address: plainAddress(c.Address), Balance: c.Balance, Visits: c.Visits,
		}
		compare(b, func(*testing.B) pair {
			return pair{
				gen: func(int) error { _, err := c.MarshalBSON(); return err },
				drv: func(int) error { _, err := bson.Marshal(&p); return err },
			}
		})
	})
}

// BenchmarkFindClient is the client's share of Find: the driver's cursor
// decoding a batch of 100 accounts (cursor.All), without a server.
func BenchmarkFindClient(b *testing.B) {
	docs := make([]any, perBranch) // as the server's reply holds them
	for i := range docs {
		docs[i] = bson.Raw(mustMarshal(b, (*plainAccount)(stampedAccount(i))))
	}
	ctx := context.Background()
	compare(b, func(b *testing.B) pair {
		return pair{
			gen: func(int) error {
				cur, err := mongo.NewCursorFromDocuments(docs, nil, nil)
				if err != nil {
					return err
				}
				as, err := bsoncodec.All[bank.Account](ctx, cur)
				return wantLen(len(as), err)
			},
			drv: func(int) error {
				var as []*plainAccount
				return decodeAll(ctx, docs, &as, func() int { return len(as) })
			},
		}
	})
}

func decodeAll(ctx context.Context, docs []any, into any, n func() int) error {
	cur, err := mongo.NewCursorFromDocuments(docs, nil, nil)
	if err != nil {
		return err
	}
	if err := cur.All(ctx, into); err != nil {
		return err
	}
	return wantLen(n(), nil)
}

// BenchmarkInsertManyClient is the client's share of InsertMany of 100
// accounts: marshaling each, as the driver does before it sends them.
func BenchmarkInsertManyClient(b *testing.B) {
	gen := make([]*bank.Account, perBranch)
	for i := range gen {
		gen[i] = stampedAccount(i)
	}
	compare(b, func(*testing.B) pair {
		return pair{
			gen: func(int) error {
				for _, a := range gen {
					if _, err := bson.Marshal(a); err != nil {
						return err
					}
				}
				return nil
			},
			drv: func(int) error {
				for _, a := range gen {
					if _, err := bson.Marshal((*plainAccount)(a)); err != nil {
						return err
					}
				}
				return nil
			},
		}
	})
}

// BenchmarkInsertMany inserts 100 new accounts in one insertMany.
func BenchmarkInsertMany(b *testing.B) {
	client := connect(b, server(b), nil)
	ctx := context.Background()
	compare(b, func(b *testing.B) pair {
		repo := bank.NewAccountRepo(freshDB(b, client))
		d := newDriverAccounts(freshDB(b, client))
		batch := func(i int) []*bank.Account {
			as := make([]*bank.Account, perBranch)
			for j := range as {
				as[j] = newAccount(i*perBranch + j)
			}
			return as
		}
		return pair{
			gen: func(i int) error { return repo.InsertMany(ctx, batch(i)) },
			drv: func(i int) error { return d.insertMany(ctx, batch(i)) },
		}
	})
}

// insertMany is InsertMany by hand: IDs and stamps as insert sets them.
func (d driverAccounts) insertMany(ctx context.Context, as []*bank.Account) error {
	t := now()
	docs := make([]any, len(as))
	for i, a := range as {
		if a.ID.IsZero() {
			a.ID = bson.NewObjectID()
		}
		a.Created, a.Updated, a.Version = t, t, 1
		docs[i] = (*plainAccount)(a)
	}
	_, err := d.coll.InsertMany(ctx, docs)
	return err
}

// BenchmarkFindCursor is BenchmarkFind with the generated codec reading
// the cursor's batch directly (bsoncodec.All) instead of through
// cursor.All: what the repository's Find costs once it does so.
func BenchmarkFindCursor(b *testing.B) {
	client := connect(b, server(b), nil)
	db := freshDB(b, client)
	seed(b, db)
	ctx := context.Background()
	coll, d := db.Collection("accounts"), newDriverAccounts(db)
	compare(b, func(*testing.B) pair {
		return pair{
			gen: func(i int) error {
				cur, err := coll.Find(ctx, bson.D{{Key: "branch", Value: branchName(i)}})
				if err != nil {
					return err
				}
				as, err := bsoncodec.All[bank.Account](ctx, cur)
				return wantLen(len(as), err)
			},
			drv: func(i int) error {
				as, err := d.find(ctx, branchName(i))
				return wantLen(len(as), err)
			},
		}
	})
}

// BenchmarkGetRaw is BenchmarkGet with the generated codec reading the
// reply's document directly (bsoncodec.One) instead of through
// SingleResult.Decode.
func BenchmarkGetRaw(b *testing.B) {
	client := connect(b, server(b), nil)
	db := freshDB(b, client)
	ids := seed(b, db)
	ctx := context.Background()
	coll, d := db.Collection("accounts"), newDriverAccounts(db)
	compare(b, func(*testing.B) pair {
		return pair{
			gen: func(i int) error {
				_, err := bsoncodec.One[bank.Account](coll.FindOne(ctx, bson.D{{Key: "_id", Value: ids[i%len(ids)]}}))
				return err
			},
			drv: func(i int) error { _, err := d.get(ctx, ids[i%len(ids)]); return err },
		}
	})
}
