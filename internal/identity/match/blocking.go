package match

import (
	"hash/maphash"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Rule is a blocking rule: records that share a key of the same rule
// become candidate pairs. Keys depend on one record only, so a resolver can
// compute them for a new record and look candidates up in an index.
type Rule struct {
	// Name identifies the rule ("email", "postcode+last_initial").
	Name string
	// Fields are the schema fields the keys are made from.
	Fields []int
	// Loose rules (shared words) find matches the others miss but mostly
	// pair non-matches; their pairs are scored but not trained on.
	Loose bool
	keys  func(d *Dataset, r int, emit func(string))
}

// Key is one blocking key of a record.
type Key struct {
	Rule  string
	Value string
}

// SortKey is a sorted-neighbourhood pass: records are sorted on a key and
// each is paired with the next Window-1 records.
type SortKey struct {
	Name string
	key  func(d *Dataset, r int) string
}

// Blocking is the set of rules that produce candidate pairs.
type Blocking struct {
	Rules    []Rule
	SortKeys []SortKey
	// MaxBlock bounds the records of one key compared all against all; a
	// larger block is compared by sorted neighbourhood within it.
	MaxBlock int
	// Window is the sorted-neighbourhood window.
	Window int
}

// Default blocking parameters.
const (
	DefaultMaxBlock = 50
	DefaultWindow   = 8
)

func (d *Dataset) v(f, r int) *value { c := &d.cols[f]; return &c.vals[c.ids[r]] }

func initial(s string) string {
	if s == "" {
		return ""
	}
	return s[:1]
}

// DefaultBlocking chooses blocking rules from the kinds in the schema:
// exact identifiers (email, its local part, phone, id numbers), phonetic
// first and last name in either order, phonetic surname with year of
// birth, date, postcode with an initial, city with phonetic surname,
// company name and its words, address words, and sorted-neighbourhood
// passes over the names. Only rules whose fields are all in the schema are
// kept.
func DefaultBlocking(s Schema) Blocking {
	b := Blocking{MaxBlock: DefaultMaxBlock, Window: DefaultWindow}
	add := func(name string, fields []int, fn func(d *Dataset, r int, emit func(string))) {
		b.Rules = append(b.Rules, Rule{Name: name, Fields: fields, keys: fn})
	}
	addLoose := func(name string, fields []int, fn func(d *Dataset, r int, emit func(string))) {
		add(name, fields, fn)
		b.Rules[len(b.Rules)-1].Loose = true
	}
	for f, fd := range s {
		switch fd.Kind {
		case Email:
			add(fd.Name, []int{f}, func(d *Dataset, r int, emit func(string)) {
				if v := d.v(f, r); v.norm != "" {
					emit(v.norm)
				}
			})
			add(fd.Name+":local_part", []int{f}, func(d *Dataset, r int, emit func(string)) {
				if v := d.v(f, r); len(v.alt) >= 4 {
					emit(v.alt)
				}
			})
		case Phone:
			add(fd.Name, []int{f}, func(d *Dataset, r int, emit func(string)) {
				if v := d.v(f, r); len(v.alt) >= 6 {
					emit(v.alt)
				}
			})
		case IDNumber:
			add(fd.Name, []int{f}, func(d *Dataset, r int, emit func(string)) {
				if v := d.v(f, r); len(v.norm) >= 3 {
					emit(v.norm)
				}
			})
		}
	}
	fi, li, full := s.index(FirstName), s.index(LastName), s.index(FullName)
	di, pi, ci := s.index(Date), s.index(Postcode), s.index(City)
	co, ad := s.index(Company), s.index(Address)
	if fi >= 0 && li >= 0 {
		add("names_phonetic", []int{fi, li}, func(d *Dataset, r int, emit func(string)) {
			a, b := d.v(fi, r).phon, d.v(li, r).phon
			if a == "" || b == "" {
				return
			}
			if a > b {
				a, b = b, a
			}
			emit(a + "|" + b)
		})
	}
	if di >= 0 {
		add(s[di].Name, []int{di}, func(d *Dataset, r int, emit func(string)) {
			if v := d.v(di, r); len(v.norm) >= 6 {
				emit(v.norm)
			}
		})
		for _, nf := range []int{li, fi} {
			if nf < 0 {
				continue
			}
			add(s[nf].Name+"_phonetic+year", []int{nf, di}, func(d *Dataset, r int, emit func(string)) {
				p, dt := d.v(nf, r).phon, d.v(di, r)
				if p != "" && dt.date.Year > 0 {
					emit(p + "|" + strconv.Itoa(dt.date.Year))
				}
			})
		}
	}
	if pi >= 0 {
		for _, nf := range []int{li, fi, full, co} {
			if nf < 0 {
				continue
			}
			add(s[pi].Name+"+"+s[nf].Name+"_initial", []int{pi, nf}, func(d *Dataset, r int, emit func(string)) {
				p, n := d.v(pi, r).norm, d.v(nf, r).norm
				if p != "" && n != "" {
					emit(p + "|" + initial(n))
				}
			})
		}
	}
	// withSurname keys a record by field f (without spaces) and the
	// phonetic code of its last name.
	withSurname := func(f int) {
		add(s[f].Name+"+"+s[li].Name+"_phonetic", []int{f, li}, func(d *Dataset, r int, emit func(string)) {
			c, p := d.v(f, r).alt2, d.v(li, r).phon
			if c != "" && p != "" {
				emit(c + "|" + p)
			}
		})
	}
	if ci >= 0 && li >= 0 {
		withSurname(ci)
	}
	persons := fi >= 0 || li >= 0 || full >= 0
	if co >= 0 && li >= 0 {
		// Many people work at one company: the company alone is a weak
		// key for people.
		withSurname(co)
	}
	if co >= 0 && !persons {
		add(s[co].Name, []int{co}, func(d *Dataset, r int, emit func(string)) {
			if v := d.v(co, r); v.alt2 != "" {
				emit(v.alt2)
			}
		})
		addLoose(s[co].Name+":words", []int{co}, func(d *Dataset, r int, emit func(string)) {
			for _, t := range d.v(co, r).toks {
				if len(t) >= 3 {
					emit(t)
				}
			}
		})
	}
	if full >= 0 {
		addLoose(s[full].Name+":words", []int{full}, func(d *Dataset, r int, emit func(string)) {
			v := d.v(full, r)
			if len(v.toks) < 2 {
				if v.norm != "" {
					emit(v.norm)
				}
				return
			}
			for _, t := range v.toks {
				if len(t) >= 2 {
					emit(t)
				}
			}
		})
	}
	if ad >= 0 {
		addLoose(s[ad].Name+":words", []int{ad}, func(d *Dataset, r int, emit func(string)) {
			v := d.v(ad, r)
			// The number with the next word ("27 washington"), else each
			// long word.
			for i, t := range v.toks {
				if i+1 < len(v.toks) && isDigits(t) {
					emit(t + " " + v.toks[i+1])
				} else if len(t) >= 5 && !isDigits(t) {
					emit(t)
				}
			}
		})
	}
	// Sorted neighbourhood over the names, forwards and reversed, so that
	// a typo early in a name still lands near its duplicate.
	var nameFields []int
	for _, f := range []int{li, fi, full} {
		if f >= 0 {
			nameFields = append(nameFields, f)
		}
	}
	if !persons && co >= 0 {
		nameFields = append(nameFields, co)
	}
	if len(nameFields) > 0 {
		b.SortKeys = append(b.SortKeys,
			SortKey{Name: "names", key: func(d *Dataset, r int) string {
				var sb strings.Builder
				for _, f := range nameFields {
					sb.WriteString(d.v(f, r).alt2)
					sb.WriteByte(' ')
				}
				return strings.TrimSpace(sb.String())
			}},
			SortKey{Name: "names_reversed", key: func(d *Dataset, r int) string {
				var sb strings.Builder
				for k := len(nameFields) - 1; k >= 0; k-- {
					sb.WriteString(reverse(d.v(nameFields[k], r).alt2))
					sb.WriteByte(' ')
				}
				return strings.TrimSpace(sb.String())
			}})
	}
	if len(b.Rules)+len(b.SortKeys) > 64 { // one bit per rule
		b.Rules = b.Rules[:64-len(b.SortKeys)]
	}
	return b
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func reverse(s string) string {
	r := []rune(s)
	slices.Reverse(r)
	return string(r)
}

// Keys returns the blocking keys of record r: what a resolver stores in
// its index and looks a new record up by.
func (b *Blocking) Keys(d *Dataset, r int) []Key {
	var out []Key
	for _, rule := range b.Rules {
		rule.keys(d, r, func(k string) { out = append(out, Key{Rule: rule.Name, Value: k}) })
	}
	return out
}

// BlockStats describes what one rule produced.
type BlockStats struct {
	Rule      string
	Keys      int // distinct keys
	Oversized int // blocks larger than MaxBlock
	Pairs     int // pairs this rule emitted (before removing duplicates)
}

var hashSeed = maphash.MakeSeed()

type keyed struct {
	h uint64
	r uint32
}

// Candidates returns the candidate pairs of d: the union of the pairs of
// every rule and sorted-neighbourhood pass, each pair once, as
// i<<32 | j with i < j, sorted. found gives, per pair, a bit per rule
// (bit k for Rules[k], then one per SortKeys) that found it.
func (b *Blocking) Candidates(d *Dataset) (pairs []uint64, found []uint64, stats []BlockStats) {
	pairs, found, stats, _ = b.candidates(d, 0)
	return pairs, found, stats
}

// unseenSample is a random pair of an oversized block that was not
// compared, standing for Weight such pairs.
type unseenSample struct {
	I, J   uint32
	Weight float64
}

// candidates is Candidates that also draws, when samples > 0, about that
// many random pairs from the oversized blocks (in proportion to their
// sizes, at least minBlockSamples a block), each weighted by the pairs it
// stands for. Pairs that were compared anyway, or that share a key of an
// earlier rule (and so are counted there), are dropped: the rest extrapolate
// to the pairs the blocking put together but did not enumerate.
func (b *Blocking) candidates(d *Dataset, samples int) (pairs []uint64, found []uint64, stats []BlockStats, unseen []unseenSample) {
	n := d.Len()
	oversized := make([][][]uint32, len(b.Rules))
	nr := len(b.Rules) + len(b.SortKeys)
	lists := make([][]uint64, nr)
	stats = make([]BlockStats, nr)
	profile := d.profiles()
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for ri, rule := range b.Rules {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			var ks []keyed
			prefix := rule.Name + "\x00"
			for r := 0; r < n; r++ {
				rule.keys(d, r, func(k string) {
					ks = append(ks, keyed{maphash.String(hashSeed, prefix+k), uint32(r)})
				})
			}
			slices.SortFunc(ks, func(x, y keyed) int {
				if x.h != y.h {
					if x.h < y.h {
						return -1
					}
					return 1
				}
				return int(x.r) - int(y.r)
			})
			st := BlockStats{Rule: rule.Name}
			var pairs []uint64
			block := make([]uint32, 0, 64)
			flush := func() {
				block = slices.Compact(block)
				if len(block) < 2 {
					return
				}
				st.Keys++
				if len(block) <= b.MaxBlock {
					for x := 0; x < len(block); x++ {
						for y := x + 1; y < len(block); y++ {
							pairs = append(pairs, pair(block[x], block[y]))
						}
					}
					return
				}
				st.Oversized++
				if samples > 0 {
					oversized[ri] = append(oversized[ri], slices.Clone(block))
				}
				slices.SortFunc(block, func(x, y uint32) int { return strings.Compare(profile[x], profile[y]) })
				pairs = appendWindow(pairs, block, b.Window)
			}
			for i := 0; i < len(ks); i++ {
				if i > 0 && ks[i].h != ks[i-1].h {
					flush()
					block = block[:0]
				}
				block = append(block, ks[i].r)
			}
			flush()
			slices.Sort(pairs)
			pairs = slices.Compact(pairs)
			st.Pairs = len(pairs)
			stats[ri] = st
			lists[ri] = pairs
		}()
	}
	for si, sk := range b.SortKeys {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			keys := make([]string, n)
			order := make([]uint32, 0, n)
			for r := 0; r < n; r++ {
				if k := sk.key(d, r); k != "" {
					keys[r] = k
					order = append(order, uint32(r))
				}
			}
			slices.SortFunc(order, func(x, y uint32) int {
				if c := strings.Compare(keys[x], keys[y]); c != 0 {
					return c
				}
				return int(x) - int(y)
			})
			pairs := appendWindow(nil, order, b.Window)
			slices.Sort(pairs)
			pairs = slices.Compact(pairs)
			stats[len(b.Rules)+si] = BlockStats{Rule: "sorted:" + sk.Name, Keys: len(order), Pairs: len(pairs)}
			lists[len(b.Rules)+si] = pairs
		}()
	}
	wg.Wait()
	pairs = union(lists)
	found = make([]uint64, len(pairs))
	for k, list := range lists {
		bit := uint64(1) << k
		p := 0
		for _, x := range list {
			for pairs[p] < x {
				p++
			}
			found[p] |= bit
		}
	}
	// Share the sample out over the oversized blocks by their pairs.
	var total float64
	for _, blocks := range oversized {
		for _, bl := range blocks {
			s := float64(len(bl))
			total += s * (s - 1) / 2
		}
	}
	for ri, blocks := range oversized {
		var list []unseenSample
		for _, bl := range blocks {
			list = sampleBlock(list, bl, samples, total, uint64(ri)<<32|uint64(bl[0]))
		}
		for _, s := range list {
			x := pair(s.I, s.J)
			if _, ok := slices.BinarySearch(pairs, x); ok {
				continue
			}
			if b.shareEarlierKey(d, ri, int(s.I), int(s.J)) {
				continue
			}
			unseen = append(unseen, s)
		}
	}
	return pairs, found, stats, unseen
}

// minBlockSamples is the fewest pairs drawn from one oversized block.
const minBlockSamples = 16

// sampleBlock draws random pairs of an oversized block, about
// samples·(its pairs)/total of them.
func sampleBlock(out []unseenSample, block []uint32, samples int, total float64, seed uint64) []unseenSample {
	s := float64(len(block))
	bp := s * (s - 1) / 2
	k := int(math.Ceil(float64(samples) * bp / total))
	k = max(k, minBlockSamples)
	k = min(k, int(min(bp, 1<<30)))
	rng := rand.New(rand.NewPCG(seed, 0x2545f4914f6cdd1d))
	w := bp / float64(k)
	for range k {
		x := rng.IntN(len(block))
		y := rng.IntN(len(block) - 1)
		if y >= x {
			y++
		}
		out = append(out, unseenSample{I: block[x], J: block[y], Weight: w})
	}
	return out
}

// shareEarlierKey reports whether records i and j share a key of a rule
// before rule k.
func (b *Blocking) shareEarlierKey(d *Dataset, k, i, j int) bool {
	for _, rule := range b.Rules[:k] {
		var ki []string
		rule.keys(d, i, func(s string) { ki = append(ki, s) })
		if len(ki) == 0 {
			continue
		}
		hit := false
		rule.keys(d, j, func(s string) {
			if !hit && slices.Contains(ki, s) {
				hit = true
			}
		})
		if hit {
			return true
		}
	}
	return false
}

// union merges sorted lists of pairs into one sorted list without
// duplicates.
func union(lists [][]uint64) []uint64 {
	total := 0
	for _, p := range lists {
		total += len(p)
	}
	out := make([]uint64, 0, total)
	for _, p := range lists {
		out = append(out, p...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func pair(a, b uint32) uint64 {
	if a > b {
		a, b = b, a
	}
	return uint64(a)<<32 | uint64(b)
}

// appendWindow pairs each record of order with the next w-1.
func appendWindow(pairs []uint64, order []uint32, w int) []uint64 {
	for x := 0; x < len(order); x++ {
		for y := x + 1; y < len(order) && y < x+w; y++ {
			if order[x] != order[y] {
				pairs = append(pairs, pair(order[x], order[y]))
			}
		}
	}
	return pairs
}

// profiles returns, per record, its normalised fields joined: the order
// within an oversized block.
func (d *Dataset) profiles() []string {
	out := make([]string, d.Len())
	parallel(d.Len(), func(lo, hi int) {
		var sb strings.Builder
		for r := lo; r < hi; r++ {
			sb.Reset()
			for f := range d.cols {
				sb.WriteString(d.v(f, r).norm)
				sb.WriteByte('|')
			}
			out[r] = sb.String()
		}
	})
	return out
}
