// Package feeds reads news sources: it knows the source definitions,
// fetches them as a good citizen of the web, parses RSS/Atom/RDF/JSON Feed
// documents, HTML tickers and JSON ticker APIs into clean items, and
// schedules the polls of many sources: one instance at a time per source
// (LeasedPoller), their failures logged once (PollLog), their state kept
// across restarts (StateSaver). It knows nothing of Telegram.
package feeds

import (
	"time"
)

// Kind is the kind of document a source serves.
type Kind string

// The kinds of source.
const (
	KindRSS  Kind = "rss"  // RSS 0.9x/1.0/2.0, Atom, RDF, JSON Feed (gofeed)
	KindHTML Kind = "html" // a ticker or headline list inside an HTML page
	KindJSON Kind = "json" // a JSON ticker API
	// KindTelegram is a public Telegram channel, read from its web
	// preview https://t.me/s/NAME.
	KindTelegram Kind = "telegram"
)

// Defaults and limits of source fields.
const (
	DefaultInterval = 60 * time.Second
	// DefaultTelegramInterval is the interval of a kind telegram source:
	// outlets post there first, and the preview is one small page.
	DefaultTelegramInterval = 15 * time.Second
	MinInterval             = time.Second
	DefaultMaxBytes         = 5 << 20 // 5 MiB
)

// Source is one news source as configured (YAML `sources:`, chat /addfeed,
// probe flags). The zero values of optional fields mean "default".
type Source struct {
	ID        string        `yaml:"id" json:"id"`
	Name      string        `yaml:"name,omitempty" json:"name,omitempty"`
	URL       string        `yaml:"url" json:"url"`
	Kind      Kind          `yaml:"kind,omitempty" json:"kind,omitempty"`
	Interval  time.Duration `yaml:"interval,omitempty" json:"interval,omitempty"`
	AllUrgent bool          `yaml:"all_urgent,omitempty" json:"all_urgent,omitempty"`
	// MinInterval and MaxInterval bound the adaptive interval (see
	// policyOf); min = max pins the source to that interval.
	MinInterval time.Duration `yaml:"min_interval,omitempty" json:"min_interval,omitempty"`
	MaxInterval time.Duration `yaml:"max_interval,omitempty" json:"max_interval,omitempty"`

	// Selectors (html: CSS; json: paths). See DESIGN.md "Source fields".
	Item   string `yaml:"item,omitempty" json:"item,omitempty"`
	Text   string `yaml:"text,omitempty" json:"text,omitempty"`
	Link   string `yaml:"link,omitempty" json:"link,omitempty"`
	Marker string `yaml:"marker,omitempty" json:"marker,omitempty"`
	// Image is where an item's picture is: html, a selector inside the
	// item (its src, data-src or srcset); json, a path. Optional.
	Image string `yaml:"image,omitempty" json:"image,omitempty"`

	// Lang is the language of the items ("ar", "en", …); empty means
	// detected per item from its script.
	Lang string `yaml:"lang,omitempty" json:"lang,omitempty"`
	// Charset, when set, overrides every other charset signal
	// (BOM, Content-Type, XML declaration, <meta>, sniffing).
	Charset string `yaml:"charset,omitempty" json:"charset,omitempty"`
	// MaxBytes caps the response body; 0 means DefaultMaxBytes.
	MaxBytes int64 `yaml:"max_bytes,omitempty" json:"max_bytes,omitempty"`
	// Markers are extra urgency markers for this source only, added to
	// the global list (e.g. a site's own banner word).
	Markers []string `yaml:"markers,omitempty" json:"markers,omitempty"`
	// Paused sources are kept but not polled.
	Paused bool `yaml:"paused,omitempty" json:"paused,omitempty"`
}

// EffectiveKind returns the source's kind, KindRSS when unset.
func (s Source) EffectiveKind() Kind {
	if s.Kind == "" {
		return KindRSS
	}
	return s.Kind
}

// EffectiveInterval returns the poll interval; when unset,
// DefaultTelegramInterval for kind telegram and DefaultInterval otherwise.
func (s Source) EffectiveInterval() time.Duration {
	if s.Interval == 0 {
		if s.EffectiveKind() == KindTelegram {
			return DefaultTelegramInterval
		}
		return DefaultInterval
	}
	return s.Interval
}

// EffectiveMaxBytes returns the body cap, DefaultMaxBytes when unset.
func (s Source) EffectiveMaxBytes() int64 {
	if s.MaxBytes <= 0 {
		return DefaultMaxBytes
	}
	return s.MaxBytes
}
