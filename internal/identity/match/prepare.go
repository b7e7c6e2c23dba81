package match

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/leadhub/leadhub/internal/identity/normalize"
	"github.com/leadhub/leadhub/internal/identity/strsim"
)

// Record is one input record: its identifier, the input it came from (0
// for the first file, 1 for the second, …) and one raw value per schema
// field.
type Record struct {
	ID     string
	Source int
	Values []string
}

// Dataset is a set of records with every value normalised once and
// interned: equal normal forms share one entry, so exact agreement is an
// integer comparison and the frequency of each value (for term-frequency
// adjustment) is known. A Dataset is read-only after Prepare and safe for
// concurrent use.
type Dataset struct {
	Schema  Schema
	IDs     []string
	Sources []uint16
	cols    []column
	// first and last are the first fields of kind FirstName and LastName
	// (-1 when absent); email is the first Email field.
	first, last, email int
	phone              int // the first Phone field, or -1
	company            int // the first Company field, or -1
	// namedEmail marks records whose email local part is spelled from
	// their own names (jane.doe@, jdoe@, doejane@): two such addresses
	// that share the local part say no more than the names already do.
	namedEmail []bool
}

// Len is the number of records.
func (d *Dataset) Len() int { return len(d.IDs) }

// Value returns the normal form of field f of record r ("" when missing).
func (d *Dataset) Value(r, f int) string { return d.cols[f].vals[d.cols[f].ids[r]].norm }

// Raw returns the first raw spelling seen of the normal form of field f of
// record r.
func (d *Dataset) Raw(r, f int) string { return d.cols[f].vals[d.cols[f].ids[r]].raw }

// column holds one field of every record.
type column struct {
	kind       Kind
	vals       []value  // distinct normal forms; vals[0] is the missing value
	ids        []uint32 // per record, its entry in vals
	count      []uint32 // per entry, how many records have it
	nonMissing int
}

// freq is the relative frequency of entry v among non-missing values.
func (c *column) freq(v uint32) float64 {
	if c.nonMissing == 0 {
		return 1
	}
	return float64(c.count[v]) / float64(c.nonMissing)
}

// value is a normalised value with what its comparisons need.
type value struct {
	raw  string
	norm string   // the normal form; "" is missing
	alt  string   // kind-specific second form (see prepValue)
	alt2 string   // kind-specific third form
	phon string   // phonetic code (names)
	toks []string // words (multi-word kinds)
	date normalize.Date
	day  int32 // days since 1970 of a valid date
	flag bool  // first name: a known given name; email: free mail; phone: E.164; date: valid
	role bool  // email: a shared mailbox (info@, sales@)
	// surnames marks a phone number that records with two different
	// surnames give (a switchboard, a family's landline): agreeing on it
	// says the records share a place, not that they are one person.
	surnames bool
	// shared marks a phone number or an email address that records with
	// clearly different given names use (a switchboard, a team mailbox):
	// evidence of the organisation, not of the person.
	shared bool
}

// prepValue normalises one raw value of kind k. region is the record's
// country (ISO alpha-2, may be "") for phone numbers.
func prepValue(k Kind, raw, region string) value {
	v := value{raw: strings.TrimSpace(raw)}
	switch k {
	case FirstName:
		v.norm = normalize.Name(raw)
		v.alt = normalize.GivenName(v.norm)
		v.alt2 = strings.ReplaceAll(v.norm, " ", "")
		v.phon = strsim.NYSIIS(v.alt2)
		v.toks = normalize.GivenNames(v.norm)
		v.flag = normalize.IsKnownGivenName(v.norm)
	case LastName:
		v.norm = normalize.Name(raw)
		v.alt = strings.ReplaceAll(v.norm, " ", "")
		v.alt2 = v.alt
		v.phon = strsim.NYSIIS(v.alt)
	case FullName:
		v.norm = normalize.FullName(raw)
		v.toks = normalize.Tokens(v.norm)
		v.alt = sortedJoin(v.toks)
		canon := slices.Clone(v.toks)
		for i, t := range canon {
			canon[i] = normalize.GivenName(t)
		}
		v.alt2 = sortedJoin(canon)
		if len(v.toks) > 0 {
			v.phon = strsim.NYSIIS(v.toks[len(v.toks)-1])
		}
	case Email:
		e, ok := normalize.Email(raw)
		v.norm = e.Address
		if ok {
			v.alt, v.alt2, v.flag = e.Local, e.Domain, e.FreeMail
			v.role = normalize.IsRoleMailbox(e.Local)
		}
	case Phone:
		p, e164 := normalize.Phone(raw, region)
		v.norm, v.flag = p, e164
		d := normalize.Digits(p)
		if len(d) > 8 {
			d = d[len(d)-8:]
		}
		v.alt = d
	case Company:
		v.norm = normalize.Company(raw)
		v.setWords()
	case Country:
		v.norm = normalize.Country(raw)
		if v.norm == "" {
			v.norm = normalize.Text(raw)
		}
	case Title, Text, City:
		v.norm = normalize.Text(raw)
		v.setWords()
	case Address:
		v.norm = normalize.Address(raw)
		v.setWords()
	case Date:
		if d, ok := normalize.ParseDate(raw); ok {
			v.date, v.flag = d, d.Valid
			v.norm = d.Digits()
			if d.Valid {
				v.day = int32(d.DayNumber())
			}
		} else {
			v.norm = normalize.ID(raw)
		}
	case Postcode, IDNumber:
		v.norm = normalize.ID(raw)
	default: // Exact
		v.norm = normalize.Text(raw)
	}
	if v.norm == "" {
		return value{}
	}
	return v
}

// setWords fills in the forms of a multi-word value from its normal form:
// its words, the words sorted (alt) and the normal form without spaces
// (alt2).
func (v *value) setWords() {
	v.toks = normalize.Tokens(v.norm)
	v.alt = sortedJoin(v.toks)
	v.alt2 = strings.ReplaceAll(v.norm, " ", "")
}

func sortedJoin(t []string) string {
	if len(t) < 2 {
		return strings.Join(t, " ")
	}
	s := slices.Clone(t)
	slices.Sort(s)
	return strings.Join(s, " ")
}

// Prepare normalises records for schema s. Values beyond the schema are
// ignored and missing ones read as empty. Work is spread over all CPUs.
func Prepare(s Schema, records []Record) (*Dataset, error) { return PrepareCached(s, records, nil) }

// PrepareCached is Prepare with the normal forms of raw values kept in c
// (nil: none) across calls: a resolver that compares each new record with
// recent candidates normalises the same candidates again and again.
func PrepareCached(s Schema, records []Record, c *Cache) (*Dataset, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	d := &Dataset{Schema: s, IDs: make([]string, len(records)), Sources: make([]uint16, len(records))}
	for i, r := range records {
		if r.Source < 0 || r.Source > 65535 {
			return nil, fmt.Errorf("record %q: source %d out of range", r.ID, r.Source)
		}
		d.IDs[i], d.Sources[i] = r.ID, uint16(r.Source)
	}
	d.cols = make([]column, len(s))
	raw := func(r, f int) string {
		if f < len(records[r].Values) {
			return records[r].Values[f]
		}
		return ""
	}
	// Countries first: phone numbers are read in the record's country.
	country := s.index(Country)
	var regions []string
	if country >= 0 {
		d.cols[country] = buildColumn(Country, len(records), c.prep(country), func(r int) (string, string) { return raw(r, country), "" })
		c := &d.cols[country]
		regions = make([]string, len(records))
		for r := range records {
			if n := c.vals[c.ids[r]].norm; len(n) == 2 && strings.ToUpper(n) == n {
				regions[r] = n
			}
		}
	}
	build := func(f int, fd Field) {
		d.cols[f] = buildColumn(fd.Kind, len(records), c.prep(f), func(r int) (string, string) {
			if fd.Kind == Phone && regions != nil {
				return raw(r, f), regions[r]
			}
			return raw(r, f), ""
		})
	}
	if len(records) < 2048 { // a few records: goroutines cost more than they save
		for f, fd := range s {
			if f != country {
				build(f, fd)
			}
		}
	} else {
		var wg sync.WaitGroup
		sem := make(chan struct{}, runtime.GOMAXPROCS(0))
		for f, fd := range s {
			if f == country {
				continue
			}
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				build(f, fd)
			}()
		}
		wg.Wait()
	}
	d.first, d.last, d.email, d.phone = s.index(FirstName), s.index(LastName), s.index(Email), s.index(Phone)
	d.company = s.index(Company)
	if d.first >= 0 {
		for f, fd := range s {
			if fd.Kind == Phone || fd.Kind == Email {
				d.markShared(f)
			}
		}
	}
	if d.phone >= 0 && d.last >= 0 {
		d.markSurnames(d.phone)
	}
	if d.email >= 0 && (d.first >= 0 || d.last >= 0) {
		d.namedEmail = make([]bool, len(records))
		parallel(len(records), func(lo, hi int) {
			for r := lo; r < hi; r++ {
				d.namedEmail[r] = d.emailFromNames(r)
			}
		})
	}
	return d, nil
}

// markShared marks the values of field f (a phone or an email column)
// that records with clearly different given names use: two given names
// both present whose comparison is "different" (not the same name, a
// nickname, an initial or a typo of each other).
func (d *Dataset) markShared(f int) {
	d.markUsedByTwo(f, d.first, func(a, b *value) bool { return givenNameLevel(a, b) == nameDifferent },
		func(v *value) { v.shared = true })
}

// markSurnames marks the values of field f that records with two
// different surnames (not a typo or a variant of each other) use.
func (d *Dataset) markSurnames(f int) {
	d.markUsedByTwo(f, d.last, func(a, b *value) bool { return nameLevel(a, b) == lastDifferent },
		func(v *value) { v.surnames = true })
}

// markUsedByTwo calls mark for each value of field f that records use
// whose names (field names) differ by differ.
func (d *Dataset) markUsedByTwo(f, names int, differ func(a, b *value) bool, mark func(*value)) {
	col, nc := &d.cols[f], &d.cols[names]
	used := map[uint32][]uint32{} // value → the distinct name entries of its records
	for r, v := range col.ids {
		n := nc.ids[r]
		if v == 0 || n == 0 || col.count[v] < 2 || slices.Contains(used[v], n) {
			continue
		}
		used[v] = append(used[v], n)
	}
	for v, ns := range used {
	pairs:
		for i := range ns {
			for j := i + 1; j < len(ns); j++ {
				if differ(&nc.vals[ns[i]], &nc.vals[ns[j]]) {
					mark(&col.vals[v])
					break pairs
				}
			}
		}
	}
}

// emailFromNames reports whether the letters of record r's email local
// part are its first and last names in one of the usual patterns.
func (d *Dataset) emailFromNames(r int) bool {
	local := letters(d.v(d.email, r).alt)
	if local == "" {
		return false
	}
	var f, l string
	if d.first >= 0 {
		f = letters(d.v(d.first, r).norm)
	}
	if d.last >= 0 {
		l = letters(d.v(d.last, r).norm)
	}
	for _, c := range []string{f + l, l + f, f, l, initial(f) + l, f + initial(l), l + initial(f), initial(l) + f} {
		if len(c) >= 2 && c == local {
			return true
		}
	}
	return false
}

// letters keeps the ASCII letters of s.
func letters(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			b = append(b, c)
		}
	}
	return string(b)
}

// buildColumn interns the raw values of one field, normalises each
// distinct raw value once, and interns the normal forms.
func buildColumn(k Kind, n int, prep func(k Kind, raw, region string) value, get func(r int) (raw, region string)) column {
	type rawKey struct{ raw, region string }
	rawIdx := make(map[rawKey]uint32)
	var raws []rawKey
	rawOf := make([]uint32, n)
	for r := 0; r < n; r++ {
		raw, region := get(r)
		raw = strings.TrimSpace(raw)
		if raw == "" {
			rawOf[r] = ^uint32(0)
			continue
		}
		key := rawKey{raw, region}
		i, ok := rawIdx[key]
		if !ok {
			i = uint32(len(raws))
			rawIdx[key] = i
			raws = append(raws, key)
		}
		rawOf[r] = i
	}
	prepped := make([]value, len(raws))
	parallel(len(raws), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			prepped[i] = prep(k, raws[i].raw, raws[i].region)
		}
	})
	c := column{kind: k, vals: []value{{}}, ids: make([]uint32, n), count: []uint32{0}}
	normIdx := map[string]uint32{}
	rawToVal := make([]uint32, len(raws))
	for i, v := range prepped {
		if v.norm == "" {
			continue
		}
		j, ok := normIdx[v.norm]
		if !ok {
			j = uint32(len(c.vals))
			normIdx[v.norm] = j
			c.vals = append(c.vals, v)
			c.count = append(c.count, 0)
		}
		rawToVal[i] = j
	}
	for r, i := range rawOf {
		if i == ^uint32(0) {
			continue
		}
		v := rawToVal[i]
		c.ids[r] = v
		if v != 0 {
			c.count[v]++
			c.nonMissing++
		}
	}
	return c
}

// parallel runs fn over [0, n) in contiguous chunks on all CPUs.
func parallel(n int, fn func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if n < 2048 || workers == 1 {
		fn(0, n)
		return
	}
	chunk := (n + workers*4 - 1) / (workers * 4)
	var wg sync.WaitGroup
	next := make(chan int, workers*4+1)
	for lo := 0; lo < n; lo += chunk {
		next <- lo
	}
	close(next)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for lo := range next {
				fn(lo, min(lo+chunk, n))
			}
		}()
	}
	wg.Wait()
}
