// Package story decides, without I/O, whether two headlines tell the same
// event: a headline's Fingerprint (its canonical tokens, the places,
// actors, events and numbers it names, and the index keys it can be found
// by), and Compare, which gives two fingerprints a Verdict (Same, Update
// or Different) and a score. Explain says why. The method and its
// measured error rates on real headline pairs are in docs/DEDUP.md.
package story
