package conformance

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// serverSelectionTimeout shortens the driver's server selection, which a
// test asking for a secondary of the one-node set waits out (30 s by
// default) before it fails the same way. Tests that set their own
// serverSelectionTimeoutMS keep theirs.
const serverSelectionTimeout = "serverSelectionTimeoutMS=2000"

// Runner is the driver's unified spec runner built against the specs, and
// a cmd/mongotest binary to run it against.
type Runner struct {
	dir    string // the runner's package directory, where it finds the specs
	runner string // test binary of the runner
	server string // cmd/mongotest binary
}

// Build builds, in work, the spec runner of the driver module that the
// module at root requires, with specs as its testdata/specifications, and
// cmd/mongotest.
func Build(ctx context.Context, root, specs, work string) (*Runner, error) {
	mod, err := output(ctx, root, nil, "go", "list", "-m", "-f", "{{.Dir}}", "go.mongodb.org/mongo-driver/v2")
	if err != nil {
		return nil, err
	}
	driver := filepath.Join(work, "driver")
	// The module cache is read-only; the runner needs its specs inside.
	if err := os.CopyFS(driver, os.DirFS(strings.TrimSpace(mod))); err != nil {
		return nil, fmt.Errorf("copy the driver module: %w", err)
	}
	specs, err = filepath.Abs(specs)
	if err != nil {
		return nil, err
	}
	if err := os.Symlink(specs, filepath.Join(driver, "testdata", "specifications")); err != nil {
		return nil, err
	}
	r := &Runner{
		dir:    filepath.Join(driver, "internal", "integration", "unified"),
		runner: filepath.Join(work, "unified.test"),
		server: filepath.Join(work, "mongotest"),
	}
	env := []string{"GOWORK=off", "GOFLAGS=-mod=mod"}
	if _, err := output(ctx, driver, env, "go", "test", "-c", "-o", r.runner, "./internal/integration/unified"); err != nil {
		return nil, err
	}
	if _, err := output(ctx, root, nil, "go", "build", "-o", r.server, "./cmd/mongotest"); err != nil {
		return nil, err
	}
	return r, nil
}

// output runs a command in dir and returns its standard output.
func output(ctx context.Context, dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.Bytes())
	}
	return string(out), nil
}

// Run starts a cmd/mongotest, runs the given suites against it and returns
// the outcome of every test, sorted by name.
func (r *Runner) Run(ctx context.Context, suites []string) ([]Outcome, error) {
	uri, stop, err := r.startServer(ctx)
	if err != nil {
		return nil, err
	}
	defer stop()
	pattern := "TestUnifiedSpec/^(" + strings.Join(suites, "|") + ")$"
	cmd := exec.CommandContext(ctx, "go", "tool", "test2json", "-t", r.runner,
		"-test.run", pattern, "-test.v=test2json", "-test.count=1", "-test.timeout=20m")
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(), "MONGODB_URI="+uri+"&"+serverSelectionTimeout)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) { // 1: some tests failed
		return nil, fmt.Errorf("spec runner: %v\n%s\n%s", err, tail(out), stderr.Bytes())
	}
	outcomes, err := parseEvents(bytes.NewReader(out))
	if err != nil {
		return nil, err
	}
	if len(outcomes) == 0 {
		return nil, fmt.Errorf("spec runner ran no test\n%s", tail(out))
	}
	return outcomes, nil
}

// startServer starts cmd/mongotest and returns its URI and how to stop it.
func (r *Runner) startServer(ctx context.Context) (string, func(), error) {
	cmd := exec.CommandContext(ctx, r.server)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		stop()
		return "", nil, fmt.Errorf("cmd/mongotest printed no URI: %v", err)
	}
	go io.Copy(io.Discard, stdout)
	return strings.TrimSpace(line), stop, nil
}

// event is one line of go tool test2json's output.
type event struct {
	Action string
	Test   string
	Output string
}

// logLine is a line a test logged: "    file.go:12: message".
var logLine = regexp.MustCompile(`^\s+[\w.]+\.go:\d+: (.*)`)

// parseEvents turns test2json events into the outcomes of the leaf tests
// (a spec test, or a whole file skipped by its runOnRequirements).
func parseEvents(r io.Reader) ([]Outcome, error) {
	status := map[string]string{}
	message := map[string]string{}
	dec := json.NewDecoder(r)
	for {
		var ev event
		if err := dec.Decode(&ev); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("spec runner output: %w", err)
		}
		name, ok := strings.CutPrefix(ev.Test, "TestUnifiedSpec/")
		if !ok {
			continue
		}
		switch ev.Action {
		case "pass", "fail", "skip":
			status[name] = ev.Action
		case "output":
			if m := logLine.FindStringSubmatch(ev.Output); m != nil && message[name] == "" {
				message[name] = strings.TrimSpace(m[1])
			}
		}
	}
	parents := map[string]bool{}
	for n := range status {
		for i := range len(n) {
			if n[i] == '/' {
				parents[n[:i]] = true
			}
		}
	}
	var outcomes []Outcome
	for _, n := range slices.Sorted(maps.Keys(status)) {
		if !parents[n] { // a file or directory is not an outcome: its tests are
			outcomes = append(outcomes, Outcome{Test: n, Status: status[n], Message: message[n]})
		}
	}
	return outcomes, nil
}

func tail(b []byte) []byte {
	if len(b) > 4000 {
		return b[len(b)-4000:]
	}
	return b
}
