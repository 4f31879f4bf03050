package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// serve runs the command with args until the test ends, and returns the
// URI it printed.
func serve(t *testing.T, args ...string) string {
	t.Helper()
	out, w := io.Pipe()
	stop := make(chan os.Signal, 1)
	exit := make(chan int, 1)
	var stderr strings.Builder
	go func() {
		exit <- run(args, w, &stderr, stop)
		w.Close()
	}()
	t.Cleanup(func() {
		stop <- os.Interrupt
		if code := <-exit; code != 0 {
			t.Errorf("exit status %d after an interrupt; stderr: %s", code, stderr.String())
		}
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("no URI printed: %v; stderr: %s", err, stderr.String())
	}
	go io.Copy(io.Discard, out)
	return strings.TrimSpace(line)
}

func TestServes(t *testing.T) {
	uri := serve(t, "-replset", "rs7")
	if !strings.HasPrefix(uri, "mongodb://127.0.0.1:") || !strings.HasSuffix(uri, "/?replicaSet=rs7") {
		t.Fatalf("URI %q", uri)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(ctx)
	coll := client.Database("cmd").Collection("c")
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 1}, {Key: "x", Value: "y"}}); err != nil {
		t.Fatal(err)
	}
	var got bson.D
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: 1}}).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].Value != "y" {
		t.Fatalf("read back %v", got)
	}
}

func TestPort(t *testing.T) {
	// Find a free port, then ask for it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	uri := serve(t, "-port", strconv.Itoa(port))
	if want := "mongodb://127.0.0.1:" + strconv.Itoa(port) + "/?replicaSet=rs0"; uri != want {
		t.Fatalf("URI %q, want %q", uri, want)
	}
	// The port is now taken: a second server cannot start.
	var stderr strings.Builder
	if code := run([]string{"-port", strconv.Itoa(port)}, io.Discard, &stderr, nil); code != 1 {
		t.Fatalf("second server on a taken port: exit %d", code)
	}
	if !strings.Contains(stderr.String(), "listen") {
		t.Fatalf("stderr %q does not say the listen failed", stderr.String())
	}
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-nope"}, "flag provided but not defined: -nope"},
		{[]string{"-port", "70000"}, "-port 70000: not a TCP port"},
		{[]string{"-replset", ""}, "-replset must name the replica set"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	} {
		var stderr strings.Builder
		if code := run(tc.args, io.Discard, &stderr, nil); code != 2 {
			t.Errorf("%v: exit %d, want 2", tc.args, code)
		}
		if !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: stderr %q, want %q", tc.args, stderr.String(), tc.want)
		}
	}
}
