// Command mongotest serves a mongotest server (package
// github.com/mongotxgen/mongotxgen/runtime/mongotest) on 127.0.0.1 until it
// is interrupted, for mongosh, other languages' tests and the driver
// specification runner:
//
//	go run github.com/mongotxgen/mongotxgen/cmd/mongotest [-port N] [-replset rs0]
//
// It prints the server's connection string on its first line of output,
// "mongodb://127.0.0.1:PORT/?replicaSet=rs0", and serves until SIGINT or
// SIGTERM, then closes every connection and exits 0. The server presents
// itself as the primary of a one-member replica set named by -replset; -port
// 0, the default, picks a free port. The data lives in memory and is gone
// when the command exits.
//
// Exit status: 0 after an interrupt, 1 when the server cannot start (the
// port is taken), 2 for a usage error.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/mongotxgen/mongotxgen/runtime/mongotest"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, stop))
}

// run serves until stop receives, and returns the exit status.
func run(args []string, stdout, stderr io.Writer, stop <-chan os.Signal) int {
	fs := flag.NewFlagSet("mongotest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	port := fs.Int("port", 0, "TCP `port` on 127.0.0.1 (0: a free one)")
	replSet := fs.String("replset", "rs0", "`name` of the one-member replica set the server presents")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mongotest [-port N] [-replset name]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "mongotest: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	if *port < 0 || *port > 65535 {
		fmt.Fprintf(stderr, "mongotest: -port %d: not a TCP port (0 to 65535)\n", *port)
		return 2
	}
	if *replSet == "" {
		fmt.Fprintln(stderr, "mongotest: -replset must name the replica set")
		return 2
	}
	srv, err := mongotest.StartWith(mongotest.Options{Port: *port, ReplicaSet: *replSet})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer srv.Close()
	fmt.Fprintln(stdout, srv.URI())
	<-stop
	return 0
}
