package feeds

import (
	"time"
)

// Validators are the HTTP cache validators kept per source for
// conditional GETs.
type Validators struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// PollResult is the outcome of polling one source once.
type PollResult struct {
	Source Source
	// Items are the items of the document, in document order; nil when
	// NotModified or on error.
	Items []Item
	// Omitted counts the items of the document left out of Items: the
	// oldest beyond MaxItems (see ParseLimit).
	Omitted int
	// NotModified reports a 304: nothing new, nothing parsed.
	NotModified bool
	// Validators to send with the next poll of this source.
	Validators Validators
	// Hub holds the WebSub links the document announced (see
	// DiscoverHub); empty when NotModified or on error.
	Hub HubLinks
	// Err is nil on success (including 304).
	Err error
	// RetryAfter is the delay a server asked for (429/503 Retry-After),
	// zero when none. For a Skipped poll, when to try again.
	RetryAfter time.Duration
	// Skipped reports a poll not made because another instance polls the
	// source now (it holds the source's lease). It is neither a success
	// nor a failure: nothing is counted or consumed, and the source is
	// tried again after RetryAfter.
	Skipped bool
	// Due is when the poll was due; Started when it began; Duration how
	// long the fetch and parse took.
	Due      time.Time
	Started  time.Time
	Duration time.Duration
}
