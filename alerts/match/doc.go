// Package match holds subscribers' keyword rules and finds the
// subscribers a headline is for, without I/O: ParseRule and ValidateRules
// read the rules a subscriber sends, and a Matcher holds every
// subscriber's rules in one word index and matches a headline against
// all of them in one pass.
package match
