package event

import (
	"context"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
)

// Cache holds public events read by slug for a moment. In a registration rush, or while a
// websession's audience arrives and votes, every request starts by reading the same event; one
// read a second then does for all of them. A copy may be up to cacheFor old, so only a change
// that checks in its own statement what it relies on may act on it (a registration checks the
// event's version and reads the event again when it changed; a vote checks the event is still
// published), and only a public page that may show a change a second late may show it. Every
// other route reads the event afresh. Callers do not change the events it returns: they are
// shared.
type Cache struct {
	mu      sync.Mutex
	entries map[string]cachedEvent
}

type cachedEvent struct {
	event *Event
	read  time.Time
}

// cacheFor is how long a copy serves; sweepAbove is the size from which expired copies of other
// events are swept out as a new one comes in, so the cache holds about the events read within
// the last cacheFor, however many there are.
const (
	cacheFor   = time.Second
	sweepAbove = 64
)

// NewCache returns an empty cache.
func NewCache() *Cache { return &Cache{entries: map[string]cachedEvent{}} }

// BySlug returns the event with that slug, from the cache if it was read within cacheFor.
func (c *Cache) BySlug(ctx context.Context, q sqlx.QueryerContext, slug string) (*Event, error) {
	c.mu.Lock()
	ce, ok := c.entries[slug]
	c.mu.Unlock()
	if ok && time.Since(ce.read) < cacheFor {
		return ce.event, nil
	}
	return c.Refresh(ctx, q, slug)
}

// Refresh reads the event afresh and keeps it, if it is public.
func (c *Cache) Refresh(ctx context.Context, q sqlx.QueryerContext, slug string) (*Event, error) {
	read := time.Now()
	e, err := BySlug(ctx, q, slug)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil || !e.IsPublic() {
		delete(c.entries, slug)
		return e, err
	}
	if len(c.entries) >= sweepAbove {
		for s, old := range c.entries {
			if time.Since(old.read) >= cacheFor {
				delete(c.entries, s)
			}
		}
	}
	c.entries[slug] = cachedEvent{event: e, read: read}
	return e, nil
}

// Forget drops the copy of the event with that slug, so that the next request reads it afresh:
// a change made through this process shows at once; other processes show it within cacheFor.
func (c *Cache) Forget(slug string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, slug)
}
