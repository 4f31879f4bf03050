package benchmarks

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/mongotxgen/mongotxgen/internal/benchmarks/bank"
	"github.com/mongotxgen/mongotxgen/runtime"
)

// BenchmarkTransfer is one transfer between two accounts, two UpdateByID in
// a transaction without contention: Store.WithTx against the driver's
// Session.WithTransaction with the same two updates, each starting and
// ending its session.
//
//	go test ./internal/benchmarks -run '^$' -bench Transfer -benchmem -count 8
func BenchmarkTransfer(b *testing.B) {
	client := connect(b, server(b), nil)
	db := freshDB(b, client)
	ids := seed(b, db)
	ctx := context.Background()
	store, d := bank.NewStore(db), newDriverAccounts(db)
	compare(b, func(*testing.B) pair {
		return pair{
			gen: func(i int) error { return genTransfer(ctx, store, ids[i%len(ids)], ids[(i+1)%len(ids)], 1, nil) },
			drv: func(i int) error { return drvTransfer(ctx, client, d, ids[i%len(ids)], ids[(i+1)%len(ids)], 1, nil) },
		}
	})
}

// workload is a contention benchmark's round: workers goroutines each make
// transfers transfers among accounts accounts, at random, all at once.
// Transactions that collide (WriteConflict, labelled
// TransientTransactionError) are retried.
type workload struct {
	workers, transfers, accounts int
}

// BenchmarkContention runs rounds of 16×100 transfers among 10 accounts, a
// hot spot where concurrent transfers often collide, and reports, over
// all rounds, committed transfers per second (tx/s), the latency of one
// transfer including its retries (p50-ms, p99-ms), retries per committed
// transfer (retries/commit) and, for WithTx, the time slept in backoff per
// committed transfer (backoff-ms/commit). The sub-benchmarks are the
// driver's WithTransaction and Store.WithTx with its default backoff (the
// driver's curve: first retry below 7.5 ms, ×1.5 per retry, at most 500 ms),
// with the specification's (from 5 ms), and with two others. Every variant
// makes the same transfers: worker w of round r draws them from a generator
// seeded with (w, r).
//
//	go test ./internal/benchmarks -run '^$' -bench '^BenchmarkContention$' -benchtime 3x -count 5
func BenchmarkContention(b *testing.B) {
	contention(b, workload{workers: 16, transfers: 100, accounts: 10})
}

// BenchmarkLightContention is BenchmarkContention with 4×250 transfers among
// 100 accounts: few transactions collide, so the 99th percentile shows what
// a retry costs, and with it the price of a long first backoff.
//
//	go test ./internal/benchmarks -run '^$' -bench LightContention -benchtime 3x -count 5
func BenchmarkLightContention(b *testing.B) {
	contention(b, workload{workers: 4, transfers: 250, accounts: 100})
}

// contention runs the variants of the contention benchmarks on load.
func contention(b *testing.B, load workload) {
	client := connect(b, server(b), nil)
	// A transfer moves 1 from one account to another, counting the runs of
	// its callback in attempts; obs, when not nil, sees WithTx's backoff.
	type transferFunc func(ctx context.Context, from, to bson.ObjectID, attempts *atomic.Int64, obs runtime.Observer) error
	withTx := func(minDelay, maxDelay time.Duration) func(*mongo.Database) transferFunc {
		return func(db *mongo.Database) transferFunc {
			store := bank.NewStore(db)
			return func(ctx context.Context, from, to bson.ObjectID, attempts *atomic.Int64, obs runtime.Observer) error {
				return genTransfer(ctx, store, from, to, 1, attempts, runtime.WithBackoff(minDelay, maxDelay), runtime.WithObserver(obs))
			}
		}
	}
	variants := []struct {
		name string
		make func(db *mongo.Database) transferFunc
	}{
		{"Driver", func(db *mongo.Database) transferFunc {
			d := newDriverAccounts(db)
			return func(ctx context.Context, from, to bson.ObjectID, attempts *atomic.Int64, _ runtime.Observer) error {
				return drvTransfer(ctx, client, d, from, to, 1, attempts)
			}
		}},
		// The default: the driver's own curve (it grows its 5 ms before
		// the first sleep, so its first retry waits up to 7.5 ms).
		{"WithTx/backoff=7.5ms-500ms", withTx(runtime.DefaultBackoffMin, runtime.DefaultBackoffMax)},
		// The specification's pseudo-code, which starts at 5 ms.
		{"WithTx/backoff=5ms-500ms", withTx(5*time.Millisecond, 500*time.Millisecond)},
		{"WithTx/backoff=1ms-50ms", withTx(time.Millisecond, 50*time.Millisecond)},
		{"WithTx/backoff=20ms-1s", withTx(20*time.Millisecond, time.Second)},
	}
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			db := freshDB(b, client)
			ids := seedContention(b, db, load.accounts)
			transfer := v.make(db)
			var (
				latencies []time.Duration
				attempts  atomic.Int64
				backoff   backoffObserver
				wall      time.Duration
			)
			for round := 0; b.Loop(); round++ {
				lat := make([][]time.Duration, load.workers)
				start := time.Now()
				var wg sync.WaitGroup
				for w := range load.workers {
					wg.Go(func() {
						// The same transfers for every variant.
						rng := rand.New(rand.NewPCG(uint64(w), uint64(round)))
						lat[w] = make([]time.Duration, 0, load.transfers)
						for range load.transfers {
							from := rng.IntN(load.accounts)
							to := (from + 1 + rng.IntN(load.accounts-1)) % load.accounts
							t0 := time.Now()
							if err := transfer(context.Background(), ids[from], ids[to], &attempts, &backoff); err != nil {
								b.Errorf("transfer: %v", err)
								return
							}
							lat[w] = append(lat[w], time.Since(t0))
						}
					})
				}
				wg.Wait()
				wall += time.Since(start)
				latencies = append(latencies, slices.Concat(lat...)...)
			}
			b.StopTimer()
			checkTotal(b, db, load.accounts)
			commits := float64(len(latencies))
			slices.Sort(latencies)
			b.ReportMetric(commits/wall.Seconds(), "tx/s")
			b.ReportMetric(ms(percentile(latencies, 0.50)), "p50-ms")
			b.ReportMetric(ms(percentile(latencies, 0.99)), "p99-ms")
			b.ReportMetric(float64(attempts.Load())/commits-1, "retries/commit")
			if v.name != "Driver" {
				b.ReportMetric(ms(time.Duration(backoff.total.Load()))/commits, "backoff-ms/commit")
			}
		})
	}
}

// startBalance is what every account of the contention benchmark starts with.
const startBalance = 1_000_000

// seedContention inserts n accounts for a contention benchmark and returns
// their IDs.
func seedContention(tb testing.TB, db *mongo.Database, n int) []bson.ObjectID {
	tb.Helper()
	docs := make([]*bank.Account, n)
	for i := range docs {
		docs[i] = newAccount(i)
		docs[i].Balance = startBalance
	}
	if err := bank.NewAccountRepo(db).InsertMany(context.Background(), docs); err != nil {
		tb.Fatalf("seed: %v", err)
	}
	ids := make([]bson.ObjectID, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	return ids
}

// checkTotal fails tb unless the balances of the n accounts still add up to
// what they started with: every transfer committed all of its writes or none.
func checkTotal(tb testing.TB, db *mongo.Database, n int) {
	tb.Helper()
	as, err := bank.NewAccountRepo(db).Find(context.Background(), nil)
	if err != nil {
		tb.Fatal(err)
	}
	var total int64
	for _, a := range as {
		total += a.Balance
	}
	if want := int64(n) * startBalance; total != want {
		tb.Fatalf("balances add up to %d, want %d", total, want)
	}
}

// backoffObserver adds up the backoff sleeps of WithTx, from every goroutine.
type backoffObserver struct {
	runtime.NopObserver
	total atomic.Int64 // nanoseconds
}

// BackingOff adds e.Delay to the total.
func (o *backoffObserver) BackingOff(_ context.Context, e runtime.Backoff) {
	o.total.Add(int64(e.Delay))
}

// percentile returns the p-quantile of sorted, by the nearest-rank method.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
