package delivery

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aajil/aajil/internal/pause"
	"github.com/aajil/aajil/internal/schedule"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram/tgtext"
)

// Digests is the store's side of digests (store/digest.go). A Store
// that has it (RedisStore does) gets digests: a chat with a schedule has
// its non-urgent alerts held and sent together; without it every alert
// is sent at once.
type Digests interface {
	// HoldForDigest moves a non-urgent entry into its chat's digest.
	HoldForDigest(ctx context.Context, e store.OutboxEntry, due time.Time) (store.HoldResult, error)
	// DueDigests lists the chats of partition p whose digest is due.
	DueDigests(ctx context.Context, p int, now time.Time, count int64) ([]store.DueDigest, error)
	// LoadDigests reads the held items of due digests.
	LoadDigests(ctx context.Context, due []store.DueDigest) ([]store.PendingItems, error)
	// CommitDigests queues built digests, each once.
	CommitDigests(ctx context.Context, commits []store.DigestCommit) ([]bool, error)
	// SubscribersByID loads the subscribers of chats.
	SubscribersByID(ctx context.Context, ids []int64) ([]store.Subscriber, error)
}

const (
	// digestEvery is how often due digests are looked for.
	digestEvery = time.Second
	// digestBatch is the most digests built per round trip.
	digestBatch = 500
	// digestRounds bounds the batches of one partition per look.
	digestRounds = 100
	// maxDigestTitleRunes bounds a headline in a digest.
	maxDigestTitleRunes = 300
)

// zoneOf is the chat's time zone, for its digest schedule and quiet
// hours: its /tz, else the configured delivery zone (Options.Location),
// else DefaultZone.
func (s *Sender) zoneOf(sub store.Subscriber) *time.Location {
	if loc := store.ChatLocation(sub.TZ, s.opts.Location); loc != nil {
		return loc
	}
	return defaultLocation()
}

// holdForDigest moves a non-urgent alert to a chat with a digest
// schedule into the chat's digest instead of sending it. done is false
// when the entry is to be sent now: urgent, a digest's own part, no
// schedule, or a full digest.
func (s *Sender) holdForDigest(ctx context.Context, it *item, sub store.Subscriber) (out outcome, at time.Time, done bool) {
	e := it.e
	if e.Urgent || e.Text != "" || s.digests == nil || sub.Digest == "" {
		return 0, time.Time{}, false
	}
	sched, err := schedule.Parse(sub.Digest)
	if err != nil || sched.Off() {
		return 0, time.Time{}, false
	}
	res, err := s.digests.HoldForDigest(ctx, e, sched.Next(s.now(), s.zoneOf(sub)))
	if err != nil {
		s.redisError("hold for digest", err)
		return outRetry, s.now().Add(redisRetry), true
	}
	if res == store.HoldFull {
		return 0, time.Time{}, false
	}
	s.opts.Metrics.Delivered("digest")
	return outDone, time.Time{}, true
}

// runDigests builds the digests due in the partitions this instance
// holds, every digestEvery, until ctx is done. The built digest goes into
// the outbox (store.CommitDigests), whence it is sent like an alert.
func (s *Sender) runDigests(ctx context.Context) {
	if s.digests == nil {
		return
	}
	pause.Every(ctx, digestEvery, func(ctx context.Context) {
		for _, p := range s.heldPartitions() {
			s.buildPartitionDigests(ctx, p)
		}
	})
}

// heldPartitions lists the partitions this instance consumes.
func (s *Sender) heldPartitions() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]int, 0, len(s.parts))
	for id, p := range s.parts {
		if !p.lost && !p.releasing {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// buildPartitionDigests builds every digest of partition p due now and
// returns how many it queued.
func (s *Sender) buildPartitionDigests(ctx context.Context, p int) int {
	now := s.now()
	queued := 0
	for range digestRounds {
		due, err := s.digests.DueDigests(ctx, p, now, digestBatch)
		if err != nil {
			if ctx.Err() == nil {
				s.redisError("read due digests", err)
			}
			return queued
		}
		if len(due) == 0 {
			return queued
		}
		n, err := s.buildDigests(ctx, due, now)
		queued += n
		if err != nil {
			if ctx.Err() == nil {
				s.redisError("build digests", err)
			}
			return queued
		}
		if len(due) < digestBatch {
			return queued
		}
	}
	return queued
}

// buildDigests builds the due digests from Redis and queues them, in
// three round trips: the subscribers, the held items, the commits.
func (s *Sender) buildDigests(ctx context.Context, due []store.DueDigest, now time.Time) (int, error) {
	ids := make([]int64, len(due))
	for i, d := range due {
		ids[i] = d.ChatID
	}
	subs, err := s.digests.SubscribersByID(ctx, ids)
	if err != nil {
		return 0, err
	}
	byChat := make(map[int64]store.Subscriber, len(subs))
	for _, sub := range subs {
		byChat[sub.ChatID] = sub
	}
	pending, err := s.digests.LoadDigests(ctx, due)
	if err != nil {
		return 0, err
	}
	commits := make([]store.DigestCommit, len(due))
	for i, d := range due {
		c := store.DigestCommit{Due: d, Consumed: pending[i].Read, Next: now}
		sub, ok := byChat[d.ChatID]
		if ok && sub.Active {
			// Items held after the read wait for the next digest; with
			// digests turned off since, they go at once.
			if sched, err := schedule.Parse(sub.Digest); err == nil && !sched.Off() {
				c.Next = sched.Next(now, s.zoneOf(sub))
			}
			lang := alertLang(sub.Lang)
			for j, text := range RenderDigest(lang, pending[i].Items, s.opts.SourceName, d.Due(), s.zoneOf(sub)) {
				c.Parts = append(c.Parts, store.Delivery{
					ChatID: d.ChatID, StoryID: store.DigestPartID(d.DueMs, j),
					Lang: lang, Text: text, MatchedAt: now,
				})
			}
		}
		// A chat gone or inactive: its items are dropped with the commit.
		commits[i] = c
	}
	ok, err := s.digests.CommitDigests(ctx, commits)
	n := 0
	for _, queued := range ok {
		if queued {
			n++
		}
	}
	return n, err
}

// The wording of a digest.
const (
	labelDigest      tgtext.MsgID = "digest"
	labelDigestItems tgtext.MsgID = "digest_items"
)

var digestLabels = tgtext.NewCatalog(tgtext.LangEN, map[tgtext.Lang]map[tgtext.MsgID]string{
	tgtext.LangEN: {labelDigest: "Digest", labelDigestItems: "{0} items"},
	tgtext.LangAR: {labelDigest: "موجز الأخبار", labelDigestItems: "عدد الأخبار: {0}"},
}, tgtext.RightToLeft(tgtext.LangAR))

// RenderDigest renders a digest's items as Telegram HTML messages, each
// within Telegram's 4,096 UTF-16 units (tgtext.SplitLines; a line is
// never split):
//
//	🗞 <b>Digest</b> · 09:00 · 5 Dec 2026 (Damascus) · 3 items
//
//	📰 <b>SOURCE</b>
//	1. <a href="LINK">HEADLINE</a>
//	2. HEADLINE
//
//	📰 <b>OTHER SOURCE</b>
//	3. …
//
// grouped by source in the order each first appears, numbered across
// the digest; at is the digest's time, shown in loc. No items, no
// message.
func RenderDigest(lang string, items []store.DigestItem, sourceName func(string) string, at time.Time, loc *time.Location) []string {
	if len(items) == 0 {
		return nil
	}
	l := renderLabels{tgtext.LangEN}
	if lang == langAR {
		l = renderLabels{tgtext.LangAR}
	}
	var h strings.Builder
	h.WriteString("🗞 <b>")
	h.WriteString(digestLabels.T(l.lang, labelDigest))
	h.WriteString("</b> · ")
	l.writeTime(&h, at, loc)
	h.WriteString(" · ")
	h.WriteString(digestLabels.T(l.lang, labelDigestItems, len(items)))

	var order []string
	groups := map[string][]store.DigestItem{}
	for _, it := range items {
		if _, ok := groups[it.SourceID]; !ok {
			order = append(order, it.SourceID)
		}
		groups[it.SourceID] = append(groups[it.SourceID], it)
	}
	lines := make([]string, 0, len(items))
	n := 0
	for _, src := range order {
		name := src
		if sourceName != nil {
			name = sourceName(src)
		}
		name = tgtext.CutRunes(tgtext.CleanLine(name), MaxSourceNameRunes)
		for j, it := range groups[src] {
			n++
			var b strings.Builder
			if j == 0 {
				// The source's name starts its first item's line, so
				// that a message never ends with a name alone.
				b.WriteString("\n📰 <b>")
				b.WriteString(l.value(name))
				b.WriteString("</b>\n")
			}
			b.WriteString(strconv.Itoa(n))
			b.WriteString(". ")
			title := tgtext.Escape(tgtext.CutRunes(tgtext.CleanLine(it.Title), maxDigestTitleRunes))
			if title == "" {
				title = "…"
			}
			if link := renderLink(it.Link); link != "" {
				b.WriteString("<a href=\"")
				b.WriteString(tgtext.Escape(link))
				b.WriteString("\">")
				b.WriteString(title)
				b.WriteString("</a>")
			} else {
				b.WriteString(title)
			}
			lines = append(lines, b.String())
		}
	}
	parts := tgtext.SplitLines(h.String(), lines, tgtext.MaxMessageLength)
	for i := range parts {
		parts[i] = strings.TrimLeft(parts[i], "\n")
	}
	return parts
}
