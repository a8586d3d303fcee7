package alerts

import "strings"

// STUB: replaced by the real implementation.

// Normalize returns s normalised for matching and fingerprints (never for
// display).
func Normalize(s string) string {
	return strings.ToLower(s)
}

// Script classifies the letters of s: "ar" when Arabic-script letters
// dominate, "latin" when Latin letters do, "" otherwise.
func Script(s string) string {
	return ""
}
