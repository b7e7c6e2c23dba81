// Package identity groups leadhub's identity resolution: deciding which
// records (leads, contacts, customers) describe the same person or
// organisation.
//
//   - normalize: pure functions that bring outside input into a canonical
//     form (email, phone, names, companies, countries).
//   - strsim: string similarity measures and phonetic codes.
//   - match: the record-linkage engine (blocking, comparison levels, an
//     unsupervised Fellegi–Sunter model trained by EM, clustering, and an
//     explanation of every decision).
//   - batch: CSV input, column recognition and evaluation against a ground
//     truth, used by `leadhub dedupe`.
//   - synth: a generator of synthetic leads with realistic variations.
package identity
