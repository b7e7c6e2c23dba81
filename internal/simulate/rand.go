package simulate

import (
	"math/bits"
	"math/rand/v2"
)

// rng draws everything the generator needs from a PCG stream, using only
// Uint64 and integer arithmetic. math/rand/v2's IntN, Uint64N and Shuffle
// take a different path on 32-bit platforms, and floating-point results may
// differ between architectures (fused multiply-add, assembly math routines),
// so neither is used: the same seed gives the same draws everywhere.
type rng struct{ src *rand.PCG }

// Stream identifiers: each part of the generator draws from its own stream,
// so that, for instance, the details of one person do not depend on how
// many draws another person needed.
const (
	streamMain   = 1 << 40
	streamPerson = 2 << 40
	streamTest   = 3 << 40
	streamOffers = 4 << 40
	// streamTestSeq places test leads in the sequence.
	streamTestSeq = 5 << 40
)

func newRNG(seed, stream uint64) *rng {
	return &rng{src: rand.NewPCG(seed, splitmix(stream))}
}

// splitmix is the SplitMix64 finaliser: it spreads consecutive stream
// numbers over the whole 64-bit space.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func (r *rng) u64() uint64 { return r.src.Uint64() }

// n64 returns a uniform value in [0, n), n > 0 (Lemire's multiply-shift
// with rejection).
func (r *rng) n64(n uint64) uint64 {
	hi, lo := bits.Mul64(r.u64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(r.u64(), n)
		}
	}
	return hi
}

// n returns a uniform value in [0, n), n > 0.
func (r *rng) n(n int) int { return int(r.n64(uint64(n))) }

// chance reports true with probability p/10000 (p in basis points).
func (r *rng) chance(p int) bool { return r.n(10000) < p }

// rangeInt returns a uniform value in [lo, hi].
func (r *rng) rangeInt(lo, hi int) int { return lo + r.n(hi-lo+1) }

// weighted returns an index of w with probability proportional to its
// weight. Weights are non-negative and not all zero.
func (r *rng) weighted(w []int) int {
	total := 0
	for _, x := range w {
		total += x
	}
	v := r.n(total)
	for i, x := range w {
		if v < x {
			return i
		}
		v -= x
	}
	return len(w) - 1
}

// digits returns n random decimal digits.
func (r *rng) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.n(10))
	}
	return string(b)
}

// shuffle permutes s in place (Fisher-Yates).
func shuffle[T any](r *rng, s []T) {
	for i := len(s) - 1; i > 0; i-- {
		j := r.n(i + 1)
		s[i], s[j] = s[j], s[i]
	}
}

// pick returns a uniformly chosen element of s, which is not empty.
func pick[T any](r *rng, s []T) T { return s[r.n(len(s))] }

// uuid returns a random version-4 UUID in its canonical lower-case form.
func (r *rng) uuid() string {
	var b [16]byte
	a, c := r.u64(), r.u64()
	for i := range 8 {
		b[i] = byte(a >> (8 * i))
		b[8+i] = byte(c >> (8 * i))
	}
	return formatUUID(b)
}

func formatUUID(b [16]byte) string {
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hex = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, x := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hex[x>>4], hex[x&0x0f])
	}
	return string(out)
}
