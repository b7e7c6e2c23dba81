package match

import "sync"

// Cache keeps the normal forms of raw values across PrepareCached calls,
// one bounded map a field: normalising a phone number, a company or a name
// costs microseconds, comparing them less. A nil *Cache keeps nothing. It
// is safe for concurrent use.
type Cache struct {
	max    int
	fields [MaxFields]cacheField
}

type cacheField struct {
	mu sync.Mutex
	m  map[cacheKey]value
}

type cacheKey struct{ raw, region string }

// NewCache returns a cache of at most perField values a field; when a
// field's map is full it starts again empty.
func NewCache(perField int) *Cache { return &Cache{max: max(1, perField)} }

// prep returns the normaliser of field f: prepValue, through the cache.
func (c *Cache) prep(f int) func(k Kind, raw, region string) value {
	if c == nil {
		return prepValue
	}
	cf := &c.fields[f]
	return func(k Kind, raw, region string) value {
		key := cacheKey{raw, region}
		cf.mu.Lock()
		v, ok := cf.m[key]
		cf.mu.Unlock()
		if ok {
			return v
		}
		v = prepValue(k, raw, region)
		cf.mu.Lock()
		if cf.m == nil || len(cf.m) >= c.max {
			cf.m = make(map[cacheKey]value, min(c.max, 1024))
		}
		cf.m[key] = v
		cf.mu.Unlock()
		return v
	}
}
