// Package alerts is the text every other part of Aajil reads, without
// I/O: normalisation of headlines for matching and fingerprints, the
// urgency markers and the Detector that finds a headline's urgency
// banner. It knows nothing of Telegram: package delivery renders the
// alert's message. Story fingerprints are in package story
// (alerts/story), keyword rules and the matcher in package match
// (alerts/match); both build on Normalize.
package alerts
