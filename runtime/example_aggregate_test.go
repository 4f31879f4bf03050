package runtime_test

import (
	"context"
	"fmt"
	"log"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongotxgen/mongotxgen/runtime"
)

// The revenue of each customer: orders joined with their accounts, summed
// per owner, decoded into a struct.
func ExampleAggregate() {
	client, stop := exampleServer()
	defer stop()
	ctx := context.Background()
	db := client.Database("example_aggregate")
	for _, a := range []customer{{1, "ann"}, {2, "bob"}} {
		if _, err := db.Collection("accounts").InsertOne(ctx, a); err != nil {
			log.Fatal(err)
		}
	}
	for _, o := range []order{{10, 1, 30, "pen"}, {11, 2, 5, "ink"}, {12, 1, 12, "ink"}} {
		if _, err := db.Collection("orders").InsertOne(ctx, o); err != nil {
			log.Fatal(err)
		}
	}

	type row struct {
		Owner   string `bson:"_id"`
		Revenue int64  `bson:"revenue"`
		Orders  int    `bson:"orders"`
	}
	rows, err := runtime.Aggregate[row](ctx, repo(db.Collection("orders")),
		runtime.Lookup("accounts", orderF.AccountID, accountF.ID, "account"),
		runtime.Unwind(runtime.Path("account")),
		runtime.Group(runtime.Path("account.owner"), runtime.Sum("revenue", orderF.Total), runtime.Count("orders")),
		runtime.Sort(runtime.Path("revenue").Desc()))
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range rows {
		fmt.Println(r.Owner, r.Revenue, r.Orders)
	}

	// A stage the server does not know fails with the server's error.
	_, err = runtime.Aggregate[bson.D](ctx, repo(db.Collection("orders")), runtime.RawStage(bson.D{{Key: "$bogus", Value: 1}}))
	fmt.Println(err != nil)
	// Output:
	// ann 42 2
	// bob 5 1
	// true
}
