package report

import (
	"context"
	"fmt"
	"time"

	"github.com/aajil/aajil/alerts/story"
	"github.com/aajil/aajil/store"
)

// StoriesPage is the Stories page: the stories of the window, newest
// first.
type StoriesPage struct {
	Since, Now time.Time
	Stories    []Story
}

// Story is one story as the console shows it.
type Story struct {
	ID       string
	Headline string
	Link     string
	// Reports are the sources that reported it, the first one first,
	// each with the time the story index first saw it from them.
	Reports []Report
	// FirstSeen is when the first source's report made the story.
	FirstSeen time.Time
	// FirstDelivered is when its first message was sent; zero if none.
	FirstDelivered time.Time
	// Delay is FirstDelivered − FirstSeen; zero when nothing was sent.
	Delay time.Duration
	// Deliveries: Sent, Queued (still in the outbox), Failed (dead
	// letters not retried) and Dropped (the chat stopped or paused).
	Sent, Queued, Failed, Dropped int64
	// Edited counts its messages edited to name the later sources.
	Edited int64
	// AlsoReportedBy are the later sources, which the "also reported
	// by" edits of its messages name.
	AlsoReportedBy []string
	// Merges say why each later report was taken for this story.
	Merges []Merge
}

// Report is one source's report of a story.
type Report struct {
	Source   string
	Headline string // empty when not recorded
	At       time.Time
}

// Merge is why a later report joined a story: the comparison of the
// story's headline with the report's, as `aajil story --explain` gives
// it.
type Merge struct {
	Source                                    string
	Headline                                  string
	Verdict                                   string
	Score                                     float64
	Matched, Conflicts, OnlyStory, OnlyReport []string
}

// Stories returns the Stories page.
func (r *Reports) Stories(ctx context.Context) (StoriesPage, error) {
	now := r.opt.Now()
	page := StoriesPage{Since: now.Add(-r.opt.Window), Now: now}
	recs, err := r.st.RecentStories(ctx, page.Since, r.opt.MaxStories)
	if err != nil {
		return StoriesPage{}, fmt.Errorf("stories page: %w", err)
	}
	ids := make([]string, len(recs))
	for i, rec := range recs {
		ids[i] = rec.ID
	}
	counts, err := r.st.StoryDeliveryCounts(ctx, ids)
	if err != nil {
		return StoriesPage{}, fmt.Errorf("stories page: %w", err)
	}
	page.Stories = make([]Story, len(recs))
	for i, rec := range recs {
		page.Stories[i] = newStory(rec, counts[rec.ID])
	}
	return page, nil
}

// newStory is the console's view of a stored story and its counters.
func newStory(rec store.StoryRecord, d store.StoryDeliveries) Story {
	s := Story{
		ID: rec.ID, Headline: rec.Title, Link: rec.Link, FirstSeen: rec.Created,
		Reports:        []Report{{Source: rec.FirstSource, Headline: rec.Title, At: rec.Created}},
		FirstDelivered: d.FirstSent,
		Sent:           d.Sent, Queued: d.Waiting(), Failed: d.Dead, Dropped: d.Dropped, Edited: d.Edited,
	}
	if !d.FirstSent.IsZero() {
		s.Delay = max(d.FirstSent.Sub(rec.Created), 0)
	}
	for _, src := range rec.Sources {
		s.Reports = append(s.Reports, Report{Source: src.SourceID, Headline: src.Title, At: src.At})
		s.AlsoReportedBy = append(s.AlsoReportedBy, src.SourceID)
		if src.Title != "" {
			s.Merges = append(s.Merges, newMerge(rec.Title, src))
		}
	}
	return s
}

// newMerge explains why the report src joined the story headlined title.
func newMerge(title string, src store.SourceRef) Merge {
	x := story.ExplainHeadlines(title, src.Title)
	return Merge{
		Source: src.SourceID, Headline: src.Title, Verdict: x.Verdict.String(), Score: x.Score,
		Matched: x.Matched, Conflicts: x.Conflicts, OnlyStory: x.OnlyA, OnlyReport: x.OnlyB,
	}
}
