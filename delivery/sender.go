package bot

import (
	"cmp"
	"container/heap"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/aajil/aajil/alerts"
	"github.com/aajil/aajil/store"
)

// Defaults of SenderOptions.
const (
	DefaultSenderWorkers     = 16
	DefaultMaxAhead          = time.Second
	DefaultDeadAfter         = 6 * time.Hour
	DefaultEditMaxAge        = time.Hour
	DefaultEditInterval      = 5 * time.Second
	DefaultPartitionLeaseTTL = 10 * time.Second
	DefaultClaimIdle         = 30 * time.Second
)

// Default limits, with margins under Telegram's 30 messages a second
// overall, about one a second per private chat and 20 a minute per group
// or channel. Telegram counts arrivals over windows we cannot see, and a
// send reaches it some milliseconds after its booked slot, more or less
// late each time: slots 35 ms apart (28.5/s) absorb 50 ms of such jitter
// over any second, where 33.3 ms would absorb none. A 429 costs far more
// than the margin (docs/BENCHMARKS.md).
const (
	// DefaultGlobalInterval is the gap between two sends of all
	// instances together (28.5 messages a second), with no burst.
	DefaultGlobalInterval = time.Second * 1000 / 28500
	// DefaultPrivateInterval is the gap between two messages to one
	// private chat, with no burst.
	DefaultPrivateInterval = 1100 * time.Millisecond
	// DefaultGroupInterval and DefaultGroupBurst allow a group or channel
	// 4 messages at once, then one every 4 s: at most 19 in any minute.
	DefaultGroupInterval = 4 * time.Second
	DefaultGroupBurst    = 4
)

const (
	// sendTimeout bounds one call to Telegram. A send that times out is
	// ambiguous (it may have been delivered) and is retried.
	sendTimeout = 10 * time.Second
	// drainTimeout is how long in-flight sends may go on after shutdown
	// began; after it their requests are cancelled and their entries,
	// still pending in Redis, are handed back to the next owner.
	drainTimeout = 8 * time.Second
	// readAhead bounds the entries of one partition held in memory.
	readAhead = 500
	// readBatch is the most entries read or claimed in one call.
	readBatch = 100
	// readBlock is how long a partition read waits for new entries.
	readBlock = time.Second
	// takeoverIdle is the idle time after which a newly acquired
	// partition's pending entries are claimed: anything its previous
	// owner read and did not finish.
	takeoverIdle = time.Second
	// settleClaim is when a newly acquired partition is claimed again,
	// for entries its previous owner read in its last second.
	settleClaim = 2 * time.Second
	// redisRetry is how long a chat waits after a Redis error.
	redisRetry = time.Second
	// backoffMin and backoffMax bound the retry delay after a 5xx or
	// a timeout: it doubles from the first to the second.
	backoffMin = time.Second
	backoffMax = 5 * time.Minute
	// globalRetryAfter is the shortest 429 retry_after taken to mean
	// that the bot as a whole is throttled rather than one chat.
	globalRetryAfter = 5 * time.Second
	// globalFloodChats 429s for different chats within globalFloodWindow
	// also mean a global throttle.
	globalFloodChats  = 3
	globalFloodWindow = time.Second
	// subscriberCacheTTL is how long a loaded subscriber is trusted: a
	// fan-out sends many entries to one chat within seconds at most,
	// and a /stop is seen this much later at worst.
	subscriberCacheTTL = 3 * time.Second
	// replyMaxAhead is how far ahead a command reply may book the global
	// limit: alerts book at most MaxAhead ahead, so a reply never waits
	// much longer than that behind a fan-out.
	replyMaxAhead = 10 * time.Second
)

// SenderMetrics receives what the sender observes. Implementations must
// be safe for concurrent use.
type SenderMetrics interface {
	// Delivered counts a delivery's outcome: "sent", "duplicate_skipped",
	// "blocked", "migrated", "dead", "dropped" or "retry".
	Delivered(outcome string)
	// RateLimited counts a 429 answer, global or for one chat.
	RateLimited(global bool)
	// Latency observes a sent alert: from when it was matched (firstSeen)
	// and from when its source published it, to Telegram's confirmation.
	Latency(firstSeen, published, confirmed time.Time)
	// Edited counts an "also reported by" edit's outcome: "edited",
	// "unchanged", "too_old" or "failed".
	Edited(outcome string)
	// TelegramError counts a failed call by its error code; 0 for no
	// answer (a timeout or a connection error).
	TelegramError(code int)
	// PartitionsHeld reports how many outbox partitions this instance
	// consumes, after each round of its leases.
	PartitionsHeld(n int)
}

// StoryGetter reads a story with its later sources (a *store.Stories).
type StoryGetter interface {
	Get(ctx context.Context, storyID string) (store.StoryRecord, error)
}

// SenderOptions configures a Sender. Zero fields take the defaults.
type SenderOptions struct {
	// Instance names this process: its consumer name in the outbox
	// groups and its name on partition leases. It must be unique among
	// the instances sharing a Redis.
	Instance string
	// Workers is the number of concurrent sends; DefaultSenderWorkers.
	Workers int
	// Global, Private and Group are the send limits: overall, per private
	// chat, per group or channel (a negative chat id). The zero Limit
	// takes DefaultGlobalInterval, DefaultPrivateInterval and
	// DefaultGroupInterval/DefaultGroupBurst.
	Global, Private, Group store.Limit
	// MaxAhead is how far ahead of time an alert may book the global
	// limit; DefaultMaxAhead. It is also about the longest a command
	// reply waits behind a fan-out.
	MaxAhead time.Duration
	// DeadAfter is how long after it was matched a delivery that keeps
	// failing (5xx, timeouts) goes to the dead-letter stream;
	// DefaultDeadAfter.
	DeadAfter time.Duration
	// Location is the time zone of alert times; Asia/Damascus when nil.
	Location *time.Location
	// LinkPreview turns on Telegram's link previews in alerts.
	LinkPreview bool
	// EditMaxAge: only messages younger than this get "also reported
	// by" edits; DefaultEditMaxAge.
	EditMaxAge time.Duration
	// EditInterval is how often a message may be edited (the delay
	// the pipeline gives store.ScheduleEdit); the later sources of a
	// story are cached for rendering for half of it. DefaultEditInterval.
	EditInterval time.Duration
	// LeaseTTL is the partition lease's lifetime, renewed every third of
	// it; DefaultPartitionLeaseTTL. A dead instance's partitions are taken over
	// after at most this long.
	LeaseTTL time.Duration
	// ClaimIdle is how long an entry may stay pending before a safety
	// claim takes it over; DefaultClaimIdle.
	ClaimIdle time.Duration
	// SourceName gives the display name of a source id; the id when nil.
	SourceName func(id string) string
	// Stories, when set, is where later sources of a story are read:
	// by the "also reported by" editor, and at send time so that an
	// alert sent late already names them.
	Stories StoryGetter
	// Metrics receives counts and latencies; may be nil.
	Metrics SenderMetrics
	// Logger receives errors; slog.Default() when nil.
	Logger *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

func (o SenderOptions) withDefaults() SenderOptions {
	if o.Instance == "" {
		o.Instance = "sender"
	}
	if o.Workers <= 0 {
		o.Workers = DefaultSenderWorkers
	}
	if o.Global == (store.Limit{}) {
		o.Global = store.Limit{Interval: DefaultGlobalInterval, Burst: 1}
	}
	if o.Private == (store.Limit{}) {
		o.Private = store.Limit{Interval: DefaultPrivateInterval, Burst: 1}
	}
	if o.Group == (store.Limit{}) {
		o.Group = store.Limit{Interval: DefaultGroupInterval, Burst: DefaultGroupBurst}
	}
	if o.MaxAhead <= 0 {
		o.MaxAhead = DefaultMaxAhead
	}
	if o.DeadAfter <= 0 {
		o.DeadAfter = DefaultDeadAfter
	}
	if o.EditMaxAge <= 0 {
		o.EditMaxAge = DefaultEditMaxAge
	}
	if o.EditInterval <= 0 {
		o.EditInterval = DefaultEditInterval
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = DefaultPartitionLeaseTTL
	}
	if o.ClaimIdle <= 0 {
		o.ClaimIdle = DefaultClaimIdle
	}
	if o.SourceName == nil {
		o.SourceName = func(id string) string { return id }
	}
	if o.Metrics == nil {
		o.Metrics = noMetrics{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

type noMetrics struct{}

func (noMetrics) Delivered(string)                        {}
func (noMetrics) RateLimited(bool)                        {}
func (noMetrics) Latency(time.Time, time.Time, time.Time) {}
func (noMetrics) Edited(string)                           {}
func (noMetrics) TelegramError(int)                       {}
func (noMetrics) PartitionsHeld(int)                      {}

// Sender delivers the outbox to Telegram.
//
// The outbox is split into partitions (store.OutboxPartitions), each
// consumed by one instance at a time under a lease, so that a chat (which
// always maps to one partition) is served by one instance and its alerts
// go out in order. Live instances share the partitions fairly: each takes
// up to ceil(partitions/instances) and gives back what exceeds that when
// another instance joins; a dead instance's leases expire and its
// partitions, with their pending entries, are taken over.
//
// In memory, entries wait in per-chat FIFO queues, one per priority class;
// chats with urgent entries are served before the others, and a chat has
// at most one send in flight. A chat that must wait (its rate limit, a
// 429, a backoff after a failure) holds its later entries while other
// chats go on. Entries are acknowledged in Redis only after Telegram
// confirmed the send, so whatever is in memory when an instance dies or
// loses a lease is still pending there for the next owner.
type Sender struct {
	api  *tgbotapi.BotAPI
	st   *store.Store
	opts SenderOptions
	log  *slog.Logger
	now  func() time.Time
	// paid: alerts are sent with allow_paid_broadcast (the global limit
	// is above FreeBroadcastRate).
	paid bool

	mu          sync.Mutex
	wake        chan struct{} // closed and replaced when work may be ready
	chats       map[int64]*chatQueue
	ready       [2][]*chatQueue // urgent, normal: chats with a ready head
	timers      timerHeap       // chats waiting until a time
	parts       map[int]*partition
	migrated    map[int64]int64 // old group id → supergroup id
	globalUntil time.Time       // a global 429 penalty ends
	flood       []chatAt        // recent per-chat 429s
	// unacked are entries sent whose acknowledgement Redis refused: only
	// the acknowledgement is retried, also when their partition is lost
	// meanwhile (a Redis outage fails its lease) and this instance claims
	// them again, so they are not sent twice. Bounded by maxUnacked.
	unacked map[unackedKey]store.SentRecord

	subsMu sync.Mutex
	subs   map[int64]cachedSub

	storiesMu sync.Mutex
	stories   map[string]cachedNames

	countsMu sync.Mutex
	counts   map[string]int64

	redisDown atomic.Bool
}

// chatAt is a chat's 429 at a time.
type chatAt struct {
	chat int64
	at   time.Time
}

// Priority classes, indexes of the per-chat queues.
const (
	classUrgent = 0
	classNormal = 1
)

// chatQueue is one chat's entries in memory.
type chatQueue struct {
	id        int64
	q         [2][]*item
	busy      bool      // a worker has cur
	cur       *item     // the entry a worker holds, nil when not busy
	notBefore time.Time // the chat waits until then
	timerAt   time.Time // the chat is on the timer heap for then
	inReady   [2]bool   // queued in s.ready[class]
}

func (c *chatQueue) empty() bool { return len(c.q[0]) == 0 && len(c.q[1]) == 0 }

// head is the chat's next entry: urgent first.
func (c *chatQueue) head() *item {
	for _, q := range c.q {
		if len(q) > 0 {
			return q[0]
		}
	}
	return nil
}

// item is an outbox entry in memory.
type item struct {
	e        store.OutboxEntry
	part     *partition
	attempts int // failed sends (5xx, timeouts)
	// lastErr is the last send failure, for the dead letter.
	lastErr string
}

func (it *item) class() int {
	if it.e.Urgent {
		return classUrgent
	}
	return classNormal
}

// partition is an outbox partition this instance holds the lease of.
type partition struct {
	id int
	// lost: the lease is gone (renewal failed) or being given back;
	// nothing more is read or sent from it.
	lost bool
	// releasing: given back once inflight reaches 0.
	releasing bool
	known     map[entryKey]bool // the entries in memory
	inflight  int               // entries a worker holds
	stop      chan struct{}     // closed when lost
	done      chan struct{}     // closed when the reader returned
}

type cachedSub struct {
	sub   store.Subscriber
	found bool
	at    time.Time
}

type cachedNames struct {
	names []string
	at    time.Time
}

// NewSender returns a Sender that sends through api the deliveries queued
// in st's outbox.
func NewSender(api *tgbotapi.BotAPI, st *store.Store, opts SenderOptions) *Sender {
	opts = opts.withDefaults()
	return &Sender{
		api:      api,
		st:       st,
		opts:     opts,
		paid:     paidBroadcast(opts.Global),
		log:      opts.Logger,
		now:      opts.Now,
		wake:     make(chan struct{}),
		chats:    map[int64]*chatQueue{},
		parts:    map[int]*partition{},
		migrated: map[int64]int64{},
		unacked:  map[unackedKey]store.SentRecord{},
		subs:     map[int64]cachedSub{},
		stories:  map[string]cachedNames{},
		counts:   map[string]int64{},
	}
}

// Run delivers until ctx is done. Then it stops reading and taking
// entries, gives sends in flight until 8 s after shutdown began to
// finish (the entries of those cut short stay pending for the next
// owner), gives its partition leases back and returns nil, within 10 s.
// Redis errors do not stop it: it logs them once per outage and retries.
func (s *Sender) Run(ctx context.Context) error {
	// hard outlives ctx by drainTimeout: in-flight work finishes with it.
	hard, cancelHard := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelHard()
	stopHard := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(drainTimeout, cancelHard)
		context.AfterFunc(hard, func() { t.Stop() })
	})
	defer stopHard()

	for {
		err := s.st.EnsureOutboxGroups(ctx)
		if err == nil {
			s.redisUp()
			break
		}
		s.redisError("create outbox groups", err)
		if !sleepCtx(ctx, redisRetry) {
			return nil
		}
	}

	var workers sync.WaitGroup
	for range s.opts.Workers {
		workers.Add(1)
		go func() {
			defer workers.Done()
			s.work(ctx, hard)
		}()
	}
	workersDone := make(chan struct{})
	go func() {
		workers.Wait()
		close(workersDone)
	}()
	editorDone := make(chan struct{})
	go func() {
		defer close(editorDone)
		s.runEditor(ctx)
	}()

	s.leaseLoop(ctx, hard, workersDone)

	<-editorDone
	s.shutdown(hard)
	return nil
}

// shutdown wakes the workers, gives every lease back and leaves the
// instances set. The partition readers have stopped or stop within
// readBlock; they read nothing more into memory.
func (s *Sender) shutdown(hard context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(hard), time.Second)
	defer cancel()
	s.mu.Lock()
	ids := make([]int, 0, len(s.parts))
	for id, p := range s.parts {
		s.abandonLocked(p)
		ids = append(ids, id)
	}
	s.mu.Unlock()
	for _, id := range ids {
		if err := s.st.ReleasePartition(ctx, id, s.opts.Instance); err != nil {
			s.log.Warn("sender: release partition", slog.Int("partition", id), slog.Any("error", err))
		}
	}
	if err := s.st.Leave(ctx, s.opts.Instance); err != nil {
		s.log.Warn("sender: leave", slog.Any("error", err))
	}
	s.flushCounts(ctx)
}

// leaseLoop keeps this instance's fair share of partitions, renewing their
// leases every LeaseTTL/3. After ctx is done it acquires nothing more but
// keeps renewing until the workers are done, so that no other instance
// takes an entry still being sent.
func (s *Sender) leaseLoop(ctx, hard context.Context, workersDone <-chan struct{}) {
	tick := time.NewTicker(max(s.opts.LeaseTTL/3, 10*time.Millisecond))
	defer tick.Stop()
	for {
		s.leaseRound(ctx, hard)
		select {
		case <-workersDone:
			return
		case <-hard.Done():
			return
		case <-tick.C:
		}
	}
}

// leaseRound is one round of leaseLoop.
func (s *Sender) leaseRound(ctx, hard context.Context) {
	rctx, cancel := context.WithTimeout(hard, s.opts.LeaseTTL/3+time.Second)
	defer cancel()
	s.flushCounts(rctx)
	shutting := ctx.Err() != nil

	live, err := s.st.Heartbeat(rctx, s.opts.Instance, s.opts.LeaseTTL)
	if err != nil {
		s.redisError("heartbeat", err)
	}
	// Renew what is held; a failed renewal is a lost partition.
	s.mu.Lock()
	held := make([]*partition, 0, len(s.parts))
	for _, p := range s.parts {
		held = append(held, p)
	}
	s.mu.Unlock()
	for _, p := range held {
		ok, err := s.st.AcquirePartition(rctx, p.id, s.opts.Instance, s.opts.LeaseTTL)
		if err != nil {
			s.redisError("renew partition lease", err)
		}
		if err == nil && !ok {
			s.log.Warn("sender: partition lease lost", slog.Int("partition", p.id))
		}
		if err != nil || !ok {
			s.mu.Lock()
			s.abandonLocked(p)
			delete(s.parts, p.id)
			s.mu.Unlock()
		}
	}
	s.releaseGivenBack(rctx)
	defer func() { s.opts.Metrics.PartitionsHeld(s.partitionsHeld()) }()
	if shutting || err != nil || len(live) == 0 {
		return
	}

	total := s.st.OutboxPartitions()
	n := len(live)
	fair := (total + n - 1) / n
	me := max(slices.Index(live, s.opts.Instance), 0)

	s.mu.Lock()
	var active []*partition
	for _, p := range s.parts {
		if !p.releasing {
			active = append(active, p)
		}
	}
	// Give back the excess: the highest ids, so that instances agree
	// roughly on who keeps what.
	slices.SortFunc(active, func(a, b *partition) int { return cmp.Compare(a.id, b.id) })
	for len(active) > fair {
		p := active[len(active)-1]
		active = active[:len(active)-1]
		s.abandonLocked(p)
		p.releasing = true
		s.log.Info("sender: giving partition back", slog.Int("partition", p.id), slog.Int("instances", n))
	}
	have := len(active)
	s.mu.Unlock()
	// What is given back with nothing in flight is free for the others
	// now, not a round later.
	s.releaseGivenBack(rctx)

	// Take free ones, starting at this instance's slice of the
	// partitions so that instances starting together rarely collide.
	for i := 0; i < total && have < fair; i++ {
		id := (me*fair + i) % total
		s.mu.Lock()
		_, mine := s.parts[id]
		s.mu.Unlock()
		if mine {
			continue
		}
		ok, err := s.st.AcquirePartition(rctx, id, s.opts.Instance, s.opts.LeaseTTL)
		if err != nil {
			s.redisError("acquire partition lease", err)
			return
		}
		if !ok {
			continue
		}
		have++
		p := &partition{id: id, known: map[entryKey]bool{}, stop: make(chan struct{}), done: make(chan struct{})}
		s.mu.Lock()
		s.parts[id] = p
		s.mu.Unlock()
		go func() {
			defer close(p.done)
			s.readPartition(ctx, p)
		}()
	}
}

// releaseGivenBack releases the leases of the partitions given back whose
// in-flight work is done.
func (s *Sender) releaseGivenBack(ctx context.Context) {
	s.mu.Lock()
	var free []int
	for id, p := range s.parts {
		if p.releasing && p.inflight == 0 {
			free = append(free, id)
			delete(s.parts, id)
		}
	}
	s.mu.Unlock()
	for _, id := range free {
		if err := s.st.ReleasePartition(ctx, id, s.opts.Instance); err != nil {
			s.redisError("release partition", err)
		}
	}
}

// partitionsHeld counts the partitions this instance consumes.
func (s *Sender) partitionsHeld() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, p := range s.parts {
		if !p.releasing {
			n++
		}
	}
	return n
}

// abandonLocked stops partition p: its reader stops, its queued entries
// are forgotten (they stay pending in Redis for the next owner) and
// nothing more of it is sent. Entries a worker holds finish. s.mu held.
func (s *Sender) abandonLocked(p *partition) {
	if p.lost {
		return
	}
	p.lost = true
	close(p.stop)
	for id, c := range s.chats {
		for class := range c.q {
			c.q[class] = slices.DeleteFunc(c.q[class], func(it *item) bool {
				// The item a worker holds stays, so that the worker finds it.
				return it.part == p && it != c.cur
			})
		}
		if c.empty() && !c.busy {
			delete(s.chats, id)
		}
	}
	clear(p.known)
}

// readPartition feeds partition p's entries into the chat queues until p
// is lost or ctx is done: first everything pending (a previous owner's),
// then new entries, with at most readAhead in memory.
func (s *Sender) readPartition(ctx context.Context, p *partition) {
	claimMore := true
	minIdle := takeoverIdle
	nextClaim := s.now().Add(settleClaim)
	settled := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.stop:
			return
		default:
		}
		s.mu.Lock()
		room := readAhead - len(p.known)
		s.mu.Unlock()
		if room <= 0 {
			if !sleepStop(ctx, p.stop, 50*time.Millisecond) {
				return
			}
			continue
		}
		n := int64(min(room, readBatch))
		if !claimMore && !s.now().Before(nextClaim) {
			claimMore = true
			if settled {
				minIdle = s.opts.ClaimIdle
			}
			settled = true
			nextClaim = s.now().Add(max(s.opts.ClaimIdle/2, settleClaim))
		}
		var entries []store.OutboxEntry
		var err error
		if claimMore {
			var dropped int
			entries, dropped, err = s.st.ClaimPartition(ctx, p.id, s.opts.Instance, minIdle, n)
			if err == nil && int64(len(entries)+dropped) < n {
				claimMore = false
			}
		} else {
			entries, err = s.st.ReadPartition(ctx, p.id, s.opts.Instance, n, readBlock)
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			s.redisError("read outbox", err)
			if !sleepStop(ctx, p.stop, redisRetry) {
				return
			}
			continue
		}
		s.redisUp()
		s.add(p, entries)
	}
}

// add queues entries of partition p, each in its chat's queue in stream
// order (a claimed entry may be older than one read before it).
func (s *Sender) add(p *partition, entries []store.OutboxEntry) {
	if len(entries) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.lost {
		return
	}
	for _, e := range entries {
		k := keyOf(e)
		if p.known[k] {
			continue
		}
		p.known[k] = true
		it := &item{e: e, part: p}
		c := s.chats[e.ChatID]
		if c == nil {
			c = &chatQueue{id: e.ChatID}
			s.chats[e.ChatID] = c
		}
		class := it.class()
		q := c.q[class]
		i := len(q)
		// Never before the entry in flight: it is going out already.
		for i > 0 && streamIDLess(e.ID, q[i-1].e.ID) && q[i-1] != c.cur {
			i--
		}
		c.q[class] = slices.Insert(q, i, it)
		s.scheduleLocked(c, s.now())
	}
}

// entryKey identifies an entry of a partition: ids are unique within
// one stream only.
type entryKey struct {
	urgent bool
	id     string
}

func keyOf(e store.OutboxEntry) entryKey { return entryKey{e.Urgent, e.ID} }

// streamIDLess compares two Redis stream ids ("ms-seq").
func streamIDLess(a, b string) bool {
	am, as, _ := strings.Cut(a, "-")
	bm, bs, _ := strings.Cut(b, "-")
	ai, _ := strconv.ParseUint(am, 10, 64)
	bi, _ := strconv.ParseUint(bm, 10, 64)
	if ai != bi {
		return ai < bi
	}
	aj, _ := strconv.ParseUint(as, 10, 64)
	bj, _ := strconv.ParseUint(bs, 10, 64)
	return aj < bj
}

// scheduleLocked puts c in the ready lists if its head may be sent now,
// or on the timer heap if it waits. s.mu held.
func (s *Sender) scheduleLocked(c *chatQueue, now time.Time) {
	if c.busy || c.empty() {
		return
	}
	if now.Before(c.notBefore) {
		if !c.timerAt.Equal(c.notBefore) {
			c.timerAt = c.notBefore
			heap.Push(&s.timers, timer{at: c.notBefore, chat: c})
		}
		return
	}
	for class := range c.q {
		if len(c.q[class]) > 0 && !c.inReady[class] {
			c.inReady[class] = true
			s.ready[class] = append(s.ready[class], c)
		}
	}
	s.wakeLocked()
}

func (s *Sender) wakeLocked() {
	close(s.wake)
	s.wake = make(chan struct{})
}

// next hands a worker the next chat whose head may be sent, marking the
// chat busy; nil when ctx is done.
func (s *Sender) next(ctx context.Context) (*chatQueue, *item) {
	for {
		s.mu.Lock()
		now := s.now()
		for len(s.timers) > 0 && !s.timers[0].at.After(now) {
			t := heap.Pop(&s.timers).(timer)
			if s.chats[t.chat.id] == t.chat {
				s.scheduleLocked(t.chat, now)
			}
		}
		wait := time.Second
		if len(s.timers) > 0 {
			wait = min(wait, s.timers[0].at.Sub(now))
		}
		if now.Before(s.globalUntil) {
			wait = min(wait, s.globalUntil.Sub(now))
		} else {
			for class := range s.ready {
				for len(s.ready[class]) > 0 {
					c := s.ready[class][0]
					s.ready[class][0] = nil
					s.ready[class] = s.ready[class][1:]
					c.inReady[class] = false
					if c.busy || c.empty() || now.Before(c.notBefore) || s.chats[c.id] != c {
						continue
					}
					c.busy = true
					it := c.head()
					c.cur = it
					it.part.inflight++
					s.mu.Unlock()
					return c, it
				}
			}
		}
		ch := s.wake
		s.mu.Unlock()
		t := time.NewTimer(max(wait, time.Millisecond))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, nil
		case <-ch:
		case <-t.C:
		}
		t.Stop()
	}
}

// outcome is what becomes of a worker's entry.
type outcome int

const (
	// outDone: the entry is finished in Redis (acknowledged, dropped,
	// dead-lettered) or handed back; it leaves memory.
	outDone outcome = iota
	// outRetry: the entry stays at the head of its chat, which waits
	// until item.retryAt.
	outRetry
	// outDropChat: the chat refuses alerts; its other entries are
	// dropped too.
	outDropChat
)

// work is a worker: it sends chats' heads until ctx is done. Its I/O
// uses hard, which outlives ctx by drainTimeout.
func (s *Sender) work(ctx, hard context.Context) {
	for {
		c, it := s.next(ctx)
		if c == nil {
			return
		}
		out, retryAt := s.process(hard, it)
		s.finish(hard, c, it, out, retryAt)
	}
}

// finish applies a worker's outcome to its chat.
func (s *Sender) finish(ctx context.Context, c *chatQueue, it *item, out outcome, retryAt time.Time) {
	var rest []*item
	s.mu.Lock()
	it.part.inflight--
	c.busy = false
	c.cur = nil
	switch out {
	case outDone:
		s.removeLocked(c, it)
	case outRetry:
		if retryAt.After(c.notBefore) {
			c.notBefore = retryAt
		}
	case outDropChat:
		s.removeLocked(c, it)
		for class := range c.q {
			for _, r := range c.q[class] {
				if !r.part.lost { // a lost partition's entries are its next owner's
					rest = append(rest, r)
					delete(r.part.known, keyOf(r.e))
				}
			}
			c.q[class] = nil
		}
	}
	if c.empty() {
		if s.chats[c.id] == c {
			delete(s.chats, c.id)
		}
	} else {
		s.scheduleLocked(c, s.now())
	}
	s.mu.Unlock()
	for _, r := range rest {
		// A failed Drop leaves the entry pending; a safety claim brings
		// it back and it is dropped then, the chat being inactive.
		if err := s.st.Drop(ctx, r.e); err != nil {
			s.redisError("drop delivery", err)
			continue
		}
		s.opts.Metrics.Delivered("dropped")
	}
}

// removeLocked takes it out of c's queue and its partition. s.mu held.
func (s *Sender) removeLocked(c *chatQueue, it *item) {
	class := it.class()
	if i := slices.Index(c.q[class], it); i >= 0 {
		c.q[class] = slices.Delete(c.q[class], i, i+1)
	}
	if !it.part.lost {
		delete(it.part.known, keyOf(it.e))
	}
}

// process carries one entry as far as it goes now.
func (s *Sender) process(ctx context.Context, it *item) (outcome, time.Time) {
	if ctx.Err() != nil || s.isLost(it) {
		return outDone, time.Time{} // handed back: still pending in Redis
	}
	e := &it.e
	if rec, ok := s.unackedRecord(it.e); ok {
		// Sent, but Redis refused the acknowledgement: acknowledge it
		// now (also when its partition was lost and claimed back since).
		return s.acknowledge(ctx, it, rec, "sent")
	}
	target := s.target(e.ChatID)
	sub, found, err := s.subscriber(ctx, target)
	if err != nil {
		s.redisError("load subscriber", err)
		return outRetry, s.now().Add(redisRetry)
	}
	now := s.now()
	if !found || !sub.Active || sub.PausedUntil.After(now) {
		if err := s.st.Drop(ctx, it.e); err != nil {
			s.redisError("drop delivery", err)
			return outRetry, s.now().Add(redisRetry)
		}
		s.opts.Metrics.Delivered("dropped")
		return outDone, time.Time{}
	}
	e.Lang = alertLang(sub.Lang)

	if rec, ok, err := s.st.Sent(ctx, e.ChatID, e.StoryID); err != nil {
		s.redisError("read sent record", err)
		return outRetry, s.now().Add(redisRetry)
	} else if ok {
		return s.acknowledge(ctx, it, rec, "duplicate_skipped")
	}

	r, err := s.st.ReserveAt(ctx, target, s.opts.Global, s.chatLimit(target), s.opts.MaxAhead)
	if err != nil {
		s.redisError("reserve send", err)
		return outRetry, s.now().Add(redisRetry)
	}
	s.redisUp()
	if !r.OK {
		retry := r.Wait
		if r.Refused == store.RefusedGlobal {
			// The global queue is full to MaxAhead: come back when its
			// end is within reach, and keep this worker from spinning on
			// other chats meanwhile.
			retry = max(r.Wait-s.opts.MaxAhead, time.Millisecond)
			sleepCtx(ctx, min(retry, s.opts.Global.Interval))
		}
		return outRetry, s.now().Add(retry)
	}
	if !sleepCtx(ctx, r.Wait) || s.isLost(it) {
		return outDone, time.Time{}
	}
	return s.send(ctx, it, target)
}

// send sends the alert to target and handles Telegram's answer.
func (s *Sender) send(ctx context.Context, it *item, target int64) (outcome, time.Time) {
	e := &it.e
	sctx, cancel := context.WithTimeout(ctx, sendTimeout)
	msg, err := s.sendAlert(sctx, target, s.render(ctx, e))
	cancel()
	now := s.now()
	if err == nil {
		s.count("deliveries", 1)
		s.opts.Metrics.Latency(e.MatchedAt, e.Published, now)
		s.log.Debug("sender: sent", slog.Int64("chat", target), slog.String("story", e.StoryID),
			slog.Duration("since_matched", now.Sub(e.MatchedAt)))
		return s.acknowledge(ctx, it, store.SentRecord{MessageID: msg.MessageID, SentAt: now, ChatID: target}, "sent")
	}
	if ctx.Err() != nil {
		// Shutdown cut the send short: hand the entry back. Telegram
		// may have delivered it; the next owner cannot tell.
		return outDone, time.Time{}
	}
	err = RedactToken(err, s.api.Token)
	var tgErr *tgbotapi.Error
	if !errors.As(err, &tgErr) {
		// Timeouts and connection errors: ambiguous, retried.
		s.opts.Metrics.TelegramError(0)
		return s.retry(ctx, it, err)
	}
	s.count("telegram_errors", 1)
	s.opts.Metrics.TelegramError(tgErr.Code)
	switch {
	case tgErr.Code == http.StatusTooManyRequests || tgErr.RetryAfter > 0:
		return s.rateLimited(ctx, target, tgErr.RetryAfter)
	case tgErr.MigrateToChatID != 0:
		return s.migrate(ctx, target, tgErr.MigrateToChatID)
	case refusesBot(tgErr):
		s.log.Info("sender: chat refuses alerts; deactivated", slog.Int64("chat", target), slog.String("reason", tgErr.Message))
		if err := s.st.SetActive(ctx, target, false); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.redisError("deactivate subscriber", err)
			return outRetry, now.Add(redisRetry)
		}
		s.forgetSubscriber(target)
		s.count("blocked", 1)
		if err := s.st.Drop(ctx, it.e); err != nil {
			s.redisError("drop delivery", err)
			return outRetry, now.Add(redisRetry)
		}
		s.opts.Metrics.Delivered("blocked")
		return outDropChat, time.Time{}
	case tgErr.Code == http.StatusBadRequest:
		// Retrying the same request cannot help (bad HTML, too long…).
		return s.deadLetter(ctx, it, fmt.Sprintf("telegram %d: %s", tgErr.Code, tgErr.Message))
	}
	// 5xx, and 401/404/… that a fixed Telegram or token may cure.
	return s.retry(ctx, it, err)
}

// FreeBroadcastRate is the most messages a second Telegram lets a bot
// send to many chats free of charge. Above it the Sender asks for a paid
// broadcast: Telegram then takes up to 1000 a second and charges Telegram
// Stars from the bot's balance for the messages over the free limit.
const FreeBroadcastRate = 30

// paidBroadcast reports whether the global limit is above
// FreeBroadcastRate, so that alerts must be sent as paid broadcasts.
func paidBroadcast(global store.Limit) bool {
	return global.Interval > 0 && global.Interval < time.Second/FreeBroadcastRate
}

// sendAlert sends one alert with sendMessage. It builds the parameters
// tgbotapi.MessageConfig would (HTML, the link preview setting) and adds
// allow_paid_broadcast when the rate calls for it: the library has no
// field for it, and its Chattable interface has unexported methods, so the
// request goes through MakeRequest, the library's call for raw parameters.
func (s *Sender) sendAlert(ctx context.Context, chatID int64, text string) (tgbotapi.Message, error) {
	p := tgbotapi.Params{}
	p.AddNonZero64("chat_id", chatID)
	p.AddNonEmpty("text", text)
	p.AddNonEmpty("parse_mode", tgbotapi.ModeHTML)
	p.AddBool("disable_web_page_preview", !s.opts.LinkPreview)
	p.AddBool("allow_paid_broadcast", s.paid)
	resp, err := WithContext(ctx, s.api).MakeRequest("sendMessage", p)
	if err != nil {
		return tgbotapi.Message{}, err
	}
	var msg tgbotapi.Message
	if err := json.Unmarshal(resp.Result, &msg); err != nil {
		return tgbotapi.Message{}, fmt.Errorf("decode sendMessage answer: %w", err)
	}
	return msg, nil
}

// refusesBot reports whether Telegram's answer means the chat will not
// take the bot's messages: the user blocked the bot or was deactivated,
// the bot was kicked from the group, or the chat is gone.
func refusesBot(e *tgbotapi.Error) bool {
	if e.Code == http.StatusForbidden {
		return true
	}
	if e.Code != http.StatusBadRequest {
		return false
	}
	msg := strings.ToLower(e.Message)
	for _, s := range []string{"chat not found", "group chat was deactivated", "peer_id_invalid", "user not found", "bot was kicked", "chat_write_forbidden", "not enough rights to send"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// rateLimited handles a 429 for target. Telegram's 429 names no scope;
// it is taken as global (every chat waits) when retry_after is long
// (≥ 5 s: a chat's own flood limit clears within a second or two) or
// when several chats got one within a second; otherwise only the chat
// waits.
func (s *Sender) rateLimited(ctx context.Context, target int64, retryAfter int) (outcome, time.Time) {
	d := time.Duration(max(retryAfter, 1)) * time.Second
	now := s.now()
	s.mu.Lock()
	s.flood = slices.DeleteFunc(s.flood, func(c chatAt) bool { return now.Sub(c.at) > globalFloodWindow || c.chat == target })
	s.flood = append(s.flood, chatAt{target, now})
	global := d >= globalRetryAfter || len(s.flood) >= globalFloodChats
	if global {
		s.globalUntil = now.Add(d)
		s.flood = s.flood[:0]
	}
	s.mu.Unlock()
	s.opts.Metrics.RateLimited(global)
	s.opts.Metrics.Delivered("retry")
	scope := target
	if global {
		scope = 0
	}
	s.log.Warn("sender: rate limited by telegram", slog.Int64("chat", target), slog.Bool("global", global), slog.Duration("retry_after", d))
	if err := s.st.Penalize(ctx, scope, d); err != nil {
		s.redisError("penalize", err)
	}
	return outRetry, now.Add(d)
}

// migrate follows a group's upgrade to a supergroup: the subscriber moves
// and the entry (and later ones of the old id) go to the new id.
func (s *Sender) migrate(ctx context.Context, from, to int64) (outcome, time.Time) {
	if err := s.st.MigrateSubscriber(ctx, from, to); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.redisError("migrate subscriber", err)
		return outRetry, s.now().Add(redisRetry)
	}
	s.log.Info("sender: group migrated", slog.Int64("from", from), slog.Int64("to", to))
	s.mu.Lock()
	s.migrated[from] = to
	s.mu.Unlock()
	s.forgetSubscriber(from)
	s.forgetSubscriber(to)
	s.opts.Metrics.Delivered("migrated")
	return outRetry, time.Time{}
}

// retry schedules another attempt after a failure that may pass, or
// dead-letters the entry when it has failed for longer than DeadAfter.
func (s *Sender) retry(ctx context.Context, it *item, err error) (outcome, time.Time) {
	it.attempts++
	it.lastErr = err.Error()
	now := s.now()
	if !it.e.MatchedAt.IsZero() && now.Sub(it.e.MatchedAt) > s.opts.DeadAfter {
		return s.deadLetter(ctx, it, "gave up: "+it.lastErr)
	}
	s.opts.Metrics.Delivered("retry")
	// Exponential backoff with equal jitter: half the delay fixed, half
	// random, so retries after a shared outage spread out.
	d := backoffMin << min(it.attempts-1, 20)
	d = min(d, backoffMax)
	d = d/2 + rand.N(d/2+1)
	s.log.Debug("sender: send failed; retrying", slog.Int64("chat", it.e.ChatID), slog.Int("attempts", it.attempts),
		slog.Duration("in", d), slog.Any("error", err))
	return outRetry, now.Add(d)
}

// deadLetter moves the entry to the dead-letter stream.
func (s *Sender) deadLetter(ctx context.Context, it *item, reason string) (outcome, time.Time) {
	if err := s.st.DeadLetter(ctx, it.e, reason, it.attempts+1); err != nil {
		s.redisError("dead-letter delivery", err)
		return outRetry, s.now().Add(redisRetry)
	}
	s.log.Warn("sender: delivery dead-lettered", slog.Int64("chat", it.e.ChatID), slog.String("story", it.e.StoryID),
		slog.String("reason", reason))
	s.count("dead_letters", 1)
	s.count("deliveries:failed", 1)
	s.opts.Metrics.Delivered("dead")
	return outDone, time.Time{}
}

// acknowledge records a sent entry. When Redis fails, the record is kept
// (unacked) and only the acknowledgement is retried, also when the
// entry's partition is lost and claimed again meanwhile.
func (s *Sender) acknowledge(ctx context.Context, it *item, rec store.SentRecord, outcomeName string) (outcome, time.Time) {
	k := unackedKey{it.e.Partition, keyOf(it.e)}
	if err := s.st.Acknowledge(ctx, it.e, rec); err != nil {
		s.redisError("acknowledge delivery", err)
		s.mu.Lock()
		if len(s.unacked) < maxUnacked {
			s.unacked[k] = rec
		}
		s.mu.Unlock()
		return outRetry, s.now().Add(redisRetry)
	}
	s.mu.Lock()
	delete(s.unacked, k)
	s.mu.Unlock()
	s.opts.Metrics.Delivered(outcomeName)
	return outDone, time.Time{}
}

// unackedKey identifies an entry across partitions.
type unackedKey struct {
	partition int
	entryKey
}

// maxUnacked bounds the sent records kept for acknowledgements Redis
// refused: far more than the sends in flight when Redis goes away.
const maxUnacked = 10_000

// unackedRecord returns the record of an entry this sender sent but could
// not acknowledge.
func (s *Sender) unackedRecord(e store.OutboxEntry) (store.SentRecord, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.unacked[unackedKey{e.Partition, keyOf(e)}]
	return rec, ok
}

// render renders the entry's alert, naming the story's later sources.
func (s *Sender) render(ctx context.Context, e *store.OutboxEntry) string {
	return alerts.RenderAlert(alerts.AlertMessage{
		Lang:           e.Lang,
		Urgent:         e.Urgent,
		SourceName:     s.opts.SourceName(e.SourceID),
		Title:          e.Title,
		Link:           e.Link,
		Published:      e.Published,
		Rule:           e.Rule,
		AlsoReportedBy: s.laterSources(ctx, e.StoryID, e.SourceID),
	}, alerts.RenderOptions{Location: s.opts.Location})
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
	s.storiesMu.Lock()
	c, ok := s.stories[key]
	s.storiesMu.Unlock()
	if ok && now.Sub(c.at) < s.namesTTL() && now.Sub(c.at) >= 0 {
		return c.names
	}
	rec, err := s.opts.Stories.Get(ctx, storyID)
	var names []string
	if err == nil {
		names = s.sourceNames(rec, shown)
	}
	s.storiesMu.Lock()
	if len(s.stories) > 10_000 {
		for k, v := range s.stories {
			if now.Sub(v.at) >= s.namesTTL() {
				delete(s.stories, k)
			}
		}
	}
	s.stories[key] = cachedNames{names: names, at: now}
	s.storiesMu.Unlock()
	return names
}

// namesTTL is how long a story's later sources are cached for rendering:
// half the edit interval, so that an alert sent after the scheduled edit
// of its story ran (the edit cannot include it) names every source that
// joined before the edit was scheduled.
func (s *Sender) namesTTL() time.Duration { return min(s.opts.EditInterval/2, 2*time.Second) }

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

// alertLang is the alert language for a subscriber's language: Arabic
// or English.
func alertLang(l string) string {
	if Lang(l) == LangAR {
		return string(LangAR)
	}
	return string(LangEN)
}

// Wait books a send to chatID under the shared limits and sleeps until
// its slot: command replies call it before sending, so that they and
// alerts together keep within Telegram's limits. A reply may book the
// global limit further ahead than alerts do, so it waits at most about
// MaxAhead behind a fan-out.
func (s *Sender) Wait(ctx context.Context, chatID int64) error {
	wait, err := s.book(ctx, chatID, replyMaxAhead)
	if err != nil {
		return err
	}
	if !sleepCtx(ctx, wait) {
		return fmt.Errorf("wait to send to %d: %w", chatID, ctx.Err())
	}
	return nil
}

// Hold keeps every message to chatID (alerts and replies, on every
// instance) back for d, as after a 429 with that retry_after.
func (s *Sender) Hold(ctx context.Context, chatID int64, d time.Duration) error {
	if err := s.st.Penalize(ctx, chatID, d); err != nil {
		return fmt.Errorf("hold sends to %d: %w", chatID, err)
	}
	return nil
}

// book reserves a send to chatID, waiting while the chat's limit or a
// penalty refuses, and returns the wait until the booked slot.
func (s *Sender) book(ctx context.Context, chatID int64, maxAhead time.Duration) (time.Duration, error) {
	for {
		r, err := s.st.ReserveAt(ctx, chatID, s.opts.Global, s.chatLimit(chatID), maxAhead)
		if err != nil {
			return 0, fmt.Errorf("wait to send to %d: %w", chatID, err)
		}
		if r.OK {
			return r.Wait, nil
		}
		retry := r.Wait
		if r.Refused == store.RefusedGlobal {
			retry = max(r.Wait-maxAhead, time.Millisecond)
		}
		if !sleepCtx(ctx, retry) {
			return 0, fmt.Errorf("wait to send to %d: %w", chatID, ctx.Err())
		}
	}
}

// chatLimit is the limit of a chat: groups and channels have negative
// ids.
func (s *Sender) chatLimit(chatID int64) store.Limit {
	if chatID < 0 {
		return s.opts.Group
	}
	return s.opts.Private
}

// target is where an entry for chatID goes: the supergroup a group
// migrated to, if it did.
func (s *Sender) target(chatID int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range 4 { // a migrated chat could migrate again; never loop forever
		to, ok := s.migrated[chatID]
		if !ok {
			break
		}
		chatID = to
	}
	return chatID
}

func (s *Sender) isLost(it *item) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return it.part.lost
}

// subscriber loads a subscriber, through a short-lived cache.
func (s *Sender) subscriber(ctx context.Context, chatID int64) (store.Subscriber, bool, error) {
	now := s.now()
	s.subsMu.Lock()
	c, ok := s.subs[chatID]
	s.subsMu.Unlock()
	if ok && now.Sub(c.at) < subscriberCacheTTL && now.Sub(c.at) >= 0 {
		return c.sub, c.found, nil
	}
	sub, err := s.st.Subscriber(ctx, chatID)
	found := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.Subscriber{}, false, err
	}
	s.subsMu.Lock()
	if len(s.subs) > 50_000 {
		for k, v := range s.subs {
			if now.Sub(v.at) >= subscriberCacheTTL {
				delete(s.subs, k)
			}
		}
	}
	s.subs[chatID] = cachedSub{sub: sub, found: found, at: now}
	s.subsMu.Unlock()
	return sub, found, nil
}

func (s *Sender) forgetSubscriber(chatID int64) {
	s.subsMu.Lock()
	delete(s.subs, chatID)
	s.subsMu.Unlock()
}

// count adds to a shared counter; counts are flushed to Redis by the
// lease loop, so a fan-out costs no extra round trip per message.
func (s *Sender) count(name string, n int64) {
	s.countsMu.Lock()
	s.counts[name] += n
	s.countsMu.Unlock()
}

// flushCounts writes the counts gathered since the last flush; those
// that fail are kept for the next.
func (s *Sender) flushCounts(ctx context.Context) {
	s.countsMu.Lock()
	counts := s.counts
	s.counts = map[string]int64{}
	s.countsMu.Unlock()
	for name, n := range counts {
		if err := s.st.Count(ctx, name, n); err != nil {
			s.redisError("count "+name, err)
			s.count(name, n)
		}
	}
}

// redisError logs a Redis error once per outage: the first after a
// success. Callers retry.
func (s *Sender) redisError(op string, err error) {
	if s.redisDown.CompareAndSwap(false, true) {
		s.log.Error("sender: redis unavailable; retrying", slog.String("op", op), slog.Any("error", err))
	}
}

// redisUp notes a Redis success, ending an outage.
func (s *Sender) redisUp() {
	if s.redisDown.CompareAndSwap(true, false) {
		s.log.Info("sender: redis available again")
	}
}

// sleepCtx sleeps for d; false when ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// sleepStop sleeps for d; false when ctx ended or stop closed first.
func sleepStop(ctx context.Context, stop <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-stop:
		return false
	case <-t.C:
		return true
	}
}

// timer is a chat waiting until at.
type timer struct {
	at   time.Time
	chat *chatQueue
}

// timerHeap is a min-heap of timers by time.
type timerHeap []timer

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h timerHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)        { *h = append(*h, x.(timer)) }
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = timer{}
	*h = old[:len(old)-1]
	return t
}
