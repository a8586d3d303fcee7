// Package alerts is Aajil's pure logic, without I/O: text normalisation for
// matching and fingerprints, urgency detection, and (later) story
// fingerprints, keyword rules, matching and rendering.
package alerts
