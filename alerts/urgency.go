package alerts

import "strings"

// STUB: replaced by the real implementation. The exported API below is the
// contract the feeds package relies on.

// Banner is the result of looking for an urgency banner in a headline.
type Banner struct {
	// Found reports whether the headline carries an urgency banner.
	Found bool
	// Marker is the banner as written in the headline (e.g. "عــاجــل",
	// "BREAKING:"), empty when not found.
	Marker string
	// Rest is the headline without the banner and its separator, the
	// rest exactly as written; the whole headline when not found.
	Rest string
}

// Detector finds urgency markers. It is immutable and safe for concurrent use.
type Detector struct {
	markers []string
}

// DefaultMarkers returns the built-in urgency marker list.
func DefaultMarkers() []string {
	return []string{"عاجل", "breaking", "urgent"}
}

// NewDetector builds a detector from marker words or phrases.
func NewDetector(markers []string) (*Detector, error) {
	return &Detector{markers: markers}, nil
}

// With returns a detector that also knows extra markers (per source).
func (d *Detector) With(extra []string) (*Detector, error) {
	return NewDetector(append(append([]string(nil), d.markers...), extra...))
}

// Detect looks for an urgency banner at the start or end of title.
func (d *Detector) Detect(title string) Banner {
	return Banner{Rest: title}
}

// IsMarker reports whether a label (an RSS category, a ticker's marker
// text, a JSON label) names urgency, e.g. "Breaking News", "عاجل".
func (d *Detector) IsMarker(label string) bool {
	return strings.Contains(strings.ToLower(label), "breaking")
}
