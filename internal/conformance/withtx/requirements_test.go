package withtx

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// server is what runOnRequirements are checked against.
type server struct {
	version  []int
	topology string // "single", "replicaset" or "sharded"
}

func describeServer(t *testing.T, c *mongo.Client) server {
	ctx := context.Background()
	var info struct {
		Version string `bson:"version"`
	}
	if err := c.Database("admin").RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err != nil {
		t.Fatalf("buildInfo: %v", err)
	}
	var hello struct {
		SetName string `bson:"setName"`
		Msg     string `bson:"msg"`
	}
	if err := c.Database("admin").RunCommand(ctx, bson.D{{Key: "hello", Value: 1}}).Decode(&hello); err != nil {
		t.Fatalf("hello: %v", err)
	}
	s := server{version: parseVersion(info.Version), topology: "single"}
	switch {
	case hello.SetName != "":
		s.topology = "replicaset"
	case hello.Msg == "isdbgrid":
		s.topology = "sharded"
	}
	return s
}

func parseVersion(v string) []int {
	var parts []int
	for _, p := range strings.Split(strings.SplitN(v, "-", 2)[0], ".") {
		n, _ := strconv.Atoi(p)
		parts = append(parts, n)
	}
	for len(parts) < 3 { // "8.0" is "8.0.0"
		parts = append(parts, 0)
	}
	return parts
}

// requirement is one element of runOnRequirements.
type requirement struct {
	MinServerVersion string   `bson:"minServerVersion"`
	MaxServerVersion string   `bson:"maxServerVersion"`
	Topologies       []string `bson:"topologies"`
	Serverless       string   `bson:"serverless"`
}

// unmet returns why the server meets none of a file's (or test's)
// alternatives, or "" when it meets one of each list; fileReqs and
// testReqs are separate lists, both of which must be met.
func (s server) unmet(fileReqs, testReqs []bson.Raw) string {
	for _, reqs := range [][]bson.Raw{fileReqs, testReqs} {
		if why := s.unmetAny(reqs); why != "" {
			return why
		}
	}
	return ""
}

func (s server) unmetAny(reqs []bson.Raw) string {
	var whys []string
	for _, raw := range reqs {
		var r requirement
		if err := bson.Unmarshal(raw, &r); err != nil {
			return fmt.Sprintf("runOnRequirements %v: %v", raw, err)
		}
		why := s.unmetOne(r)
		if why == "" {
			return ""
		}
		whys = append(whys, why)
	}
	if len(whys) == 0 {
		return ""
	}
	return "runOnRequirements not met: " + strings.Join(whys, "; ")
}

func (s server) unmetOne(r requirement) string {
	switch {
	case r.MinServerVersion != "" && slices.Compare(s.version, parseVersion(r.MinServerVersion)) < 0:
		return "needs server " + r.MinServerVersion + " or later"
	case r.MaxServerVersion != "" && slices.Compare(s.version, parseVersion(r.MaxServerVersion)) > 0:
		return "needs server " + r.MaxServerVersion + " or earlier"
	case len(r.Topologies) > 0 && !slices.Contains(r.Topologies, s.topology):
		return "needs topology " + strings.Join(r.Topologies, " or ") + ", not " + s.topology
	case r.Serverless == "require":
		return "needs a serverless instance"
	}
	return ""
}
