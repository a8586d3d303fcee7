// Package tgtext is the text of Telegram messages: escaping for
// parse_mode HTML, bidi isolates for mixed Arabic and Latin text, lengths
// in the UTF-16 code units Telegram counts, cutting text to a limit
// without breaking a character, and the message catalogues that replies
// and alerts are written from.
//
// It depends only on the standard library, golang.org/x/text and
// internal/textclean (the white-space collapse CleanLine shares with feeds).
package tgtext
