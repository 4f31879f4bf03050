package mongotest_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// BenchmarkReadsWhileWriting reads documents of one collection by _id
// from 8 clients, alone and while writers update another collection as
// fast as they can, and reports the reads per second (reads/s) and the
// writes per second that went on meanwhile (writes/s). Small writes: 16
// writers each $inc one document; large: 2 writers each $inc all 1000
// documents of the other collection in one updateMany, holding its lock
// for a while.
func BenchmarkReadsWhileWriting(b *testing.B) {
	coll, _ := scaleColl(b, 10000)
	db := coll.Database()
	other := db.Collection("other")
	ctx := context.Background()
	docs := make([]any, 1000)
	for i := range docs {
		docs[i] = scaleDoc(i)
	}
	if _, err := other.InsertMany(ctx, docs); err != nil {
		b.Fatal(err)
	}
	const readers = 8
	for _, load := range []struct {
		name    string
		writers int
		filter  func(k int) bson.D
	}{
		{"none", 0, nil},
		{"small", 16, func(k int) bson.D { return bson.D{{Key: "_id", Value: int64(k % 1000)}} }},
		{"large", 2, func(int) bson.D { return bson.D{} }},
	} {
		writers := load.writers
		b.Run("writes="+load.name, func(b *testing.B) {
			stop := make(chan struct{})
			var writes atomic.Int64
			var wwg sync.WaitGroup
			errs := make(chan error, readers+writers)
			for w := range writers {
				wwg.Add(1)
				go func() {
					defer wwg.Done()
					for k := w; ; k += writers {
						select {
						case <-stop:
							return
						default:
						}
						_, err := other.UpdateMany(ctx, load.filter(k), bson.D{{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}})
						if err != nil {
							errs <- err
							return
						}
						writes.Add(1)
					}
				}()
			}
			next := make(chan int, readers)
			var rwg sync.WaitGroup
			start := time.Now()
			for range readers {
				rwg.Add(1)
				go func() {
					defer rwg.Done()
					for k := range next {
						if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: int64(k * 7919 % 10000)}}).Err(); err != nil {
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
			rwg.Wait()
			elapsed := time.Since(start).Seconds()
			close(stop)
			wwg.Wait()
			close(errs)
			for err := range errs {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/elapsed, "reads/s")
			b.ReportMetric(float64(writes.Load())/elapsed, "writes/s")
		})
	}
}
