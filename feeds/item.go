package feeds

import "time"

// Item is one headline read from a source, cleaned and classified.
type Item struct {
	// ID is stable across polls (guid › link › hash of the normalised
	// headline) and unique within one poll.
	ID string `json:"id"`
	// SourceID names the source the item came from.
	SourceID string `json:"source"`
	// Title is the headline as a reader should see it: tags, entities,
	// zero-width and bidi controls removed, whitespace collapsed, and the
	// urgency banner removed; the rest exactly as the source wrote it.
	Title string `json:"title"`
	// Link is absolute, or empty when the source gave none.
	Link string `json:"link"`
	// Image is the absolute http(s) URL of the item's picture, or empty
	// when the source gives none (see itemImage).
	Image string `json:"image,omitempty"`
	// Summary is the trimmed, cleaned description, possibly empty.
	Summary string `json:"summary,omitempty"`
	// Published is in UTC, or zero when the source gives no time.
	Published time.Time `json:"published"`
	// Lang is the configured language, or "ar" / "en"-like detection
	// from the script of the title ("ar" for Arabic script, "en" for Latin).
	Lang string `json:"lang"`
	// Urgent says whether the item is breaking news; Marker says why
	// (the banner text as written, "category:…", "marker", "all_urgent").
	Urgent bool   `json:"urgent"`
	Marker string `json:"marker"`
	// Categories are the RSS/Atom categories or tags, cleaned.
	Categories []string `json:"categories,omitempty"`
	// Element is, for an html source read by Poller.Inspect, the outer
	// HTML of the element its item selector matched, cut to about
	// MaxElementBytes (the web console's selector tester shows it);
	// empty otherwise, and never stored.
	Element string `json:"-"`
}
