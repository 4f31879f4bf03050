package withtx

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readconcern"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
)

// suiteDir holds the suite's files; they are not part of this repository.
const suiteDir = "../../../../shared/specs/source/transactions-convenient-api/tests/unified"

var driverMode = flag.Bool("driver", false,
	"run withTransaction with the driver's Session.WithTransaction instead of runtime.WithTx, to tell WithTx's failures from mongotest's")

// specFile is one unified-format file.
type specFile struct {
	name              string
	RunOnRequirements []bson.Raw       `bson:"runOnRequirements"`
	CreateEntities    []bson.Raw       `bson:"createEntities"`
	InitialData       []collectionData `bson:"initialData"`
	Tests             []testCase       `bson:"tests"`
}

type testCase struct {
	Description       string           `bson:"description"`
	RunOnRequirements []bson.Raw       `bson:"runOnRequirements"`
	SkipReason        string           `bson:"skipReason"`
	Operations        []operation      `bson:"operations"`
	ExpectEvents      []clientEvents   `bson:"expectEvents"`
	Outcome           []collectionData `bson:"outcome"`
}

type clientEvents struct {
	Client            string     `bson:"client"`
	EventType         string     `bson:"eventType"`
	Events            []bson.Raw `bson:"events"`
	IgnoreExtraEvents bool       `bson:"ignoreExtraEvents"`
}

type collectionData struct {
	CollectionName string     `bson:"collectionName"`
	DatabaseName   string     `bson:"databaseName"`
	Documents      []bson.Raw `bson:"documents"`
}

func loadSuite(t *testing.T) []specFile {
	paths, _ := filepath.Glob(filepath.Join(suiteDir, "*.json"))
	if len(paths) == 0 {
		t.Skipf("no transactions-convenient-api spec files in %s (MongoDB's specs are not part of this repository)", suiteDir)
	}
	files := make([]specFile, 0, len(paths))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f := specFile{name: filepath.Base(p)}
		if err := bson.UnmarshalExtJSON(data, false, &f); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		files = append(files, f)
	}
	return files
}

// TestConvenientAPISpec runs every test of the suite with withTransaction
// sent through runtime.WithTx, against mongotest and, when
// MONGOTXGEN_TEST_URI is set, a real replica set.
func TestConvenientAPISpec(t *testing.T) {
	files := loadSuite(t)
	for _, k := range unknownKeys(files) {
		t.Errorf("deviation or mongotest fault listed for %q, which is no test of the suite", k)
	}
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		srv := describeServer(t, b.Client)
		for _, f := range files {
			t.Run(f.name, func(t *testing.T) {
				for _, tc := range f.Tests {
					t.Run(tc.Description, func(t *testing.T) {
						if why := srv.unmet(f.RunOnRequirements, tc.RunOnRequirements); why != "" {
							t.Skip(why)
						}
						if tc.SkipReason != "" {
							t.Skip("the spec file skips it: " + tc.SkipReason)
						}
						runTest(t, b, f, tc)
					})
				}
			})
		}
	})
}

// run is one test being run.
type run struct {
	ents     *entities
	m        *matcher
	dev      *deviation
	failures []string
}

func (r *run) failf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

func (r *run) runnerErr(format string, args ...any) error {
	r.failf(format, args...)
	return errRunner
}

func runTest(t *testing.T, b *testenv.Backend, f specFile, tc testCase) {
	key := f.name + "/" + tc.Description
	r := &run{ents: newEntities(t, b.URI), dev: deviationFor(key)}
	r.m = &matcher{lsids: r.ents.lsids}
	if r.dev != nil {
		if r.dev.notRun != "" {
			t.Skipf("not run (README WithTx table, row %s): %s", r.dev.row, r.dev.notRun)
		}
		r.m.ignored = r.dev.ignore
	}
	// No deadline: with one the driver sends maxTimeMS on every command and
	// leaves out the wtimeout the spec expects on a retried commit. A hang
	// is go test's -timeout's to catch.
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := setUp(ctx, b.Client, f.InitialData); err != nil {
		t.Fatalf("initialData: %v", err)
	}
	if err := r.ents.create(f.CreateEntities); err != nil {
		t.Fatalf("createEntities: %v", err)
	}
	for _, op := range tc.Operations {
		_ = r.do(ctx, op)
	}
	for _, ce := range tc.ExpectEvents {
		r.checkEvents(ce)
	}
	r.checkOutcome(ctx, b.Client, tc.Outcome)
	verdict(t, b, key, r)
}

// verdict reports the run: failures fail the test, except on mongotest for
// a test listed as a mongotest fault, which is skipped with them printed
// (and fails once it passes, so that the list stays true); a test with a
// deviation is skipped after everything else passed, saying what it skipped.
func verdict(t *testing.T, b *testenv.Backend, key string, r *run) {
	bug := ""
	if !b.Real {
		bug = mongotestFaults[key]
	}
	switch {
	case len(r.failures) > 0 && bug != "":
		t.Skipf("mongotest is wrong here (%s); the runner found:\n\t%s", bug, strings.Join(r.failures, "\n\t"))
	case len(r.failures) > 0:
		for _, f := range r.failures {
			t.Error(f)
		}
	case bug != "":
		t.Errorf("listed in mongotestFaults (%s) but passes: remove it from the list", bug)
	}
	if r.dev != nil && len(r.failures) == 0 {
		t.Skipf("every other expectation met; %s (README WithTx table, row %s: %s)", r.dev.skipped(), r.dev.row, r.dev.why)
	}
}

// setUp kills leftover sessions (and their transactions) and writes the
// initial data with majority write concern, as the format says.
func setUp(ctx context.Context, c *mongo.Client, data []collectionData) error {
	// A server without the command has no sessions to kill either.
	_ = c.Database("admin").RunCommand(ctx, bson.D{{Key: "killAllSessions", Value: bson.A{}}}).Err()
	wc := options.Collection().SetWriteConcern(writeconcern.Majority())
	for _, d := range data {
		coll := c.Database(d.DatabaseName).Collection(d.CollectionName, wc)
		if err := coll.Drop(ctx); err != nil {
			return err
		}
		if len(d.Documents) == 0 {
			err := c.Database(d.DatabaseName).CreateCollection(ctx, d.CollectionName)
			if err != nil {
				return err
			}
			continue
		}
		if _, err := coll.InsertMany(ctx, d.Documents); err != nil {
			return err
		}
	}
	return nil
}

func (r *run) checkEvents(want clientEvents) {
	c, ok := r.ents.clients[want.Client]
	if !ok || (want.EventType != "" && want.EventType != "command") {
		r.failf("expectEvents for client %q, event type %q: not implemented by this runner", want.Client, want.EventType)
		return
	}
	got := c.recorded()
	if len(got) < len(want.Events) || (!want.IgnoreExtraEvents && len(got) > len(want.Events)) {
		r.failf("client %s: %d command started events, want %d; got:\n\t%s", want.Client, len(got), len(want.Events), summary(got))
		return
	}
	for i, raw := range want.Events {
		exp := raw.Lookup("commandStartedEvent")
		doc, ok := exp.DocumentOK()
		if !ok {
			r.failf("client %s: event %d: only commandStartedEvent is implemented by this runner: %v", want.Client, i, raw)
			return
		}
		ev := got[i]
		if name, ok := doc.Lookup("commandName").StringValueOK(); ok && name != ev.CommandName {
			r.failf("client %s: event %d is %s, want %s; got:\n\t%s", want.Client, i, ev.CommandName, name, summary(got))
			return
		}
		if db, ok := doc.Lookup("databaseName").StringValueOK(); ok && db != ev.DatabaseName {
			r.failf("client %s: event %d (%s) on database %s, want %s", want.Client, i, ev.CommandName, ev.DatabaseName, db)
		}
		if cmd := doc.Lookup("command"); cmd.Type != 0 {
			act := bson.RawValue{Type: bson.TypeEmbeddedDocument, Value: ev.Command}
			path := fmt.Sprintf("%s.events[%d].command", want.Client, i)
			if err := r.m.match(path, cmd, act, true); err != nil {
				r.failf("%s: %v\n\tcommand sent: %v", ev.CommandName, err, ev.Command)
			}
		}
	}
}

// summary lists events by command name, for failure messages.
func summary(events []*event.CommandStartedEvent) string {
	names := make([]string, len(events))
	for i, ev := range events {
		names[i] = ev.CommandName
	}
	return strings.Join(names, ", ")
}

func (r *run) checkOutcome(ctx context.Context, c *mongo.Client, outcome []collectionData) {
	for _, want := range outcome {
		coll := c.Database(want.DatabaseName).Collection(want.CollectionName,
			options.Collection().SetReadConcern(readconcern.Local()))
		cur, err := coll.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
		if err != nil {
			r.failf("outcome %s: %v", want.CollectionName, err)
			continue
		}
		var got []bson.Raw
		if err := cur.All(ctx, &got); err != nil {
			r.failf("outcome %s: %v", want.CollectionName, err)
			continue
		}
		exp, _ := bson.Marshal(bson.D{{Key: "d", Value: append([]bson.Raw{}, want.Documents...)}})
		act, _ := bson.Marshal(bson.D{{Key: "d", Value: append([]bson.Raw{}, got...)}})
		if err := r.m.match(want.CollectionName, bson.Raw(exp).Lookup("d"), bson.Raw(act).Lookup("d"), false); err != nil {
			r.failf("outcome: %v", err)
		}
	}
}
