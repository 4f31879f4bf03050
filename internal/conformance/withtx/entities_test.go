package withtx

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readconcern"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime"
)

// entityDef is one element of createEntities; exactly one field is set.
type entityDef struct {
	Client *struct {
		ID                            string   `bson:"id"`
		ObserveEvents                 []string `bson:"observeEvents"`
		IgnoreCommandMonitoringEvents []string `bson:"ignoreCommandMonitoringEvents"`
		URIOptions                    bson.M   `bson:"uriOptions"`
	} `bson:"client"`
	Database *struct {
		ID           string `bson:"id"`
		Client       string `bson:"client"`
		DatabaseName string `bson:"databaseName"`
	} `bson:"database"`
	Collection *struct {
		ID             string `bson:"id"`
		Database       string `bson:"database"`
		CollectionName string `bson:"collectionName"`
	} `bson:"collection"`
	Session *struct {
		ID             string `bson:"id"`
		Client         string `bson:"client"`
		SessionOptions struct {
			CausalConsistency         *bool      `bson:"causalConsistency"`
			DefaultTransactionOptions *txOptions `bson:"defaultTransactionOptions"`
		} `bson:"sessionOptions"`
	} `bson:"session"`
}

// txOptions are transaction options as the format writes them: a
// session's defaultTransactionOptions, and the arguments of
// withTransaction and startTransaction.
type txOptions struct {
	ReadConcern *struct {
		Level string `bson:"level"`
	} `bson:"readConcern"`
	WriteConcern *struct {
		W          any   `bson:"w"`
		Journal    *bool `bson:"journal"`
		WTimeoutMS *int  `bson:"wtimeoutMS"` // the driver's v2 API has no wtimeout: not sent
	} `bson:"writeConcern"`
	ReadPreference *struct {
		Mode string `bson:"mode"`
	} `bson:"readPreference"`
	MaxCommitTimeMS *int64 `bson:"maxCommitTimeMS"`
}

func (o *txOptions) readConcern() *readconcern.ReadConcern {
	if o.ReadConcern == nil {
		return nil
	}
	return &readconcern.ReadConcern{Level: o.ReadConcern.Level}
}

func (o *txOptions) writeConcern() *writeconcern.WriteConcern {
	if o.WriteConcern == nil {
		return nil
	}
	w := o.WriteConcern.W
	if n, ok := w.(int32); ok {
		w = int(n) // the driver takes an int or a string
	}
	return &writeconcern.WriteConcern{W: w, Journal: o.WriteConcern.Journal}
}

func (o *txOptions) readPreference() (*readpref.ReadPref, error) {
	if o.ReadPreference == nil {
		return nil, nil
	}
	mode, err := readpref.ModeFromString(o.ReadPreference.Mode)
	if err != nil {
		return nil, err
	}
	return readpref.New(mode)
}

// driver returns the options as the driver's TransactionOptions, which have
// no maxCommitTimeMS.
func (o *txOptions) driver() (*options.TransactionOptionsBuilder, error) {
	rp, err := o.readPreference()
	if err != nil {
		return nil, err
	}
	if o.MaxCommitTimeMS != nil {
		return nil, fmt.Errorf("maxCommitTimeMS: the driver's v2 TransactionOptions have no such option")
	}
	b := options.Transaction()
	if rc := o.readConcern(); rc != nil {
		b.SetReadConcern(rc)
	}
	if wc := o.writeConcern(); wc != nil {
		b.SetWriteConcern(wc)
	}
	if rp != nil {
		b.SetReadPreference(rp)
	}
	return b, nil
}

// withTx returns the options as WithTx options.
func (o *txOptions) withTx() ([]runtime.TxOption, error) {
	var opts []runtime.TxOption
	if rc := o.readConcern(); rc != nil {
		opts = append(opts, runtime.WithReadConcern(rc))
	}
	if wc := o.writeConcern(); wc != nil {
		opts = append(opts, runtime.WithWriteConcern(wc))
	}
	rp, err := o.readPreference()
	if err != nil {
		return nil, err
	}
	if rp != nil {
		opts = append(opts, runtime.WithReadPreference(rp))
	}
	if o.MaxCommitTimeMS != nil {
		opts = append(opts, runtime.WithMaxCommitTime(time.Duration(*o.MaxCommitTimeMS)*time.Millisecond))
	}
	return opts, nil
}

// clientEntity is a client and the command started events it observed.
type clientEntity struct {
	client     *mongo.Client
	mu         sync.Mutex
	events     []*event.CommandStartedEvent
	failPoints []string // fail points set through it, turned off at the end
}

// unobserved are commands whose events the format says a runner never
// reports: fail point setup and security-sensitive ones.
var unobserved = []string{"configureFailPoint", "hello", "isMaster", "ismaster", "authenticate",
	"saslStart", "saslContinue", "getnonce", "createUser", "updateUser"}

func (c *clientEntity) recorded() []*event.CommandStartedEvent {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.events)
}

// entities are the objects a test's operations name.
type entities struct {
	t           testing.TB
	uri         string
	clients     map[string]*clientEntity
	databases   map[string]*mongo.Database
	collections map[string]*mongo.Collection
	sessions    map[string]*mongo.Session
	lsids       map[string]bson.Raw
}

func newEntities(t testing.TB, uri string) *entities {
	return &entities{t: t, uri: uri, clients: map[string]*clientEntity{}, databases: map[string]*mongo.Database{},
		collections: map[string]*mongo.Collection{}, sessions: map[string]*mongo.Session{}, lsids: map[string]bson.Raw{}}
}

// create creates the entities of defs, in order.
func (e *entities) create(defs []bson.Raw) error {
	for _, raw := range defs {
		var d entityDef
		if err := bson.Unmarshal(raw, &d); err != nil {
			return fmt.Errorf("entity %v: %w", raw, err)
		}
		var err error
		switch {
		case d.Client != nil:
			err = e.createClient(d.Client.ID, d.Client.ObserveEvents, d.Client.IgnoreCommandMonitoringEvents, d.Client.URIOptions)
		case d.Database != nil:
			c, ok := e.clients[d.Database.Client]
			if !ok {
				return fmt.Errorf("database %s: no client %q", d.Database.ID, d.Database.Client)
			}
			e.databases[d.Database.ID] = c.client.Database(d.Database.DatabaseName)
		case d.Collection != nil:
			db, ok := e.databases[d.Collection.Database]
			if !ok {
				return fmt.Errorf("collection %s: no database %q", d.Collection.ID, d.Collection.Database)
			}
			e.collections[d.Collection.ID] = db.Collection(d.Collection.CollectionName)
		case d.Session != nil:
			so := d.Session.SessionOptions
			err = e.createSession(d.Session.ID, d.Session.Client, so.CausalConsistency, so.DefaultTransactionOptions)
		default:
			return fmt.Errorf("entity %v: a kind this runner does not implement", raw)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (e *entities) createClient(id string, observe, ignore []string, uriOptions bson.M) error {
	for _, name := range observe {
		if name != "commandStartedEvent" {
			return fmt.Errorf("client %s: observing %s is not implemented by this runner", id, name)
		}
	}
	u, err := url.Parse(e.uri)
	if err != nil {
		return err
	}
	q := u.Query()
	for k, v := range uriOptions {
		q.Set(k, fmt.Sprint(v))
	}
	u.RawQuery = q.Encode()
	c := &clientEntity{}
	started := func(_ context.Context, ev *event.CommandStartedEvent) {
		if len(observe) == 0 || slices.Contains(unobserved, ev.CommandName) || slices.Contains(ignore, ev.CommandName) {
			return
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		c.events = append(c.events, ev)
	}
	// runtime.CommandMonitor lets WithTx see failed operations of plain
	// driver calls (README WithTx table, row 9), as its documentation asks.
	opts := options.Client().ApplyURI(u.String()).SetMonitor(runtime.CommandMonitor(&event.CommandMonitor{Started: started}))
	c.client = testenv.NewClient(e.t, opts)
	e.t.Cleanup(func() { c.clearFailPoints() })
	e.clients[id] = c
	return nil
}

func (c *clientEntity) clearFailPoints() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, name := range c.failPoints {
		_ = c.client.Database("admin").RunCommand(ctx, bson.D{{Key: "configureFailPoint", Value: name}, {Key: "mode", Value: "off"}}).Err()
	}
}

func (e *entities) createSession(id, client string, causal *bool, defaults *txOptions) error {
	c, ok := e.clients[client]
	if !ok {
		return fmt.Errorf("session %s: no client %q", id, client)
	}
	so := options.Session()
	if causal != nil {
		so.SetCausalConsistency(*causal)
	}
	if defaults != nil {
		// Sessions are the driver's in both modes: defaults are the
		// driver's options (maxCommitTimeMS has none).
		b, err := defaults.driver()
		if err != nil {
			return fmt.Errorf("session %s: %w", id, err)
		}
		so.SetDefaultTransactionOptions(b)
	}
	sess, err := c.client.StartSession(so)
	if err != nil {
		return fmt.Errorf("session %s: %w", id, err)
	}
	e.t.Cleanup(func() { sess.EndSession(context.Background()) })
	e.sessions[id] = sess
	e.lsids[id] = sess.ID()
	return nil
}
