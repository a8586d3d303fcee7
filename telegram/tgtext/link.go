package tgtext

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// SafeLink returns link in a form safe to put in an href, or "" when it
// is not an absolute http or https URL with a host (javascript:, data:,
// relative and empty links) or is longer than max bytes, before or once
// re-encoded.
func SafeLink(link string, max int) string {
	link = strings.TrimSpace(link)
	if link == "" || len(link) > max {
		return ""
	}
	u, err := url.Parse(link)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return ""
	}
	if s := strings.ToLower(u.Scheme); s != "http" && s != "https" {
		return ""
	}
	// String re-encodes what the source left raw in the path (spaces,
	// quotes) but keeps the query as written; a space there would end the
	// URL for a client that finds links in text.
	s := strings.ReplaceAll(u.String(), " ", "%20")
	if len(s) > max || !utf8.ValidString(s) {
		return ""
	}
	return s
}
