package resolve

import (
	"context"
	"slices"
	"strings"

	"github.com/leadhub/leadhub/internal/lead"
)

// keyCache remembers what the index said about blocking keys: for each key
// the perKey most recent leads that hold it (id, receipt, customer,
// contact), and the test flag and golden record of the customers they
// belong to. A batch then reads from the database only the keys it has
// not met before and the customers whose golden record changed, instead of
// every key of every lead: most of the resolver's reads, which compete
// with ingest for the machine.
//
// It stays exact because the resolver is the only writer of the index
// besides the identity changes people make, and those move the store's
// identity generation:
//   - the resolver's own commits are applied to it (a committed lead is
//     added to each of its keys the cache holds; the customer it joined or
//     created is read again, its golden record having changed);
//   - anything else (a merge, a split, a review decision, an undo, a
//     commit that did not go as decided, another replica resolving while
//     this one did not hold the lock) empties it.
//
// Memory is bounded: keys live in two generations; when the current one
// holds maxLeads entries it becomes the old one, and a key found only in
// the old one is moved to the current one.
type keyCache struct {
	perKey   int
	maxLeads int

	generation int64 // the store's identity generation the contents reflect
	valid      bool  // generation was read

	cur, old  map[string][]*lead.Lead // key → leads, largest id first
	entries   int                     // leads held in cur
	customers map[string]lead.KeyCustomer
}

// keyCacheLeads is how many (key, lead) entries one generation holds: a
// few tens of megabytes.
const keyCacheLeads = 200_000

func newKeyCache(perKey, maxLeads int) *keyCache {
	c := &keyCache{perKey: perKey, maxLeads: maxLeads}
	c.reset()
	return c
}

// reset forgets everything.
func (c *keyCache) reset() {
	c.cur, c.old = map[string][]*lead.Lead{}, map[string][]*lead.Lead{}
	c.entries = 0
	c.customers = map[string]lead.KeyCustomer{}
	c.valid = false
}

// sync empties the cache when the store's identity generation moved since
// it was filled, and turns the generations over when the current one is
// full. It is called before each batch.
func (c *keyCache) sync(generation int64) {
	if !c.valid || generation != c.generation {
		c.reset()
		c.generation, c.valid = generation, true
	}
	if c.entries >= c.maxLeads {
		c.old, c.cur, c.entries = c.cur, map[string][]*lead.Lead{}, 0
		if len(c.customers) >= c.maxLeads {
			c.customers = map[string]lead.KeyCustomer{}
		}
	}
}

// get returns the leads the cache holds for key, moving a key of the old
// generation to the current one.
func (c *keyCache) get(key string) ([]*lead.Lead, bool) {
	if ls, ok := c.cur[key]; ok {
		return ls, true
	}
	ls, ok := c.old[key]
	if ok {
		delete(c.old, key)
		c.put(key, ls)
	}
	return ls, ok
}

func (c *keyCache) put(key string, ls []*lead.Lead) {
	c.entries += len(ls) - len(c.cur[key])
	c.cur[key] = ls
}

// keyReader is what the cache reads from.
type keyReader interface {
	KeyLeads(ctx context.Context, keys []string, perKey int) ([]lead.KeyLead, error)
	KeyCustomers(ctx context.Context, ids []string) ([]lead.KeyCustomer, error)
}

// keyLeads answers like the store's KeyLeads: for each key, its perKey
// most recent leads with their customers. It reads the keys the cache does
// not hold and the customers it does not know.
func (c *keyCache) keyLeads(ctx context.Context, st keyReader, keys []string) ([]lead.KeyLead, error) {
	var missing []string
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		if seen[k] {
			continue
		}
		seen[k] = true
		if _, ok := c.get(k); !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		rows, err := st.KeyLeads(ctx, missing, c.perKey)
		if err != nil {
			return nil, err
		}
		c.fill(missing, rows)
	}
	var unknown []string
	asked := map[string]bool{}
	for k := range seen {
		ls, _ := c.get(k)
		for _, l := range ls {
			if _, ok := c.customers[l.CustomerID]; !ok && !asked[l.CustomerID] {
				asked[l.CustomerID] = true
				unknown = append(unknown, l.CustomerID)
			}
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		cs, err := st.KeyCustomers(ctx, unknown)
		if err != nil {
			return nil, err
		}
		for _, cu := range cs {
			if cu.Merged {
				continue
			}
			c.customers[cu.ID] = cu
		}
		for _, id := range unknown {
			if _, ok := c.customers[id]; !ok {
				// The index points at a customer that is gone or merged:
				// a change the generation did not tell of. Read it all.
				c.reset()
				return st.KeyLeads(ctx, keys, c.perKey)
			}
		}
	}
	out := []lead.KeyLead{}
	done := make(map[string]bool, len(seen))
	for _, k := range keys {
		if done[k] {
			continue
		}
		done[k] = true
		ls, _ := c.get(k)
		for _, l := range ls {
			cu := c.customers[l.CustomerID]
			out = append(out, lead.KeyLead{Key: k, CustomerID: l.CustomerID, IsTest: cu.IsTest, Golden: cu.Golden, Lead: *l})
		}
	}
	return out, nil
}

// fill records what the store said about keys (every key asked for, also
// those it found no lead for).
func (c *keyCache) fill(keys []string, rows []lead.KeyLead) {
	byKey := make(map[string][]*lead.Lead, len(keys))
	leads := map[string]*lead.Lead{}
	for i := range rows {
		kl := &rows[i]
		l, ok := leads[kl.Lead.ID]
		if !ok {
			l = indexLead(&kl.Lead, kl.CustomerID)
			leads[l.ID] = l
		}
		byKey[kl.Key] = append(byKey[kl.Key], l)
		c.customers[kl.CustomerID] = lead.KeyCustomer{ID: kl.CustomerID, IsTest: kl.IsTest, Golden: kl.Golden}
	}
	for _, k := range keys {
		ls := byKey[k]
		slices.SortFunc(ls, func(a, b *lead.Lead) int { return strings.Compare(b.ID, a.ID) })
		c.put(k, ls)
	}
}

// committed applies the resolver's committed decisions: each lead joins
// the keys the cache holds, and the customers it joined or created are
// read again when next needed. Anything not committed as decided voids
// the cache.
func (c *keyCache) committed(rs []lead.Resolution, results []lead.ResolutionResult) {
	for i := range rs {
		if results[i] != lead.ResolutionCommitted {
			c.reset()
			return
		}
	}
	for i := range rs {
		r := &rs[i]
		delete(c.customers, r.CustomerID)
		l := indexLead(&r.Lead, r.CustomerID)
		for _, k := range r.Keys {
			ls, ok := c.get(k)
			if !ok {
				continue
			}
			at, _ := slices.BinarySearchFunc(ls, l.ID, func(x *lead.Lead, id string) int { return strings.Compare(id, x.ID) })
			ls = slices.Insert(slices.Clip(ls), at, l)
			if len(ls) > c.perKey {
				ls = ls[:c.perKey]
			}
			c.put(k, ls)
		}
	}
}

// indexLead is what the index holds of a lead: its id, receipt, customer
// and contact.
func indexLead(l *lead.Lead, customer string) *lead.Lead {
	x := &lead.Lead{ID: l.ID, ReceivedAt: l.ReceivedAt, CustomerID: customer}
	x.Contact = l.Contact
	return x
}
