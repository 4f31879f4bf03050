package mongotest

import "sync"

// maxBufferedBytes bounds the memory that large messages being read or
// handled may hold at once, across all connections: four of the largest
// messages. A message larger than smallMessage waits for its share, so
// connections that announce large messages and send little cannot make
// the server allocate what they announced, and many that send large
// messages are served a few at a time, the rest held back by TCP.
const maxBufferedBytes = 4 * maxMessageSize

// memBudget is a counting semaphore of bytes. One request may always
// proceed when nothing is held, so a single maximal message never waits.
type memBudget struct {
	mu    sync.Mutex
	used  int64
	limit int64
	freed chan struct{} // closed and replaced on every release
}

func newMemBudget(limit int64) *memBudget {
	return &memBudget{limit: limit, freed: make(chan struct{})}
}

// acquire takes n bytes, waiting until they are free or done is closed;
// it reports whether it took them.
func (b *memBudget) acquire(n int64, done <-chan struct{}) bool {
	for {
		b.mu.Lock()
		if b.used == 0 || b.used+n <= b.limit {
			b.used += n
			b.mu.Unlock()
			return true
		}
		freed := b.freed
		b.mu.Unlock()
		select {
		case <-freed:
		case <-done:
			return false
		}
	}
}

func (b *memBudget) release(n int64) {
	b.mu.Lock()
	b.used -= n
	close(b.freed)
	b.freed = make(chan struct{})
	b.mu.Unlock()
}

// held is the number of bytes taken now.
func (b *memBudget) held() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}
