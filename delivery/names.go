package delivery

import (
	"context"
	"time"

	"github.com/aajil/aajil/store"
)

// render renders the entry's alert, naming the story's later sources,
// within maxLength UTF-16 units of text (0: a message's; a photo's
// caption has tgtext.MaxCaptionLength).
func (s *Sender) render(ctx context.Context, e *store.OutboxEntry, maxLength int) string {
	return RenderAlert(AlertMessage{
		Lang:           e.Lang,
		Urgent:         e.Urgent,
		SourceName:     s.opts.SourceName(e.SourceID),
		Title:          e.Title,
		Link:           e.Link,
		Published:      e.Published,
		Rule:           e.Rule,
		AlsoReportedBy: s.laterSources(ctx, e.StoryID, e.SourceID),
	}, RenderOptions{Location: s.chatLocation(ctx, e.ChatID), MaxLength: maxLength})
}

// laterSources names the later sources of a story (cached for
// namesTTL): those after the first, other than the one the alert
// comes from, each once.
func (s *Sender) laterSources(ctx context.Context, storyID, shown string) []string {
	if s.opts.Stories == nil {
		return nil
	}
	now := s.now()
	key := storyID + "\x00" + shown
	if names, ok := s.names.get(key); ok {
		return names
	}
	rec, err := s.opts.Stories.Get(ctx, storyID)
	var names []string
	if err == nil {
		names = s.sourceNames(rec, shown)
	}
	s.names.put(key, names, now)
	return names
}

// namesTTL is how long a story's later sources are cached for rendering:
// half the edit interval, so that an alert sent after the scheduled edit
// of its story ran (the edit cannot include it) names every source that
// joined before the edit was scheduled.
func namesTTL(editInterval time.Duration) time.Duration { return min(editInterval/2, 2*time.Second) }

// maxCachedNames is the size past which expired later sources are swept
// from the cache.
const maxCachedNames = 10_000

// sourceNames are the display names of rec's later sources, without the
// first source, the one shown (the alert's) and repeats.
func (s *Sender) sourceNames(rec store.StoryRecord, shown string) []string {
	seen := map[string]bool{}
	for _, id := range []string{rec.FirstSource, shown} {
		if id != "" {
			seen[s.opts.SourceName(id)] = true
		}
	}
	var names []string
	for _, ref := range rec.Sources {
		if ref.SourceID == rec.FirstSource || ref.SourceID == shown {
			continue
		}
		n := s.opts.SourceName(ref.SourceID)
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		names = append(names, n)
	}
	return names
}

// The languages alerts are rendered in (tgtext.LangAR and tgtext.LangEN).
const (
	langAR = "ar"
	langEN = "en"
)

// alertLang is the alert language for a subscriber's language: Arabic
// or English.
func alertLang(l string) string {
	if l == langAR {
		return langAR
	}
	return langEN
}
