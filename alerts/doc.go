// Package alerts is Aajil's pure logic, without I/O: text normalisation
// for matching and fingerprints, urgency detection, story fingerprints and
// near-duplicate decisions, keyword rules and the matcher that runs every
// subscriber's rules in one pass.
package alerts
