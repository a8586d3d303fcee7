package delivery

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/aajil/aajil/store"
)

// What the Sender is given: the adapters of a *store.Store and of a
// *tgbotapi.BotAPI in production, the fakes below in the unit tests.
var (
	_ Store    = RedisStore{}
	_ Store    = (*fakeStore)(nil)
	_ Telegram = (*BotAPI)(nil)
	_ Telegram = (*fakeTelegram)(nil)
)

// fakeStore is an in-memory Store: one outbox of entries split into
// partitions by chat, leases, penalties (no other limit: every send is
// booked at once), subscribers, story messages and counters. Safe for
// concurrent use.
type fakeStore struct {
	parts int

	mu      sync.Mutex
	seq     int
	entries []*fakeEntry  // in id order
	changed chan struct{} // closed and replaced when an entry is added

	sent    map[sentKey]store.SentRecord
	edited  map[string]int // story → messages edited (CountEdits)
	acked   []store.OutboxEntry
	dropped []store.OutboxEntry
	dead    []deadLetter

	holders       map[int]string // partition → lease holder
	leasesChanged chan struct{}  // closed and replaced when holdLease changes a holder
	penalties     map[int64]time.Time
	penalized     []penalty
	subs          map[int64]store.Subscriber
	due           []string
	messages      map[string]*store.StoryMessages
	counts        map[store.Counter]int64
}

// fakeEntry is an outbox entry and its state in the consumer group.
type fakeEntry struct {
	e     store.OutboxEntry
	read  bool      // delivered to a consumer, pending until finished
	owner string    // the consumer it was delivered to
	at    time.Time // when it was delivered or claimed
	done  bool      // acknowledged, dropped or dead-lettered
}

type sentKey struct {
	chat  int64
	story string
}

type deadLetter struct {
	e        store.OutboxEntry
	reason   string
	attempts int
}

type penalty struct {
	chat int64
	d    time.Duration
}

func newFakeStore(parts int) *fakeStore {
	return &fakeStore{
		parts:         parts,
		changed:       make(chan struct{}),
		sent:          map[sentKey]store.SentRecord{},
		holders:       map[int]string{},
		leasesChanged: make(chan struct{}),
		penalties:     map[int64]time.Time{},
		subs:          map[int64]store.Subscriber{},
		messages:      map[string]*store.StoryMessages{},
		counts:        map[store.Counter]int64{},
	}
}

// partitionOf is a chat's partition.
func (f *fakeStore) partitionOf(chat int64) int {
	if chat < 0 {
		chat = -chat
	}
	return int(chat % int64(f.parts))
}

// enqueue adds deliveries to the outbox, in order.
func (f *fakeStore) enqueue(ds ...store.Delivery) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, d := range ds {
		f.seq++
		f.entries = append(f.entries, &fakeEntry{e: store.OutboxEntry{
			ID: fmt.Sprintf("%d-0", f.seq), Partition: f.partitionOf(d.ChatID), Urgent: d.Urgent, Delivery: d,
		}})
	}
	close(f.changed)
	f.changed = make(chan struct{})
}

func (f *fakeStore) subscribe(lang string, ids ...int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range ids {
		f.subs[id] = store.Subscriber{ChatID: id, Lang: lang, Active: true}
	}
}

// pending is the number of entries not finished.
func (f *fakeStore) pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return countFunc(slices.Values(f.entries), func(fe *fakeEntry) bool { return !fe.done })
}

func (f *fakeStore) deadLetters() []deadLetter {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.dead)
}

func (f *fakeStore) penalizedCalls() []penalty {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.penalized)
}

func (f *fakeStore) count(name store.Counter) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[name]
}

func (f *fakeStore) subscriber(id int64) (store.Subscriber, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.subs[id]
	return s, ok
}

func (f *fakeStore) sentRecord(chat int64, story string) (store.SentRecord, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.sent[sentKey{chat, story}]
	return r, ok
}

// holdLease gives partition p's lease to holder ("" frees it).
func (f *fakeStore) holdLease(p int, holder string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.holders[p] = holder
	close(f.leasesChanged)
	f.leasesChanged = make(chan struct{})
}

// scheduleEdit makes a story's edit due.
func (f *fakeStore) scheduleEdit(story string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.due = append(f.due, story)
}

func (f *fakeStore) EnsureOutboxGroups(context.Context) error { return nil }

func (f *fakeStore) ReadPartition(ctx context.Context, p int, consumer string, count int64, block time.Duration) ([]store.OutboxEntry, error) {
	deadline := time.NewTimer(max(block, time.Nanosecond))
	defer deadline.Stop()
	for {
		f.mu.Lock()
		var got []store.OutboxEntry
		for _, fe := range f.entries {
			if fe.e.Partition == p && !fe.read && !fe.done && int64(len(got)) < count {
				fe.read, fe.owner, fe.at = true, consumer, time.Now()
				got = append(got, fe.e)
			}
		}
		changed := f.changed
		if len(got) > 0 || block <= 0 {
			f.mu.Unlock()
			return got, nil
		}
		f.mu.Unlock()
		var err error
		timedOut := false
		select {
		case <-ctx.Done():
			err = ctx.Err()
		case <-deadline.C:
			timedOut = true
		case <-changed:
		}
		if err != nil || timedOut {
			return nil, err
		}
	}
}

func (f *fakeStore) ClaimPartition(_ context.Context, p int, consumer string, minIdle time.Duration, count int64) ([]store.OutboxEntry, int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var got []store.OutboxEntry
	now := time.Now()
	for _, fe := range f.entries {
		if fe.e.Partition == p && fe.read && !fe.done && now.Sub(fe.at) >= minIdle && int64(len(got)) < count {
			fe.owner, fe.at = consumer, now
			got = append(got, fe.e)
		}
	}
	return got, 0, nil
}

// finish marks e done; false when it was already.
func (f *fakeStore) finish(e store.OutboxEntry) bool {
	for _, fe := range f.entries {
		if fe.e.ID == e.ID && !fe.done {
			fe.done = true
			return true
		}
	}
	return false
}

func (f *fakeStore) Sent(_ context.Context, chatID int64, storyID string) (store.SentRecord, bool, error) {
	r, ok := f.sentRecord(chatID, storyID)
	return r, ok, nil
}

func (f *fakeStore) Acknowledge(_ context.Context, e store.OutboxEntry, rec store.SentRecord) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.finish(e) {
		return nil
	}
	f.acked = append(f.acked, e)
	f.sent[sentKey{e.ChatID, e.StoryID}] = rec
	sm := f.messages[e.StoryID]
	if sm == nil {
		base := e.Delivery
		base.ChatID, base.Rule, base.Lang, base.MatchedAt = 0, "", "", time.Time{}
		sm = &store.StoryMessages{Base: base}
		f.messages[e.StoryID] = sm
	}
	sm.Messages = append(sm.Messages, store.StoryMessage{ChatID: rec.ChatID, MessageID: rec.MessageID, SentAt: rec.SentAt, Rule: e.Rule, Lang: e.Lang})
	return nil
}

func (f *fakeStore) Drop(_ context.Context, e store.OutboxEntry) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.finish(e) {
		f.dropped = append(f.dropped, e)
	}
	return nil
}

func (f *fakeStore) DeadLetter(_ context.Context, e store.OutboxEntry, reason string, attempts int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.finish(e) {
		f.dead = append(f.dead, deadLetter{e, reason, attempts})
	}
	return nil
}

func (f *fakeStore) OutboxPartitions() int { return f.parts }

func (f *fakeStore) Heartbeat(_ context.Context, instance string, _ time.Duration) ([]string, error) {
	return []string{instance}, nil
}

func (f *fakeStore) Leave(context.Context, string) error { return nil }

func (f *fakeStore) PartitionLease(p int, holder string, _ time.Duration) Lease {
	return &fakeLease{f: f, p: p, holder: holder}
}

// fakeLease is holder's lease on partition p of a fakeStore: it never
// expires; holdLease takes it from its holder.
type fakeLease struct {
	f      *fakeStore
	p      int
	holder string
}

func (l *fakeLease) Take(context.Context) (int64, time.Duration, error) {
	f := l.f
	f.mu.Lock()
	defer f.mu.Unlock()
	if h := f.holders[l.p]; h != "" && h != l.holder {
		return 0, time.Minute, nil
	}
	f.holders[l.p] = l.holder
	return 1, 0, nil
}

// Keep holds the lease until ctx ends, then releases it; when holdLease
// gives the lease to another, it reports it lost at once.
func (l *fakeLease) Keep(ctx context.Context, onLost func(error)) error {
	f := l.f
	for {
		f.mu.Lock()
		held, changed := f.holders[l.p] == l.holder, f.leasesChanged
		f.mu.Unlock()
		if !held {
			lost := fmt.Errorf("partition %d: %w", l.p, store.ErrLeaseLost)
			onLost(lost)
			return lost
		}
		select {
		case <-ctx.Done():
			f.mu.Lock()
			defer f.mu.Unlock()
			if f.holders[l.p] == l.holder {
				delete(f.holders, l.p)
			}
			return nil
		case <-changed:
		}
	}
}

// ReserveAt books every send at once, unless a penalty (the chat's or
// the global one) runs.
func (f *fakeStore) ReserveAt(_ context.Context, chatID int64, _, _ store.Limit, _ time.Duration) (store.Reservation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	until := f.penalties[chatID]
	if g := f.penalties[0]; g.After(until) {
		until = g
	}
	if until.After(now) {
		return store.Reservation{Wait: until.Sub(now), Now: now, Refused: store.RefusedPenalty}, nil
	}
	return store.Reservation{OK: true, Now: now}, nil
}

func (f *fakeStore) Penalize(_ context.Context, chatID int64, d time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.penalties[chatID] = time.Now().Add(d)
	f.penalized = append(f.penalized, penalty{chatID, d})
	return nil
}

func (f *fakeStore) Subscriber(_ context.Context, chatID int64) (store.Subscriber, error) {
	s, ok := f.subscriber(chatID)
	if !ok {
		return store.Subscriber{}, store.ErrNotFound
	}
	return s, nil
}

func (f *fakeStore) SetActive(_ context.Context, chatID int64, active bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.subs[chatID]
	if !ok {
		return store.ErrNotFound
	}
	s.Active = active
	f.subs[chatID] = s
	return nil
}

func (f *fakeStore) MigrateSubscriber(_ context.Context, from, to int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.subs[from]
	if !ok {
		return store.ErrNotFound
	}
	delete(f.subs, from)
	s.ChatID = to
	f.subs[to] = s
	return nil
}

func (f *fakeStore) DueEdits(_ context.Context, _ time.Time, count int64) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := min(int(count), len(f.due))
	due := slices.Clone(f.due[:n])
	f.due = f.due[n:]
	return due, nil
}

func (f *fakeStore) CountEdits(_ context.Context, storyID string, chats []int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.edited == nil {
		f.edited = map[string]int{}
	}
	f.edited[storyID] += len(chats)
	return nil
}

func (f *fakeStore) StoryMessages(_ context.Context, storyID string) (store.StoryMessages, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	sm := f.messages[storyID]
	if sm == nil {
		return store.StoryMessages{}, nil
	}
	return store.StoryMessages{Base: sm.Base, Messages: slices.Clone(sm.Messages)}, nil
}

func (f *fakeStore) Add(_ context.Context, name store.Counter, n int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.counts[name] += n
	return nil
}

// fakeTelegram is an in-memory Telegram: it records the messages sent
// and edited, and answers with the errors a test queues. Safe for
// concurrent use.
type fakeTelegram struct {
	mu       sync.Mutex
	nextID   int
	calls    []tgCall               // every sendMessage, answered or not
	sent     map[int64][]*sentMsg   // messages by chat, in order
	byID     map[int]*sentMsg       // messages by id
	failNext map[int64][]error      // the next answers to a chat
	editFail []error                // the next answers to editMessageText
	edits    []int                  // ids of the messages edited
	hook     func(chat int64) error // when set, called before each send
}

// tgCall is one sendMessage or sendPhoto and its answer.
type tgCall struct {
	chat  int64
	photo string // the picture of a sendPhoto
	at    time.Time
	err   error
}

// sentMsg is a message in a chat.
type sentMsg struct {
	Message
	id    int
	edits int
}

func newFakeTelegram() *fakeTelegram {
	return &fakeTelegram{sent: map[int64][]*sentMsg{}, byID: map[int]*sentMsg{}, failNext: map[int64][]error{}}
}

// failChat queues answers to the next sends to chat.
func (f *fakeTelegram) failChat(chat int64, errs ...error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failNext[chat] = append(f.failNext[chat], errs...)
}

// failEdits queues answers to the next edits.
func (f *fakeTelegram) failEdits(errs ...error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.editFail = append(f.editFail, errs...)
}

func (f *fakeTelegram) SendMessage(ctx context.Context, m Message) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c := tgCall{chat: m.ChatID, photo: m.Photo, at: time.Now()}
	if q := f.failNext[m.ChatID]; len(q) > 0 {
		c.err = q[0]
		f.failNext[m.ChatID] = q[1:]
		f.calls = append(f.calls, c)
		return 0, c.err
	}
	f.calls = append(f.calls, c)
	f.nextID++
	sm := &sentMsg{Message: m, id: f.nextID}
	f.sent[m.ChatID] = append(f.sent[m.ChatID], sm)
	f.byID[sm.id] = sm
	return sm.id, nil
}

// SendPhoto records a photo as SendMessage records a text: m.Photo is
// set, m.Text is its caption.
func (f *fakeTelegram) SendPhoto(ctx context.Context, m Message) (int, error) {
	return f.SendMessage(ctx, m)
}

func (f *fakeTelegram) EditMessage(ctx context.Context, messageID int, m Message) error {
	return f.edit(ctx, messageID, m, false)
}

func (f *fakeTelegram) EditCaption(ctx context.Context, messageID int, m Message) error {
	return f.edit(ctx, messageID, m, true)
}

// edit replaces a message's text, or a photo's caption; as Telegram, it
// refuses to edit the text of a photo or the caption of a text.
func (f *fakeTelegram) edit(ctx context.Context, messageID int, m Message, caption bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.editFail) > 0 {
		err := f.editFail[0]
		f.editFail = f.editFail[1:]
		return err
	}
	sm := f.byID[messageID]
	if sm == nil || sm.ChatID != m.ChatID {
		return &tgbotapi.Error{Code: 400, Message: "Bad Request: message to edit not found"}
	}
	if isPhoto := sm.Photo != ""; isPhoto != caption {
		return &tgbotapi.Error{Code: 400, Message: "Bad Request: there is no text (or caption) in the message to edit"}
	}
	sm.Text = m.Text
	sm.edits++
	f.edits = append(f.edits, messageID)
	return nil
}

// texts are the texts sent to chat, in order.
func (f *fakeTelegram) texts(chat int64) []string {
	var ts []string
	for _, m := range f.messages(chat) {
		ts = append(ts, m.Text)
	}
	return ts
}

// messages are copies of the messages sent to chat.
func (f *fakeTelegram) messages(chat int64) []sentMsg {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ms []sentMsg
	for _, m := range f.sent[chat] {
		ms = append(ms, *m)
	}
	return ms
}

// callsTo are the sendMessage and sendPhoto calls to chat.
func (f *fakeTelegram) callsTo(chat int64) []tgCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var cs []tgCall
	for _, c := range f.calls {
		if c.chat == chat {
			cs = append(cs, c)
		}
	}
	return cs
}

// unit is a Sender on the fakes.
type unit struct {
	t  *testing.T
	st *fakeStore
	tg *fakeTelegram
	m  *testMetrics
	s  *Sender
}

// newUnit returns a Sender on fakes, with opts completed for tests, not
// yet running.
func newUnit(t *testing.T, parts int, opts Options) *unit {
	u := &unit{t: t, st: newFakeStore(parts), tg: newFakeTelegram(), m: newTestMetrics()}
	opts.Instance = cmp.Or(opts.Instance, "unit")
	opts.LeaseTTL = cmp.Or(opts.LeaseTTL, 300*time.Millisecond)
	if opts.SourceName == nil {
		opts.SourceName = testSourceName
	}
	opts.Logger = slog.New(slog.DiscardHandler)
	opts.Metrics = u.m
	u.s = New(u.tg, u.st, opts)
	return u
}

// start runs the Sender until the test ends or stop is called.
func (u *unit) start() (stop func() time.Duration) { return runSender(u.t, u.s) }
