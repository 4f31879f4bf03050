package runtime

import (
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readconcern"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"
)

// Defaults of the retry budget and backoff: the 120 s budget of the
// convenient-transaction specification, and the backoff curve of the Go
// driver's Session.WithTransaction, so that without options WithTx retries
// as the driver does: the first retry waits below 7.5 ms, each further one
// up to 1.5 times longer, never more than 500 ms, uniformly jittered. (The
// specification's pseudo-code starts at 5 ms; the driver grows its 5 ms once
// before the first sleep. Under contention the driver's curve did better:
// 16 workers on 10 accounts retried 0.35 times per commit with 5 ms against
// 0.27 with 7.5 ms, and committed 5 to 12% less per second; see
// BENCHMARKS.md.) Short first waits matter because the usual transient error
// is a write conflict with a transaction that commits within milliseconds;
// the 500 ms cap keeps a long conflict storm from turning into multi-second
// stalls, and full jitter spreads competing retriers apart.
const (
	DefaultTxTimeout  = 120 * time.Second
	DefaultBackoffMin = 7500 * time.Microsecond
	DefaultBackoffMax = 500 * time.Millisecond

	// backoffGrowth is the factor between successive backoff ceilings.
	backoffGrowth = 1.5
)

// Propagation says what [WithTx] does when the context it is given already
// carries a transaction started by WithTx (directly or through [Tx.Bind]).
type Propagation int

const (
	// Required joins the transaction in the context, or starts one when there
	// is none. Joining starts no session and commits nothing: the outermost
	// WithTx commits, with its own options (a joined call's other options
	// are ignored). If the joined callback fails or panics, the outer
	// transaction is marked rollback-only and its commit fails with
	// [ErrRollbackOnly].
	Required Propagation = iota
	// RequiresNew always starts its own session and transaction, which
	// commits (or aborts) independently of any transaction in the context.
	RequiresNew
	// Mandatory joins the transaction in the context and fails with [ErrNoTx]
	// when there is none.
	Mandatory
	// Durable starts a transaction and fails with [ErrNestedTx] when the
	// context already carries one: its writes are durable once it returns
	// nil, never at the mercy of an outer transaction.
	Durable
)

// String returns the constant's name, e.g. "RequiresNew".
func (p Propagation) String() string {
	switch p {
	case Required:
		return "Required"
	case RequiresNew:
		return "RequiresNew"
	case Mandatory:
		return "Mandatory"
	case Durable:
		return "Durable"
	}
	return fmt.Sprintf("Propagation(%d)", int(p))
}

// TxOption configures one [WithTx] or [WithTxValue] call. Build it with the
// With* functions of this package; the zero TxOption does nothing.
type TxOption struct {
	apply func(*txConfig)
}

// txConfig is the result of applying TxOption values.
type txConfig struct {
	timeout       time.Duration
	maxAttempts   int // 0: unlimited, only the time budget applies
	backoffMin    time.Duration
	backoffMax    time.Duration
	readConcern   *readconcern.ReadConcern
	writeConcern  *writeconcern.WriteConcern
	readPref      *readpref.ReadPref
	maxCommitTime time.Duration
	propagation   Propagation
	observer      Observer
	session       *mongo.Session // WithSession: the caller's, not ended by WithTx
	err           error          // the first invalid option, reported by WithTx

	txOpts []options.Lister[options.TransactionOptions] // for StartTransaction, made once
}

func newTxConfig(opts []TxOption) txConfig {
	c := txConfig{
		timeout:    DefaultTxTimeout,
		backoffMin: DefaultBackoffMin,
		backoffMax: DefaultBackoffMax,
	}
	for _, o := range opts {
		if o.apply != nil {
			o.apply(&c)
		}
	}
	c.txOpts = c.transactionOptions()
	return c
}

// invalid records the first invalid option; WithTx returns it before doing
// anything else.
func (c *txConfig) invalid(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("mongotxgen: invalid transaction option: "+format, args...)
	}
}

// transactionOptions returns the driver options for StartTransaction: none
// when no option is set, so the common case allocates nothing.
func (c *txConfig) transactionOptions() []options.Lister[options.TransactionOptions] {
	if c.readConcern == nil && c.writeConcern == nil && c.readPref == nil {
		return nil
	}
	o := options.Transaction()
	if c.readConcern != nil {
		o.SetReadConcern(c.readConcern)
	}
	if c.writeConcern != nil {
		o.SetWriteConcern(c.writeConcern)
	}
	if c.readPref != nil {
		o.SetReadPreference(c.readPref)
	}
	return []options.Lister[options.TransactionOptions]{o}
}

// WithTimeout bounds the time WithTx spends retrying: no new attempt, commit
// retry or backoff sleep starts once d has passed since WithTx was called
// (the default is [DefaultTxTimeout], 120 s, as the specification says). A
// deadline on the context passed to WithTx is a tighter bound when it is
// earlier. The budget does not interrupt a callback or commit that is
// running; the context's own deadline and cancellation do that. d must be
// positive.
func WithTimeout(d time.Duration) TxOption {
	return TxOption{func(c *txConfig) {
		if d <= 0 {
			c.invalid("WithTimeout(%v): the timeout must be positive", d)
			return
		}
		c.timeout = d
	}}
}

// WithMaxAttempts limits the number of times the callback runs to n (n ≥ 1;
// 1 disables whole-transaction retries). Commit retries after an
// UnknownTransactionCommitResult do not count as attempts. Without this
// option only the time budget limits attempts.
func WithMaxAttempts(n int) TxOption {
	return TxOption{func(c *txConfig) {
		if n < 1 {
			c.invalid("WithMaxAttempts(%d): at least one attempt is needed", n)
			return
		}
		c.maxAttempts = n
	}}
}

// WithBackoff sets the sleep between attempts: before retry k (k = 1, 2, ...)
// WithTx sleeps a uniformly random duration below
// min(minDelay·1.5^(k-1), maxDelay), the specification's jittered exponential
// backoff with minDelay as its initial ceiling. The defaults are
// [DefaultBackoffMin] and [DefaultBackoffMax]. Both must be positive and
// minDelay ≤ maxDelay.
func WithBackoff(minDelay, maxDelay time.Duration) TxOption {
	return TxOption{func(c *txConfig) {
		if minDelay <= 0 || maxDelay <= 0 || minDelay > maxDelay {
			c.invalid("WithBackoff(%v, %v): need 0 < min ≤ max", minDelay, maxDelay)
			return
		}
		c.backoffMin, c.backoffMax = minDelay, maxDelay
	}}
}

// WithReadConcern sets the transaction's read concern (e.g.
// readconcern.Snapshot()); without it the session's and then the client's
// default applies. It is ignored when WithTx joins an outer transaction.
func WithReadConcern(rc *readconcern.ReadConcern) TxOption {
	return TxOption{func(c *txConfig) { c.readConcern = rc }}
}

// WithWriteConcern sets the transaction's write concern, which the commit
// uses (e.g. writeconcern.Majority()). It is ignored when WithTx joins an
// outer transaction.
func WithWriteConcern(wc *writeconcern.WriteConcern) TxOption {
	return TxOption{func(c *txConfig) { c.writeConcern = wc }}
}

// WithReadPreference sets the transaction's read preference. Reads in a
// transaction must go to the primary: the driver refuses any other mode when
// an operation runs, so this option exists for completeness and to state the
// intent. It is ignored when WithTx joins an outer transaction.
func WithReadPreference(rp *readpref.ReadPref) TxOption {
	return TxOption{func(c *txConfig) { c.readPref = rp }}
}

// WithMaxCommitTime bounds each commitTransaction command to d: the driver
// sends it as maxTimeMS and stops waiting after d. A commit that fails with
// MaxTimeMSExpired is not retried. d must be positive.
func WithMaxCommitTime(d time.Duration) TxOption {
	return TxOption{func(c *txConfig) {
		if d <= 0 {
			c.invalid("WithMaxCommitTime(%v): the time must be positive", d)
			return
		}
		c.maxCommitTime = d
	}}
}

// WithPropagation says how WithTx relates to a transaction already in the
// context; the default is [Required].
func WithPropagation(p Propagation) TxOption {
	return TxOption{func(c *txConfig) {
		if p < Required || p > Durable {
			c.invalid("WithPropagation(%v): unknown propagation", p)
			return
		}
		c.propagation = p
	}}
}

// WithObserver reports what WithTx does (attempts, commit retries, backoff,
// outcome) to o. A nil o reports nothing. A joined call (see [Required])
// reports nothing of its own: the outer call's observer sees its effects.
func WithObserver(o Observer) TxOption {
	return TxOption{func(c *txConfig) { c.observer = o }}
}

// WithSession runs the transaction on s, a session the caller started on the
// client given to WithTx: WithTx then neither starts nor ends a session, and
// every attempt runs on s. Several transactions on one session are causally
// consistent: each reads what the ones before it wrote, as with PyMongo's
// with_transaction on a session of the caller's. s must not be running a
// transaction, nor be used by another goroutine meanwhile.
//
// The attempts of such a call share s, so a plain driver call with the
// context of an ended attempt is not refused by an ended session: it runs
// in a later attempt, or outside a transaction. InTx, the hooks and the
// generated repositories ([Enter]) still treat that context as dead.
//
// When WithTx joins an outer transaction, s must be that transaction's
// session.
func WithSession(s *mongo.Session) TxOption {
	return TxOption{func(c *txConfig) {
		if s == nil {
			c.invalid("WithSession(nil): no session")
			return
		}
		c.session = s
	}}
}

// checkSession refuses a WithSession session that cannot run the
// transaction.
func (c *txConfig) checkSession(client *mongo.Client) error {
	switch {
	case c.session == nil:
		return nil
	case c.session.Client() != client:
		return errors.New("mongotxgen: WithTx: WithSession names a session of another *mongo.Client")
	case c.session.TransactionRunning():
		return errors.New("mongotxgen: WithTx: the WithSession session is already running a transaction")
	}
	return nil
}
