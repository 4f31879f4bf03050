package mongotest_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime/mongotest"
)

// scaleDoc is document i of the scale benchmarks: about 200 bytes of BSON,
// with a unique email.
func scaleDoc(i int) bson.D {
	return bson.D{
		{Key: "_id", Value: int64(i)},
		{Key: "email", Value: fmt.Sprintf("user%06d@example.com", i)},
		{Key: "name", Value: fmt.Sprintf("User Number %d", i)},
		{Key: "version", Value: int64(1)},
		{Key: "age", Value: int32(20 + i%50)},
		{Key: "city", Value: fmt.Sprintf("city%d", i%10)},
		{Key: "bio", Value: strings.Repeat("x", 90)},
	}
}

// scaleColl is a collection of n scale documents with a unique index on
// email, on a server of its own, and the live heap per document it took.
func scaleColl(b *testing.B, n int) (*mongo.Collection, float64) {
	srv := mongotest.NewServer(b)
	client := testenv.NewClient(b, options.Client().ApplyURI(srv.URI()))
	coll := client.Database("bench").Collection("scale")
	ctx := context.Background()
	if _, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "email", Value: 1}}, Options: options.Index().SetUnique(true)}); err != nil {
		b.Fatal(err)
	}
	before := liveHeap()
	writeHeapProfile(b, fmt.Sprintf("scale-%d-base", n))
	const batch = 1000
	for lo := 0; lo < n; lo += batch {
		docs := make([]any, 0, batch)
		for i := lo; i < min(lo+batch, n); i++ {
			docs = append(docs, scaleDoc(i))
		}
		if _, err := coll.InsertMany(ctx, docs); err != nil {
			b.Fatal(err)
		}
	}
	heap := float64(liveHeap()-before) / float64(n)
	writeHeapProfile(b, fmt.Sprintf("scale-%d", n))
	return coll, heap
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkScale runs, at 1k, 10k and 100k documents, each lookup of
// issue 12 in turn, call by call, and reports each one's median time and
// its ratio to find by _id (a burst of load slows all alike), the live heap
// per document and the BSON size of one.
func BenchmarkScale(b *testing.B) {
	raw, _ := bson.Marshal(scaleDoc(0))
	for _, n := range scaleSizes {
		b.Run(fmt.Sprintf("docs=%d", n), func(b *testing.B) {
			coll, heap := scaleColl(b, n)
			ctx := context.Background()
			ops := []struct {
				name string
				run  func(i int) error
			}{
				{"byid", func(i int) error { return coll.FindOne(ctx, bson.D{{Key: "_id", Value: int64(i)}}).Err() }},
				{"email", func(i int) error {
					return coll.FindOne(ctx, bson.D{{Key: "email", Value: fmt.Sprintf("user%06d@example.com", i)}}).Err()
				}},
				{"idversion", func(i int) error {
					return coll.FindOne(ctx, bson.D{{Key: "_id", Value: int64(i)}, {Key: "version", Value: int64(1)}}).Err()
				}},
				{"count", func(i int) error {
					k, err := coll.CountDocuments(ctx, bson.D{{Key: "email", Value: fmt.Sprintf("user%06d@example.com", i)}})
					if err == nil && k != 1 {
						err = fmt.Errorf("count %d", k)
					}
					return err
				}},
				{"estimated", func(int) error { _, err := coll.EstimatedDocumentCount(ctx); return err }},
				{"limit1", func(i int) error {
					return coll.FindOne(ctx, bson.D{{Key: "city", Value: fmt.Sprintf("city%d", i%10)}}).Err()
				}},
			}
			times := make([][]float64, len(ops))
			b.ResetTimer()
			i := 0
			for b.Loop() {
				for j, op := range ops {
					start := time.Now()
					if err := op.run(i % n); err != nil {
						b.Fatalf("%s: %v", op.name, err)
					}
					times[j] = append(times[j], float64(time.Since(start).Nanoseconds()))
				}
				i += 7919 // a prime: spread over the collection
			}
			byID := median(times[0])
			b.ReportMetric(byID, "byid-ns")
			for j, op := range ops[1:] {
				b.ReportMetric(median(times[j+1])/byID, op.name+"/byid")
			}
			b.ReportMetric(heap, "heap-B/doc")
			b.ReportMetric(float64(len(raw)), "bson-B/doc")
		})
	}
}

func median(xs []float64) float64 {
	slices.Sort(xs)
	return xs[len(xs)/2]
}

// BenchmarkTxnClients runs non-conflicting small transactions (each
// updates its own document of 10k, under a unique index) from 1, 16 and 64
// clients at once and reports the throughput.
func BenchmarkTxnClients(b *testing.B) {
	coll, _ := scaleColl(b, 10000)
	client := coll.Database().Client()
	for _, clients := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			ctx := context.Background()
			var wg sync.WaitGroup
			errs := make(chan error, clients)
			next := make(chan int, clients)
			start := time.Now()
			for c := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					sess, err := client.StartSession()
					if err != nil {
						errs <- err
						return
					}
					defer sess.EndSession(ctx)
					for k := range next {
						id := int64(c + clients*(k%(10000/clients)))
						_, err := sess.WithTransaction(ctx, func(ctx context.Context) (any, error) {
							return coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}})
						})
						if err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			for k := range b.N {
				next <- k
			}
			close(next)
			wg.Wait()
			close(errs)
			for err := range errs {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "tx/s")
		})
	}
}

var scaleSizes = []int{1000, 10000, 100000}

// BenchmarkScan measures what an index does not help: a filter on an
// unindexed field, which reads every document, and reading them all back.
func BenchmarkScan(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		b.Run(fmt.Sprintf("docs=%d", n), func(b *testing.B) {
			coll, _ := scaleColl(b, n)
			ctx := context.Background()
			b.Run("count-unindexed", func(b *testing.B) {
				for b.Loop() {
					k, err := coll.CountDocuments(ctx, bson.D{{Key: "name", Value: "nobody"}})
					if err != nil || k != 0 {
						b.Fatal(k, err)
					}
				}
			})
			b.Run("find-all", func(b *testing.B) {
				for b.Loop() {
					cur, err := coll.Find(ctx, bson.D{})
					if err != nil {
						b.Fatal(err)
					}
					k := 0
					for cur.Next(ctx) {
						k++
					}
					if err := cur.Err(); err != nil || k != n {
						b.Fatal(k, err)
					}
				}
			})
		})
	}
}
