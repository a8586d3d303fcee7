package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"go.yaml.in/yaml/v3"

	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram"
	"github.com/aajil/aajil/telegram/tgtext"
)

// Prober fetches and parses a source once, for /probe and /addfeed.
// *feeds.Poller is one.
type Prober interface {
	Poll(ctx context.Context, src feeds.Source, v feeds.Validators) feeds.PollResult
}

// Limits of the admin commands.
const (
	// probePreview is how many items /probe and /addfeed show.
	probePreview = 3
	// defaultAuditShown and maxAuditShown bound /audit [N].
	defaultAuditShown = 10
	maxAuditShown     = 50
	// defaultDeadShown and maxDeadShown bound /dead [N]; deadTitleRunes
	// is how much of each headline it shows.
	defaultDeadShown = 5
	maxDeadShown     = 50
	deadTitleRunes   = 120
)

// adminCommandTable returns the admin commands by name.
func (b *Bot) adminCommandTable() map[string]handlerFunc {
	return map[string]handlerFunc{
		"feeds":      b.cmdFeeds,
		"feed":       b.cmdFeed,
		"addfeed":    b.cmdAddFeed,
		"setfeed":    b.cmdSetFeed,
		"delfeed":    b.cmdDelFeed,
		"pausefeed":  b.cmdPauseFeed,
		"resumefeed": b.cmdResumeFeed,
		"probe":      b.cmdProbe,
		"audit":      b.cmdAudit,
		"dead":       b.cmdDead,
		"export":     b.cmdExport,
		"stats":      b.cmdStats,
	}
}

// adminID is how an admin is named in origins and the audit log.
func adminID(c *cmdContext) string {
	if c.from == nil {
		return "tg:?"
	}
	return "tg:" + strconv.FormatInt(c.from.ID, 10)
}

// oneArg returns the command's single argument, or "" when it has none or
// more than one.
func oneArg(c *cmdContext) string {
	f := strings.Fields(c.cmd.Args)
	if len(f) != 1 {
		return ""
	}
	return f[0]
}

// loadSource returns a source's record; found is false (and the admin
// told) when there is none.
func (b *Bot) loadSource(ctx context.Context, c *cmdContext, id string) (rec store.SourceRecord, found bool, err error) {
	rec, err = b.st.Source(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return rec, false, b.reply(ctx, c, T(c.lang, MsgFeedNotFound, id))
	}
	if err != nil {
		return rec, false, err
	}
	return rec, true, nil
}

// feedArg reads the source of "/command ID" and returns its record;
// found is false when the admin was already answered: with usage when
// there is not exactly one argument, or that there is no such source.
func (b *Bot) feedArg(ctx context.Context, c *cmdContext, usage MsgID) (rec store.SourceRecord, found bool, err error) {
	id := oneArg(c)
	if id == "" {
		return rec, false, b.reply(ctx, c, T(c.lang, usage))
	}
	return b.loadSource(ctx, c, id)
}

// writeFeed makes an admin's change to the source id with write, a
// SourceOps call. done is false when the admin was already answered: the
// source was deleted meanwhile.
func (b *Bot) writeFeed(ctx context.Context, c *cmdContext, id string, write func() error) (done bool, err error) {
	if err := write(); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return false, b.reply(ctx, c, T(c.lang, MsgFeedNotFound, id))
		}
		return false, err
	}
	return true, nil
}

// cmdPauseFeed is /pausefeed ID.
func (b *Bot) cmdPauseFeed(ctx context.Context, c *cmdContext) error {
	return b.setPaused(ctx, c, true)
}

// cmdResumeFeed is /resumefeed ID.
func (b *Bot) cmdResumeFeed(ctx context.Context, c *cmdContext) error {
	return b.setPaused(ctx, c, false)
}

func (b *Bot) setPaused(ctx context.Context, c *cmdContext, paused bool) error {
	usage, done := MsgUsageResumeFeed, MsgFeedResumed
	if paused {
		usage, done = MsgUsagePauseFeed, MsgFeedPaused
	}
	rec, found, err := b.feedArg(ctx, c, usage)
	if !found {
		return err
	}
	id := rec.Source.ID
	written, err := b.writeFeed(ctx, c, id, func() error {
		return b.ops.SetPaused(ctx, adminID(c), rec.Source, paused)
	})
	if !written || err != nil {
		return err
	}
	return b.reply(ctx, c, T(c.lang, done, id))
}

// cmdDelFeed is /delfeed ID.
func (b *Bot) cmdDelFeed(ctx context.Context, c *cmdContext) error {
	rec, found, err := b.feedArg(ctx, c, MsgUsageDelFeed)
	if !found {
		return err
	}
	id := rec.Source.ID
	done, err := b.writeFeed(ctx, c, id, func() error {
		return b.ops.Delete(ctx, adminID(c), rec.Source)
	})
	if !done || err != nil {
		return err
	}
	return b.reply(ctx, c, T(c.lang, MsgFeedDeleted, id))
}

// cmdFeeds is /feeds: every source with its health, in pages that each
// fit in one message.
func (b *Bot) cmdFeeds(ctx context.Context, c *cmdContext) error {
	recs, err := b.st.Sources(ctx)
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		return b.reply(ctx, c, T(c.lang, MsgNoFeeds))
	}
	states, err := b.st.LoadStates(ctx)
	if err != nil {
		return err
	}
	names := make([]store.Counter, len(recs))
	for i, r := range recs {
		names[i] = store.SourceAlerts(r.Source.ID)
	}
	counts, err := b.st.CountsManyAt(ctx, names, b.now())
	if err != nil {
		return err
	}
	lines := make([]string, len(recs))
	for i, r := range recs {
		lines[i] = feedLine(c.lang, r.Source, states[r.Source.ID], counts[names[i]][1])
	}
	// The header's length hardly varies with the page numbers; leave room
	// for it generously.
	budget := maxReplyUnits - tgtext.UTF16Len(T(c.lang, MsgFeedsHeader, len(recs), 1000, 1000)) - 10
	var pages [][]string
	var page []string
	units := 0
	for _, l := range lines {
		n := tgtext.UTF16Len(l) + 2
		if len(page) > 0 && units+n > budget {
			pages = append(pages, page)
			page, units = nil, 0
		}
		page = append(page, l)
		units += n
	}
	pages = append(pages, page)
	for i, p := range pages {
		text := T(c.lang, MsgFeedsHeader, len(recs), i+1, len(pages)) + "\n\n" + strings.Join(p, "\n\n")
		if err := b.reply(ctx, c, text); err != nil {
			return err
		}
	}
	return nil
}

// feedLine renders one source's health for /feeds and /feed; alerts24
// is how many alerts it raised in the last 24 hours.
func feedLine(lang Lang, src feeds.Source, st feeds.SourceState, alerts24 int64) string {
	state := T(lang, MsgFeedStateOK)
	switch {
	case src.Paused:
		state = T(lang, MsgFeedStatePaused)
	case st.Failures > 0:
		state = T(lang, MsgFeedStateFailing)
	}
	lastOK := T(lang, MsgFeedNever)
	if !st.LastSuccess.IsZero() {
		lastOK = formatArg(lang, st.LastSuccess.UTC(), true)
	}
	lastErr := T(lang, MsgFeedNoError)
	if !st.LastErrorAt.IsZero() {
		class := string(st.LastErrorClass)
		if class == "" {
			class = "error"
		}
		lastErr = T(lang, MsgFeedErrorAt, class, st.LastErrorAt.UTC())
	}
	next := HTML("—")
	if !src.Paused && !st.NextDue.IsZero() {
		next = HTML(formatArg(lang, st.NextDue.UTC(), true))
	}
	return T(lang, MsgFeedLine, src.ID, string(src.EffectiveKind()), intervalText(lang, src, st),
		HTML(state), HTML(lastOK), HTML(lastErr), st.Items, alerts24, next)
}

// intervalText is the interval the source is polled at now and why: the
// configured one until its first poll, then the scheduler's (learned
// from its rate of new items, fast in a cascade, or slow while WebSub
// pushes its items).
func intervalText(lang Lang, src feeds.Source, st feeds.SourceState) HTML {
	if st.Interval <= 0 {
		return HTML(tgtext.Escape(src.EffectiveInterval().String()))
	}
	iv := tgtext.Escape(st.Interval.String())
	switch st.IntervalReason {
	case feeds.ReasonLearned:
		return HTML(iv + " (" + T(lang, MsgIntervalLearned, strconv.FormatFloat(st.Rate.PerHour(), 'f', 1, 64)) + ")")
	case feeds.ReasonCascade:
		return HTML(iv + " (" + T(lang, MsgIntervalCascade, st.CascadeUntil.UTC()) + ")")
	case feeds.ReasonPush:
		return HTML(iv + " (" + T(lang, MsgIntervalPush) + ")")
	}
	return HTML(iv)
}

// cmdFeed is /feed ID: one source in full, with its health and where its
// definition came from.
func (b *Bot) cmdFeed(ctx context.Context, c *cmdContext) error {
	rec, found, err := b.feedArg(ctx, c, MsgUsageFeed)
	if !found {
		return err
	}
	states, err := b.st.LoadStates(ctx)
	if err != nil {
		return err
	}
	src := rec.Source
	name := src.Name
	if name == "" {
		name = src.ID
	}
	lines := []string{T(c.lang, MsgFeedDetails, src.ID, name)}
	for _, f := range sourceFields(src) {
		lines = append(lines, T(c.lang, MsgFeedField, f[0], f[1]))
	}
	_, alerts24, err := b.st.CountsAt(ctx, store.SourceAlerts(src.ID), b.now())
	if err != nil {
		return err
	}
	lines = append(lines, "", feedLine(c.lang, src, states[src.ID], alerts24), "")
	if rec.Origin == store.OriginFile {
		file := b.opts.ConfigFile
		if file == "" {
			file = store.OriginFile
		}
		lines = append(lines, T(c.lang, MsgFeedOriginFile, file, rec.UpdatedAt.UTC()))
	} else {
		lines = append(lines, T(c.lang, MsgFeedOriginChat, rec.UpdatedBy, rec.UpdatedAt.UTC()))
	}
	return b.replyLines(ctx, c, "", lines)
}

// sourceFields lists a source's set fields as (name, value), in the
// order of the YAML format.
func sourceFields(s feeds.Source) [][2]string {
	var out [][2]string
	add := func(k, v string) {
		if v != "" {
			out = append(out, [2]string{k, v})
		}
	}
	add("url", s.URL)
	add("kind", string(s.EffectiveKind()))
	add("interval", s.EffectiveInterval().String())
	if s.MinInterval > 0 {
		add("min_interval", s.MinInterval.String())
	}
	if s.MaxInterval > 0 {
		add("max_interval", s.MaxInterval.String())
	}
	if s.AllUrgent {
		add("all_urgent", "true")
	}
	add("item", s.Item)
	add("text", s.Text)
	add("link", s.Link)
	add("marker", s.Marker)
	add("image", s.Image)
	add("lang", s.Lang)
	add("charset", s.Charset)
	if s.MaxBytes > 0 {
		add("max_bytes", strconv.FormatInt(s.MaxBytes, 10))
	}
	add("markers", strings.Join(s.Markers, ", "))
	if s.Paused {
		add("paused", "true")
	}
	return out
}

// replyProblems answers with every problem, one a line.
func (b *Bot) replyProblems(ctx context.Context, c *cmdContext, probs []FieldProblem) error {
	lines := make([]string, len(probs))
	for i, p := range probs {
		if p.Unknown {
			lines[i] = T(c.lang, MsgFeedUnknownField, p.Field)
		} else {
			lines[i] = T(c.lang, MsgFeedBadField, p.Field, p.Reason)
		}
	}
	return b.replyLines(ctx, c, "", lines)
}

// parseSourceArgs reads "FIRST [key=value…]": the first positional
// argument and the fields. ok is false when the admin was already
// answered (bad quoting, no or several positional arguments).
func (b *Bot) parseSourceArgs(ctx context.Context, c *cmdContext, usage MsgID) (first string, kv map[string]string, ok bool, err error) {
	pos, kv, perr := c.cmd.KeyValues()
	if perr != nil {
		return "", nil, false, b.reply(ctx, c, ArgsErrorMessage(c.lang, perr))
	}
	if len(pos) != 1 {
		return "", nil, false, b.reply(ctx, c, T(c.lang, usage))
	}
	return pos[0], kv, true, nil
}

// cmdSetFeed is /setfeed ID key=value…: validated, live, audited.
func (b *Bot) cmdSetFeed(ctx context.Context, c *cmdContext) error {
	id, kv, ok, err := b.parseSourceArgs(ctx, c, MsgUsageSetFeed)
	if !ok {
		return err
	}
	if len(kv) == 0 {
		return b.reply(ctx, c, T(c.lang, MsgUsageSetFeed))
	}
	if _, changesID := kv["id"]; changesID {
		return b.reply(ctx, c, T(c.lang, MsgFeedBadField, "id", "the id of a source cannot change; add a new source and delete this one"))
	}
	rec, found, err := b.loadSource(ctx, c, id)
	if !found {
		return err
	}
	src := rec.Source
	if probs := ApplySourceFields(&src, kv); len(probs) > 0 {
		return b.replyProblems(ctx, c, probs)
	}
	src.Normalize()
	if refusal := b.urlRefusal(c.lang, src.URL); refusal != "" {
		return b.reply(ctx, c, refusal)
	}
	if probs := SourceProblems(&src); len(probs) > 0 {
		return b.replyProblems(ctx, c, probs)
	}
	if err := b.ops.Update(ctx, adminID(c), rec.Source, src); err != nil {
		return err
	}
	return b.reply(ctx, c, T(c.lang, MsgFeedUpdated, id))
}

// newSource builds and validates the source of /addfeed and /probe;
// ok is false when the admin was already answered.
func (b *Bot) newSource(ctx context.Context, c *cmdContext, usage MsgID) (src feeds.Source, ok bool, err error) {
	url, kv, ok, err := b.parseSourceArgs(ctx, c, usage)
	if !ok {
		return src, false, err
	}
	src.URL = url
	if probs := ApplySourceFields(&src, kv); len(probs) > 0 {
		return src, false, b.replyProblems(ctx, c, probs)
	}
	if kv["url"] != "" {
		return src, false, b.reply(ctx, c, T(c.lang, usage))
	}
	src.Normalize()
	if refusal := b.urlRefusal(c.lang, src.URL); refusal != "" {
		return src, false, b.reply(ctx, c, refusal)
	}
	if probs := SourceProblems(&src); len(probs) > 0 {
		return src, false, b.replyProblems(ctx, c, probs)
	}
	return src, true, nil
}

// urlRefusal checks a source URL against the fetch policy before anything
// is fetched (feeds.CheckURLPolicy) and returns the refusal to show, or ""
// when the URL may be probed.
func (b *Bot) urlRefusal(lang Lang, url string) string {
	return policyRefusal(lang, url, b.ops.CheckURL(url))
}

// policyRefusal renders a refusal of the fetch policy in the admin's
// words: a private address, however it was reached (written as numbers,
// resolved by DNS, redirected to), is «عنوان داخلي غير مسموح» / "private
// address refused"; a scheme other than http and https (of url or of a
// redirect) is "only http and https"; numbers that make no address are a
// bad url. It returns "" for nil and for any other error.
func policyRefusal(lang Lang, url string, err error) string {
	switch kind, detail := ClassifyRefusal(err); kind {
	case RefusedPrivate:
		return T(lang, MsgPrivateAddress, detail)
	case RefusedScheme:
		return T(lang, MsgOnlyHTTP, url)
	case RefusedAddress:
		return T(lang, MsgFeedBadField, "url", detail)
	}
	return ""
}

// probe polls src once and returns the preview to show and the items
// found, or the reason it cannot be used (already rendered).
func (b *Bot) probe(ctx context.Context, c *cmdContext, src feeds.Source) (preview []string, items []feeds.Item, refusal string) {
	res := b.ops.Probe(ctx, src)
	switch {
	case policyRefusal(c.lang, src.URL, res.Err) != "":
		return nil, nil, policyRefusal(c.lang, src.URL, res.Err)
	case res.Err != nil:
		return nil, nil, T(c.lang, MsgProbeFailed, res.Err)
	case len(res.Items) == 0:
		return nil, nil, T(c.lang, MsgProbeNoItems)
	}
	lines := []string{T(c.lang, MsgProbeHeader, src.URL, len(res.Items))}
	for _, it := range res.Items[:min(probePreview, len(res.Items))] {
		if it.Urgent {
			lines = append(lines, T(c.lang, MsgProbeItemUrgent, it.Title, it.Marker))
		} else {
			lines = append(lines, T(c.lang, MsgProbeItem, it.Title))
		}
	}
	return lines, res.Items, ""
}

// cmdProbe is /probe URL [key=value…]: the preview of /addfeed, without
// adding.
func (b *Bot) cmdProbe(ctx context.Context, c *cmdContext) error {
	src, ok, err := b.newSource(ctx, c, MsgUsageProbe)
	if !ok {
		return err
	}
	preview, _, refusal := b.probe(ctx, c, src)
	if refusal != "" {
		return b.reply(ctx, c, refusal)
	}
	return b.replyLines(ctx, c, "", preview)
}

// cmdAddFeed is /addfeed URL [key=value…]: probed first, refused with the
// reason when it fails or yields nothing, otherwise added live and
// audited. The items the probe found are the source's baseline, recorded
// before it goes live: whatever it publishes after the probe is alerted
// by its first poll, which comes at once.
func (b *Bot) cmdAddFeed(ctx context.Context, c *cmdContext) error {
	src, ok, err := b.newSource(ctx, c, MsgUsageAddFeed)
	if !ok {
		return err
	}
	switch exists, err := b.ops.Exists(ctx, src.ID); {
	case err != nil:
		return err
	case exists:
		return b.reply(ctx, c, T(c.lang, MsgFeedExists, src.ID))
	}
	preview, items, refusal := b.probe(ctx, c, src)
	if refusal != "" {
		return b.reply(ctx, c, T(c.lang, MsgFeedRefused, HTML(refusal)))
	}
	if err := b.ops.Add(ctx, adminID(c), src, items); err != nil {
		return err
	}
	if err := b.replyLines(ctx, c, "", preview); err != nil {
		return err
	}
	return b.reply(ctx, c, T(c.lang, MsgFeedAdded, src.ID))
}

// cmdAudit is /audit [N]: the latest admin changes, newest first.
func (b *Bot) cmdAudit(ctx context.Context, c *cmdContext) error {
	n, ok := countArg(c.cmd.Args, defaultAuditShown, maxAuditShown)
	if !ok {
		return b.reply(ctx, c, T(c.lang, MsgUsageAudit))
	}
	entries, err := b.st.AuditLog(ctx, n)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return b.reply(ctx, c, T(c.lang, MsgAuditEmpty))
	}
	lines := make([]string, 0, 2*len(entries))
	for _, e := range entries {
		lines = append(lines, T(c.lang, MsgAuditLine, e.At.UTC(), e.By, "/"+e.Action, e.Target))
		if e.Before != "" || e.After != "" {
			lines = append(lines, T(c.lang, MsgAuditChange, orDash(e.Before), orDash(e.After)))
		}
	}
	return b.replyLines(ctx, c, T(c.lang, MsgAuditHeader, len(entries)), lines)
}

// cmdDead is /dead [N]: the newest dead letters, the deliveries the
// sender gave up (a 400 from Telegram, or failing past dead_after), with
// why.
func (b *Bot) cmdDead(ctx context.Context, c *cmdContext) error {
	n, ok := countArg(c.cmd.Args, defaultDeadShown, maxDeadShown)
	if !ok {
		return b.reply(ctx, c, T(c.lang, MsgUsageDead))
	}
	entries, err := b.st.DeadLetters(ctx, int64(n))
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return b.reply(ctx, c, T(c.lang, MsgDeadEmpty))
	}
	total, err := b.st.DeadLetterCount(ctx)
	if err != nil {
		return err
	}
	lines := make([]string, 0, len(entries))
	for _, e := range entries {
		d := e.Delivery
		lines = append(lines, T(c.lang, MsgDeadLine, e.At.UTC(), d.ChatID, orDash(d.SourceID), e.Attempts,
			orDash(e.Reason), orDash(tgtext.TruncateRunes(d.Title, deadTitleRunes))))
	}
	return b.replyLines(ctx, c, T(c.lang, MsgDeadHeader, len(entries), total), lines)
}

// countArg reads the optional count of /audit [N] and /dead [N]: def when
// absent, at most most; false when it is not a positive number.
func countArg(args string, def, most int) (int, bool) {
	arg := strings.TrimSpace(args)
	if arg == "" {
		return def, true
	}
	v, ok := parseIndex(arg)
	if !ok || v < 1 {
		return 0, false
	}
	return min(v, most), true
}

// orDash is s, or a dash for nothing.
func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// cmdStats is /stats: subscribers (active, paused, blocked), rules,
// alerts, deliveries (sent and failed) and Telegram errors in the last
// hour and day, the outbox and the dead letters.
func (b *Bot) cmdStats(ctx context.Context, c *cmdContext) error {
	subs, err := b.st.Subscribers(ctx)
	if err != nil {
		return err
	}
	now := b.now()
	var active, paused, blocked, rules int
	for _, s := range subs {
		rules += len(s.Rules)
		switch s.State(now) {
		case store.StateStopped:
			blocked++
		case store.StatePaused:
			paused++
		default:
			active++
		}
	}
	counts, err := b.st.CountsManyAt(ctx, store.Counters(), now)
	if err != nil {
		return err
	}
	depth, pending, err := b.st.OutboxDepth(ctx)
	if err != nil {
		return err
	}
	dead, err := b.st.DeadLetterCount(ctx)
	if err != nil {
		return err
	}
	alerts, sent, failed, tgErrs := counts[store.CounterAlerts], counts[store.CounterDeliveries], counts[store.CounterDeliveriesFailed], counts[store.CounterTelegramErrors]
	return b.reply(ctx, c, T(c.lang, MsgStats, active, paused, blocked, rules,
		alerts[0], alerts[1], sent[0], sent[1], failed[0], failed[1],
		depth, pending, dead, tgErrs[0], tgErrs[1]))
}

// ExportFileName is the name of the document /export sends.
const ExportFileName = "aajil-sources.yaml"

// exportSource is a source as written in the YAML file: the interval as
// a Go duration ("30s"), as people write it, rather than nanoseconds.
type exportSource struct {
	ID          string   `yaml:"id"`
	Name        string   `yaml:"name,omitempty"`
	URL         string   `yaml:"url"`
	Kind        string   `yaml:"kind,omitempty"`
	Interval    string   `yaml:"interval,omitempty"`
	MinInterval string   `yaml:"min_interval,omitempty"`
	MaxInterval string   `yaml:"max_interval,omitempty"`
	AllUrgent   bool     `yaml:"all_urgent,omitempty"`
	Item        string   `yaml:"item,omitempty"`
	Text        string   `yaml:"text,omitempty"`
	Link        string   `yaml:"link,omitempty"`
	Marker      string   `yaml:"marker,omitempty"`
	Image       string   `yaml:"image,omitempty"`
	Lang        string   `yaml:"lang,omitempty"`
	Charset     string   `yaml:"charset,omitempty"`
	MaxBytes    int64    `yaml:"max_bytes,omitempty"`
	Markers     []string `yaml:"markers,omitempty"`
	Paused      bool     `yaml:"paused,omitempty"`
}

// ExportSources renders sources as a YAML document in the format of
// configs/aajil.yaml (a `sources:` list), which configs.Parse reads back.
func ExportSources(srcs []feeds.Source) ([]byte, error) {
	doc := struct {
		Sources []exportSource `yaml:"sources"`
	}{Sources: make([]exportSource, len(srcs))}
	for i, s := range srcs {
		e := exportSource{
			ID: s.ID, Name: s.Name, URL: s.URL, Kind: string(s.Kind), AllUrgent: s.AllUrgent,
			Item: s.Item, Text: s.Text, Link: s.Link, Marker: s.Marker, Image: s.Image, Lang: s.Lang,
			Charset: s.Charset, MaxBytes: s.MaxBytes, Markers: s.Markers, Paused: s.Paused,
		}
		if s.Interval != 0 {
			e.Interval = s.Interval.String()
		}
		if s.MinInterval != 0 {
			e.MinInterval = s.MinInterval.String()
		}
		if s.MaxInterval != 0 {
			e.MaxInterval = s.MaxInterval.String()
		}
		doc.Sources[i] = e
	}
	var buf bytes.Buffer
	buf.WriteString("# Aajil sources, exported by /export. Send this file back to the bot to import it.\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("export sources: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("export sources: %w", err)
	}
	return buf.Bytes(), nil
}

// cmdExport is /export: the current sources as a YAML file.
func (b *Bot) cmdExport(ctx context.Context, c *cmdContext) error {
	recs, err := b.st.Sources(ctx)
	if err != nil {
		return err
	}
	srcs := make([]feeds.Source, len(recs))
	for i, r := range recs {
		srcs[i] = r.Source
	}
	data, err := ExportSources(srcs)
	if err != nil {
		return err
	}
	if err := b.pace(ctx, c.chat.ID); err != nil {
		return err
	}
	doc := tgbotapi.NewDocument(c.chat.ID, tgbotapi.FileBytes{Name: ExportFileName, Bytes: data})
	doc.Caption = T(c.lang, MsgExportCaption, len(srcs))
	doc.ParseMode = tgbotapi.ModeHTML
	if _, err := telegram.WithContext(ctx, b.api).Send(doc); err != nil {
		return fmt.Errorf("send export to %d: %w", c.chat.ID, telegram.RedactToken(err, b.api.Token))
	}
	return nil
}
