package mongotest_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime/mongotest"
)

func Example() {
	srv, err := mongotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	ctx := context.Background()
	client, err := mongo.Connect(options.Client().ApplyURI(srv.URI()))
	if err != nil {
		panic(err)
	}
	defer client.Disconnect(ctx)

	accounts := client.Database("shop").Collection("accounts")
	if _, err := accounts.InsertOne(ctx, bson.D{{Key: "owner", Value: "ann"}, {Key: "balance", Value: 10}}); err != nil {
		panic(err)
	}
	sess, err := client.StartSession()
	if err != nil {
		panic(err)
	}
	defer sess.EndSession(ctx)
	_, err = sess.WithTransaction(ctx, func(ctx context.Context) (any, error) {
		return accounts.UpdateOne(ctx, bson.D{{Key: "owner", Value: "ann"}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "balance", Value: -3}}}})
	})
	if err != nil {
		panic(err)
	}
	var got struct{ Balance int }
	if err := accounts.FindOne(ctx, bson.D{{Key: "owner", Value: "ann"}}).Decode(&got); err != nil {
		panic(err)
	}
	fmt.Println(got.Balance)
	// Output: 7
}

func ExampleSetFailPoint() {
	srv, err := mongotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	ctx := context.Background()
	client, err := mongo.Connect(options.Client().ApplyURI(srv.URI()))
	if err != nil {
		panic(err)
	}
	defer client.Disconnect(ctx)

	// Fail the next find with BadValue.
	err = mongotest.SetFailPoint(ctx, client, mongotest.FailPoint{
		Mode: mongotest.Times(1), Commands: []string{"find"}, ErrorCode: 2,
	})
	if err != nil {
		panic(err)
	}
	coll := client.Database("shop").Collection("accounts")
	var se mongo.ServerError
	err = coll.FindOne(ctx, bson.D{}).Err()
	fmt.Println(errors.As(err, &se) && se.HasErrorCode(2))
	fmt.Println(coll.FindOne(ctx, bson.D{}).Err())
	// Output:
	// true
	// mongo: no documents in result
}

func TestURIForms(t *testing.T) {
	srv := mongotest.NewServer(t)
	if want := "mongodb://" + srv.Addr() + "/?replicaSet=rs0"; srv.URI() != want {
		t.Fatalf("URI() = %q, want %q", srv.URI(), want)
	}
	for _, uri := range []string{srv.URI(), srv.URI() + "&directConnection=true", "mongodb://" + srv.Addr() + "/?directConnection=true"} {
		t.Run(uri, func(t *testing.T) {
			b := testenv.Connect(t, "mongotest", uri, false)
			coll := b.DB(t).Collection("c")
			_, err := coll.InsertOne(ctxT(t), bson.D{{Key: "x", Value: 1}})
			must(t, err)
			n, err := coll.CountDocuments(ctxT(t), bson.D{})
			must(t, err)
			if n != 1 {
				t.Fatalf("count = %d, want 1", n)
			}
		})
	}
}

func TestSeveralServers(t *testing.T) {
	a, b := mongotest.NewServer(t), mongotest.NewServer(t)
	if a.Addr() == b.Addr() {
		t.Fatalf("two servers share %s", a.Addr())
	}
	ca := testenv.Connect(t, "a", a.URI(), false).Client
	cb := testenv.Connect(t, "b", b.URI(), false).Client
	_, err := ca.Database("d").Collection("c").InsertOne(ctxT(t), bson.D{{Key: "x", Value: 1}})
	must(t, err)
	n, err := cb.Database("d").Collection("c").CountDocuments(ctxT(t), bson.D{})
	must(t, err)
	if n != 0 {
		t.Fatalf("server b sees %d documents of server a", n)
	}
}

func TestHello(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		var res bson.M
		must(t, b.Client.Database("admin").RunCommand(ctxT(t), bson.D{{Key: "hello", Value: 1}}).Decode(&res))
		if res["isWritablePrimary"] != true || res["setName"] == nil || res["logicalSessionTimeoutMinutes"] == nil {
			t.Fatalf("hello = %v, want a replica-set primary with sessions", res)
		}
		if v, _ := res["maxWireVersion"].(int32); v < 9 {
			t.Fatalf("maxWireVersion = %v, want >= 9", res["maxWireVersion"])
		}
		if !b.Real {
			hosts, _ := res["hosts"].(bson.A)
			if len(hosts) != 1 || hosts[0] != hostOf(t, b.URI) {
				t.Fatalf("hosts = %v, want [%s]", hosts, hostOf(t, b.URI))
			}
		}
		must(t, b.Client.Database("admin").RunCommand(ctxT(t), bson.D{{Key: "isMaster", Value: 1}}).Decode(&res))
		if res["ismaster"] != true {
			t.Fatalf("isMaster = %v, want ismaster: true", res)
		}
	})
}

func TestAdminCommands(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := ctxT(t)
		admin := b.Client.Database("admin")
		must(t, admin.RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Err())
		var info struct{ Version string }
		must(t, admin.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info))
		if info.Version == "" {
			t.Fatal("buildInfo has no version")
		}

		err := admin.RunCommand(ctx, bson.D{{Key: "noSuchCommandXyz", Value: 1}}).Err()
		wantCode(t, err, 59)
		if ce := cmdErr(t, err); ce.Message != "no such command: 'noSuchCommandXyz'" || ce.Name != "CommandNotFound" {
			t.Fatalf("unknown command: got %q (%s)", ce.Message, ce.Name)
		}
	})
}

func TestDatabasesAndCollections(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := ctxT(t)
		db := b.DB(t)
		must(t, db.CreateCollection(ctx, "made"))
		_, err := db.Collection("implicit").InsertOne(ctx, bson.D{})
		must(t, err)
		names, err := db.ListCollectionNames(ctx, bson.D{})
		must(t, err)
		if strings.Join(slices.Sorted(slices.Values(names)), ",") != "implicit,made" {
			t.Fatalf("collections = %v", names)
		}
		names, err = db.ListCollectionNames(ctx, bson.D{{Key: "name", Value: "made"}})
		must(t, err)
		if len(names) != 1 || names[0] != "made" {
			t.Fatalf("filtered collections = %v", names)
		}
		dbs, err := b.Client.ListDatabaseNames(ctx, bson.D{{Key: "name", Value: db.Name()}})
		must(t, err)
		if len(dbs) != 1 {
			t.Fatalf("listDatabases = %v, want [%s]", dbs, db.Name())
		}

		must(t, db.Collection("made").Drop(ctx))
		must(t, db.Collection("never-there").Drop(ctx))
		names, err = db.ListCollectionNames(ctx, bson.D{})
		must(t, err)
		if len(names) != 1 || names[0] != "implicit" {
			t.Fatalf("after drop: %v", names)
		}
		must(t, db.Drop(ctx))
		dbs, err = b.Client.ListDatabaseNames(ctx, bson.D{{Key: "name", Value: db.Name()}})
		must(t, err)
		if len(dbs) != 0 {
			t.Fatalf("after dropDatabase: %v", dbs)
		}
	})
}
