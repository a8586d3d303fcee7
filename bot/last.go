package bot

import (
	"context"
	"strings"
	"time"

	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram/tgtext"
)

// Bounds of /last.
const (
	DefaultLast = 5
	MaxLast     = store.HistoryMax
)

// cmdLast shows the chat's last N alerts, newest first; in a chat that
// never got one, the latest urgent stories of the sources it follows.
func (b *Bot) cmdLast(ctx context.Context, c *cmdContext) error {
	n, ok := parseCount(c.cmd.Args, DefaultLast, MaxLast)
	if !ok {
		return b.reply(ctx, c, T(c.lang, MsgUsageLast))
	}
	hist, err := b.st.History(ctx, c.targetID(), store.HistoryMax)
	if err != nil {
		return err
	}
	header := MsgLastHeader
	if len(hist) == 0 {
		recent, err := b.st.RecentUrgent(ctx, store.RecentUrgentMax)
		if err != nil {
			return err
		}
		for _, h := range recent {
			if following(*c.sub, h.SourceID) {
				hist = append(hist, h)
			}
		}
		header = MsgLastRecentHeader
	}
	hist = uniqueStories(hist, n)
	if len(hist) == 0 {
		return b.reply(ctx, c, T(c.lang, MsgLastNone))
	}
	srcs, err := b.st.Sources(ctx)
	if err != nil {
		return err
	}
	names := make(map[string]string, len(srcs))
	for _, r := range srcs {
		names[r.Source.ID] = sourceName(r)
	}
	name := func(id string) string {
		if n, ok := names[id]; ok {
			return n
		}
		return id
	}
	stories := b.st.Stories(store.StoryOptions{})
	loc := b.chatLocation(*c.sub)
	lines := make([]string, len(hist))
	for i, h := range hist {
		var also []string
		if rec, err := stories.Get(ctx, h.StoryID); err == nil {
			seen := map[string]bool{h.SourceID: true, rec.FirstSource: true}
			for _, ref := range rec.Sources {
				if !seen[ref.SourceID] {
					seen[ref.SourceID] = true
					also = append(also, name(ref.SourceID))
				}
			}
			if rec.FirstSource != h.SourceID && rec.FirstSource != "" {
				also = append([]string{name(rec.FirstSource)}, also...)
			}
		}
		lines[i] = b.lastLine(c.lang, h, name(h.SourceID), also, loc)
	}
	return b.replyLines(ctx, c, T(c.lang, header, len(hist)), lines)
}

// uniqueStories keeps the first entry of each story, at most n.
func uniqueStories(hist []store.HistoryEntry, n int) []store.HistoryEntry {
	seen := map[string]bool{}
	out := hist[:0:0]
	for _, h := range hist {
		if len(out) == n {
			break
		}
		if seen[h.StoryID] {
			continue
		}
		seen[h.StoryID] = true
		out = append(out, h)
	}
	return out
}

// lastLine renders one alert of /last: time, source, headline (a link),
// the sources that also reported it.
func (b *Bot) lastLine(lang Lang, h store.HistoryEntry, source string, also []string, loc *time.Location) string {
	at := h.At
	if at.IsZero() {
		at = h.Published
	}
	when := at.In(loc).Format("15:04 · 02/01")
	title := T(lang, MsgLastTitle, tgtext.CutRunes(tgtext.CleanLine(h.Title), 300))
	if link := safeLink(h.Link); link != "" {
		title = `<a href="` + tgtext.Escape(link) + `">` + title + `</a>`
	}
	line := T(lang, MsgLastItem, when, source, HTML(title))
	if h.Paused {
		line += " " + T(lang, MsgLastPaused)
	}
	if len(also) > 0 {
		sep := ", "
		if lang == LangAR {
			sep = "، "
		}
		line += "\n" + T(lang, MsgLastAlso, strings.Join(also, sep))
	}
	return line
}

// maxLastLink is the longest link /last shows.
const maxLastLink = 2000

// safeLink returns link when it is an absolute http or https URL that
// fits a reply, else "".
func safeLink(link string) string { return tgtext.SafeLink(link, maxLastLink) }
