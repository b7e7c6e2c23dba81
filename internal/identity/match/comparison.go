package match

// Comparison is the outcome of comparing two records of a Dataset field by
// field: the level index of each field (Missing when either side is
// empty), whether the first and last names were compared crosswise
// because they look swapped, and the term-frequency adjustment (in bits)
// of each field that agreed exactly.
type Comparison struct {
	Levels  [MaxFields]int8
	TF      [MaxFields]float32
	Swapped bool
	// elsewhere: both records give an address at a company (not free
	// mail), at two companies, and different phone numbers.
	elsewhere bool
}

// patternKey packs the levels of a comparison, 4 bits a field (0 for
// missing, level+1 otherwise).
type patternKey [2]uint64

func (c *Comparison) key(n int) patternKey {
	var k patternKey
	for f := 0; f < n; f++ {
		code := uint64(c.Levels[f] + 1)
		k[f/16] |= code << (4 * (f % 16))
	}
	return k
}

func (k patternKey) level(f int) int8 {
	return int8((k[f/16]>>(4*(f%16)))&15) - 1
}

// Compare compares records i and j of d. tf gives, for each field with
// term-frequency adjustment, the u probability of its exact level, to
// which the frequency of the agreed value is compared; it may be nil.
func (d *Dataset) Compare(i, j int, tfU []float64) Comparison {
	var c Comparison
	d.compareInto(i, j, tfU, &c)
	return c
}

// tfLimit bounds the term-frequency adjustment of one field, in bits.
const tfLimit = 10.0

func (d *Dataset) compareInto(i, j int, tfU []float64, c *Comparison) {
	*c = Comparison{}
	for f := range d.cols {
		col := &d.cols[f]
		a, b := col.ids[i], col.ids[j]
		switch {
		case a == 0 || b == 0:
			c.Levels[f] = Missing
		case a == b && col.kind == Email && (col.vals[a].role || col.vals[a].shared):
			c.Levels[f] = emailShared // one team mailbox: the same company, not the same person
		case a == b && col.kind == Phone && col.vals[a].shared:
			c.Levels[f] = phoneShared // a switchboard
		case a == b:
			c.Levels[f] = 0
			if tfU != nil && tfU[f] > 0 {
				c.TF[f] = float32(clampF(log2(tfU[f]/col.freq(a)), -tfLimit, tfLimit))
			}
		default:
			c.Levels[f] = level(col.kind, &col.vals[a], &col.vals[b])
		}
	}
	c.elsewhere = d.elsewhere(i, j, c)
	d.checkSwap(i, j, c)
	if d.namedEmail != nil {
		switch l := c.Levels[d.email]; {
		// An address spelled from the person's names that agrees only in
		// its local part, or is merely similar, adds nothing to the names.
		case (l == emailSameLocal || l == emailSimilar) && (d.namedEmail[i] || d.namedEmail[j]):
			c.Levels[d.email] = emailDifferent
		// Two mailboxes at one company both spelled from their owners'
		// names (jsmith@, john.smith@) are the forms one company gives
		// one person, unless they are numbered apart (clee1@, clee2@):
		// the names, not the addresses, decide.
		case l == emailOtherMailbox && d.namedEmail[i] && d.namedEmail[j]:
			col := &d.cols[d.email]
			if digitsOf(col.vals[col.ids[i]].alt) == digitsOf(col.vals[col.ids[j]].alt) {
				c.Levels[d.email] = emailDifferent
			}
		}
	}
}

// Levels referred to by name.
const (
	nameDissimilar int8 = 5 // given names
	nameDifferent  int8 = 6 // given names: two names the tables know
	phoneExact     int8 = 0
	phoneShared    int8 = 3
	phoneDifferent int8 = 4
	companyTypo    int8 = 2
	lastDifferent  int8 = 5
)

// Levels of the Email kind referred to by name.
const (
	emailTypo         int8 = 1
	emailSameLocal    int8 = 2
	emailSimilar      int8 = 3
	emailShared       int8 = 4
	emailOtherMailbox int8 = 5
	emailDifferent    int8 = 6
)

// checkSwap compares the first name of each record with the last name of
// the other when the names disagree as given but agree crosswise (a form
// filled in the wrong order).
func (d *Dataset) checkSwap(i, j int, c *Comparison) {
	fi, li := d.first, d.last
	if fi < 0 || li < 0 || c.Levels[fi] <= 1 || c.Levels[li] <= 1 {
		return
	}
	fc, lc := &d.cols[fi], &d.cols[li]
	af, al, bf, bl := fc.ids[i], lc.ids[i], fc.ids[j], lc.ids[j]
	if af == 0 || al == 0 || bf == 0 || bl == 0 {
		return
	}
	cross := func(x, y *value) int8 {
		if x.norm == y.norm {
			return 0
		}
		return nameLevel(x, y)
	}
	s1 := cross(&fc.vals[af], &lc.vals[bl])
	s2 := cross(&lc.vals[al], &fc.vals[bf])
	if s1 <= 2 && s2 <= 2 && s1+s2 < c.Levels[fi]+c.Levels[li] {
		c.Levels[fi], c.Levels[li] = s1, s2
		c.Swapped = true
	}
}

// elsewhere reports whether records i and j give work addresses at two
// companies (neither free mail; not a typo of one domain) and two phone
// numbers that have nothing in common: two employers and two numbers,
// which one person moving jobs (who keeps a mobile) does not give.
func (d *Dataset) elsewhere(i, j int, c *Comparison) bool {
	if d.email < 0 || d.phone < 0 || c.Levels[d.phone] != phoneDifferent {
		return false
	}
	if l := c.Levels[d.email]; l != emailSameLocal && l != emailDifferent {
		return false
	}
	col := &d.cols[d.email]
	a, b := &col.vals[col.ids[i]], &col.vals[col.ids[j]]
	return a.alt != "" && b.alt != "" && !a.flag && !b.flag && a.alt2 != b.alt2
}

// Denial returns the field of a comparison that says that the two records
// are two people: given names that are not the same name, a nickname, an
// initial or a typo of each other (first names "different": two names the
// tables know; "dissimilar": names that do not agree at all), or two
// personal mailboxes at one company (email "other_mailbox"), or work
// addresses at two companies beside two unrelated phone numbers. Only an exact
// agreement on a personal address (not a team mailbox) outweighs the
// names: people who sign with a second given name keep their address. A
// phone number does not: it may be the company's switchboard. It returns
// -1 when there is none.
func (d *Dataset) Denial(c *Comparison) int {
	if d.email >= 0 && (c.Levels[d.email] == emailOtherMailbox || c.elsewhere) {
		return d.email
	}
	if d.first < 0 || c.Swapped {
		return -1
	}
	if given := c.Levels[d.first]; given != nameDifferent && given != nameDissimilar {
		return -1
	}
	// One personal mailbox is one person's, whatever name was typed; a
	// phone number may be a switchboard, so it does not count.
	if d.email >= 0 && c.Levels[d.email] == 0 {
		return -1
	}
	return d.first
}
