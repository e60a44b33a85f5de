package access

import (
	"sync"
	"time"
)

// LimiterOptions configures a Limiter; zero fields take the defaults.
type LimiterOptions struct {
	Now func() time.Time
	// Free is how many failures a key may have before it must wait; 5.
	Free int
	// Base is the first wait after the free failures; it doubles with each
	// further failure up to Max. 1 s and 15 min.
	Base, Max time.Duration
	// Forget is how long after its last failure a key starts afresh; 1 h.
	Forget time.Duration
	// MaxKeys bounds the memory the limiter takes; 100,000. When full,
	// keys whose wait is over are dropped first, then the oldest.
	MaxKeys int
}

// Limiter slows down guessing: each key (a client address, an account)
// may fail a few times freely, then must wait, twice as long after each
// further failure. A success forgets the key. Safe for concurrent use.
type Limiter struct {
	o LimiterOptions

	mu   sync.Mutex
	keys map[string]*failures
}

type failures struct {
	n     int
	last  time.Time // last failure
	until time.Time // no attempt before this
}

// NewLimiter returns a Limiter.
func NewLimiter(o LimiterOptions) *Limiter {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Free <= 0 {
		o.Free = 5
	}
	if o.Base <= 0 {
		o.Base = time.Second
	}
	if o.Max <= 0 {
		o.Max = 15 * time.Minute
	}
	if o.Forget <= 0 {
		o.Forget = time.Hour
	}
	if o.MaxKeys <= 0 {
		o.MaxKeys = 100_000
	}
	return &Limiter{o: o, keys: map[string]*failures{}}
}

// Wait returns how long the key must still wait before its next attempt;
// 0 when it may try now.
func (l *Limiter) Wait(key string) time.Duration {
	now := l.o.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.keys[key]
	if !ok {
		return 0
	}
	if now.Sub(f.last) >= l.o.Forget {
		delete(l.keys, key)
		return 0
	}
	if now.Before(f.until) {
		return f.until.Sub(now)
	}
	return 0
}

// Fail records a failed attempt of the key and returns the wait it now
// has before the next one.
func (l *Limiter) Fail(key string) time.Duration {
	now := l.o.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.keys[key]
	if !ok || now.Sub(f.last) >= l.o.Forget {
		if len(l.keys) >= l.o.MaxKeys {
			l.evictLocked(now)
		}
		f = &failures{}
		l.keys[key] = f
	}
	f.n++
	f.last = now
	if over := f.n - l.o.Free; over > 0 {
		wait := l.o.Max
		if over <= 30 { // 2^30 s is past any sensible Max
			wait = min(l.o.Base<<(over-1), l.o.Max)
		}
		f.until = now.Add(wait)
		return wait
	}
	return 0
}

// Succeed forgets the key's failures.
func (l *Limiter) Succeed(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.keys, key)
}

func (l *Limiter) evictLocked(now time.Time) {
	var oldestKey string
	var oldest time.Time
	for k, f := range l.keys {
		if !now.Before(f.until) && now.Sub(f.last) >= l.o.Base {
			delete(l.keys, k)
			continue
		}
		if oldestKey == "" || f.last.Before(oldest) {
			oldestKey, oldest = k, f.last
		}
	}
	if len(l.keys) >= l.o.MaxKeys {
		delete(l.keys, oldestKey)
	}
}
