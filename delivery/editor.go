package delivery

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/aajil/aajil/internal/callback"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram/tgtext"

	"github.com/aajil/aajil/internal/pause"
)

const (
	// editEvery is how often the editor looks for due edits.
	editEvery = time.Second
	// editBatch is the most stories taken per look.
	editBatch = 50
)

// runEditor makes the "also reported by" edits until ctx is done: every
// second it takes the stories whose edit is due (store.ScheduleEdit,
// called when a later source joins a story; it coalesces, so a message is
// edited at most once per EditInterval) and edits their messages to name
// the later sources.
//
// DueEdits hands a story to one instance only, so each instance edits
// every message of the stories it took, whichever partition their chats
// are in; the edits go through the shared rate limits like any send.
func (s *Sender) runEditor(ctx context.Context) {
	if s.opts.Stories == nil {
		return
	}
	pause.Every(ctx, editEvery, s.editDue)
}

// editDue makes the edits due now, of up to editBatch stories.
func (s *Sender) editDue(ctx context.Context) {
	stories, err := s.edits.DueEdits(ctx, s.now(), editBatch)
	if err != nil {
		if ctx.Err() == nil {
			s.redisError("take due edits", err)
		}
		return
	}
	for _, id := range stories {
		s.editStory(ctx, id)
	}
}

// editStory edits the messages of one story. Failures are logged and
// counted, never retried: the edit is a courtesy, and a failing chat must
// not cost the others their limits.
func (s *Sender) editStory(ctx context.Context, storyID string) {
	rec, err := s.opts.Stories.Get(ctx, storyID)
	if err != nil {
		if !errors.Is(err, store.ErrStoryNotFound) {
			s.redisError("read story", err)
		}
		return
	}
	sm, err := s.edits.StoryMessages(ctx, storyID)
	if err != nil {
		s.redisError("read story messages", err)
		return
	}
	base := sm.Base
	names := s.sourceNames(rec, base.SourceID)
	// A later report with new figures (a toll that rose) became the
	// story's headline: the edit shows it.
	title := base.Title
	if rec.Title != "" {
		title = rec.Title
	}
	if len(names) == 0 && title == base.Title {
		return
	}
	// The edited messages are counted for the console's Stories page,
	// once the round is over (or cut short).
	var edited []int64
	defer func() {
		if len(edited) == 0 {
			return
		}
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendTimeout)
		defer cancel()
		if err := s.edits.CountEdits(cctx, storyID, edited); err != nil {
			s.redisError("count edits", err)
		}
	}()
	for _, m := range sm.Messages {
		if ctx.Err() != nil {
			return
		}
		if s.now().Sub(m.SentAt) > s.opts.EditMaxAge {
			s.opts.Metrics.Edited("too_old")
			continue
		}
		limit := 0
		if m.Photo {
			limit = tgtext.MaxCaptionLength
		}
		text := RenderAlert(AlertMessage{
			Lang:           alertLang(m.Lang),
			Urgent:         base.Urgent,
			SourceName:     s.opts.SourceName(base.SourceID),
			Title:          title,
			Link:           base.Link,
			Published:      base.Published,
			Rule:           m.Rule,
			AlsoReportedBy: names,
		}, RenderOptions{Location: s.chatLocation(ctx, m.ChatID), MaxLength: limit})
		buttons := s.alertButtons(ctx, m.ChatID, m.Lang, base.SourceID, storyID, m.Rule)
		outcome := s.edit(ctx, storyID, m, text, buttons)
		s.opts.Metrics.Edited(outcome)
		if outcome == "edited" {
			edited = append(edited, m.ChatID)
		}
	}
}

// edit replaces the text of one sent message (the caption of a photo
// alert, with editMessageCaption), under the rate limits, and returns the
// outcome for the metrics.
// The alert's buttons go with the text: an edit without them would
// remove them.
func (s *Sender) edit(ctx context.Context, storyID string, m store.StoryMessage, text string, buttons [][]callback.Button) string {
	wait, err := s.book(ctx, m.ChatID, s.opts.MaxAhead)
	if err != nil {
		if ctx.Err() == nil {
			s.redisError("reserve edit", err)
		}
		return "failed"
	}
	if !pause.For(ctx, wait) {
		return "failed"
	}
	sctx, cancel := context.WithTimeout(ctx, sendTimeout)
	if m.Photo {
		err = s.tg.EditCaption(sctx, m.MessageID, Message{ChatID: m.ChatID, Text: text, Buttons: buttons})
	} else {
		err = s.tg.EditMessage(sctx, m.MessageID, Message{ChatID: m.ChatID, Text: text, LinkPreview: s.opts.LinkPreview, Buttons: buttons})
	}
	cancel()
	if err == nil {
		return "edited"
	}
	f := classify(err)
	if f.verdict == verdictNotModified {
		return "unchanged"
	}
	if f.verdict == verdictRateLimited {
		// Alerts to this chat must wait too.
		s.opts.Metrics.RateLimited(false)
		s.count(store.CounterTooManyRequests, 1)
		if perr := s.rates.Penalize(ctx, m.ChatID, f.retryAfter); perr != nil {
			s.redisError("penalize", perr)
		}
	}
	s.log.Warn("sender: edit failed", slog.Int64("chat", m.ChatID), slog.Int("message_id", m.MessageID),
		slog.String("story", storyID), slog.Any("error", err))
	return "failed"
}
