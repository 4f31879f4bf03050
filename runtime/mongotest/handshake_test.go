package mongotest_test

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongotxgen/mongotxgen/runtime/mongotest"
)

// TestGetParameter: the driver's test harness asks for every parameter.
func TestGetParameter(t *testing.T) {
	srv := mongotest.NewServer(t)
	c := dialRaw(t, srv.Addr())

	all := c.run(bson.D{{Key: "getParameter", Value: "*"}, {Key: "$db", Value: "admin"}})
	fcv, _ := get(all, "featureCompatibilityVersion").(bson.D)
	if get(all, "ok") != 1.0 || get(fcv, "version") != "8.0" || get(all, "transactionLifetimeLimitSeconds") != int32(60) {
		t.Fatalf("getParameter *: %v", all)
	}

	named := c.run(bson.D{{Key: "getParameter", Value: 1}, {Key: "maxBSONDepth", Value: 1}, {Key: "noSuchParameter", Value: 1}, {Key: "$db", Value: "admin"}})
	if get(named, "ok") != 1.0 || get(named, "maxBSONDepth") != int32(200) || get(named, "transactionLifetimeLimitSeconds") != nil {
		t.Fatalf("getParameter by name: %v", named)
	}

	wantRefusal(t, "an unknown parameter", c.run(bson.D{{Key: "getParameter", Value: 1}, {Key: "noSuchParameter", Value: 1}, {Key: "$db", Value: "admin"}}), 72, "InvalidOptions")
	wantRefusal(t, "outside admin", c.run(bson.D{{Key: "getParameter", Value: "*"}, {Key: "$db", Value: "test"}}), 13, "Unauthorized")
}

// TestOptions: the port and replica set name are the caller's to choose.
func TestOptions(t *testing.T) {
	srv, err := mongotest.StartWith(mongotest.Options{ReplicaSet: "other"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if want := "mongodb://" + srv.Addr() + "/?replicaSet=other"; srv.URI() != want {
		t.Fatalf("URI = %q, want %q", srv.URI(), want)
	}
	hello := dialRaw(t, srv.Addr()).run(bson.D{{Key: "hello", Value: 1}, {Key: "$db", Value: "admin"}})
	if get(hello, "setName") != "other" {
		t.Fatalf("hello: %v", hello)
	}
	if _, err := mongotest.StartWith(mongotest.Options{Port: 70000}); err == nil {
		t.Fatal("port 70000 accepted")
	}
}
