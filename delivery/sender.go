package delivery

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aajil/aajil/store"

	"github.com/aajil/aajil/internal/pause"
)

// Defaults of Options.
const (
	DefaultWorkers      = 16
	DefaultMaxAhead     = time.Second
	DefaultDeadAfter    = 6 * time.Hour
	DefaultEditMaxAge   = time.Hour
	DefaultEditInterval = 5 * time.Second
	DefaultLeaseTTL     = 10 * time.Second
	DefaultClaimIdle    = 30 * time.Second
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

// Metrics receives what the sender observes. Implementations must
// be safe for concurrent use.
type Metrics interface {
	// Delivered counts a delivery's outcome: "sent", "duplicate_skipped",
	// "blocked", "migrated", "dead", "dropped", "retry" or "digest"
	// (held for the chat's digest).
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

// Options configures a Sender. Zero fields take the defaults.
type Options struct {
	// Instance names this process: its consumer name in the outbox
	// groups and its name on partition leases. It must be unique among
	// the instances sharing a Redis.
	Instance string
	// Workers is the number of concurrent sends; DefaultWorkers.
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
	// it; DefaultLeaseTTL. A dead instance's partitions are taken over
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
	Metrics Metrics
	// Logger receives errors; slog.Default() when nil.
	Logger *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.Instance == "" {
		o.Instance = "sender"
	}
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
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
		o.LeaseTTL = DefaultLeaseTTL
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
	tg          Telegram
	outbox      Outbox
	leases      Leases
	rates       Rates
	subscribers Subscribers
	edits       Edits
	counter     Counter
	digests     Digests // nil: no digests (digest.go)
	opts        Options
	log         *slog.Logger
	now         func() time.Time
	// paid: alerts are sent with allow_paid_broadcast (the global limit
	// is above FreeBroadcastRate).
	paid bool

	mu          sync.Mutex
	wake        chan struct{} // closed and replaced when work may be ready
	chats       map[int64]*chatQueue
	ready       [2][]*chatQueue // urgent, normal: chats with a ready head
	timers      timerHeap       // chats waiting until a time
	parts       map[int]*partition
	keepers     sync.WaitGroup  // the partitions' lease keepers
	migrated    map[int64]int64 // old group id → supergroup id
	globalUntil time.Time       // a global 429 penalty ends
	flood       []chatAt        // recent per-chat 429s
	// unacked are entries sent whose acknowledgement Redis refused: only
	// the acknowledgement is retried, also when their partition is lost
	// meanwhile (a Redis outage fails its lease) and this instance claims
	// them again, so they are not sent twice. Bounded by maxUnacked.
	unacked map[unackedKey]store.SentRecord

	// subs caches subscribers for subscriberCacheTTL; names caches the
	// later sources of stories for namesTTL, by story and shown source.
	subs  *ttlCache[int64, cachedSub]
	names *ttlCache[string, []string]

	countsMu sync.Mutex
	counts   map[store.Counter]int64

	redisDown atomic.Bool
}

// New returns a Sender that sends through tg the deliveries queued in
// st's outbox.
func New(tg Telegram, st Store, opts Options) *Sender {
	opts = opts.withDefaults()
	digests, _ := st.(Digests)
	return &Sender{
		digests:     digests,
		tg:          tg,
		outbox:      st,
		leases:      st,
		rates:       st,
		subscribers: st,
		edits:       st,
		counter:     st,
		opts:        opts,
		paid:        paidBroadcast(opts.Global),
		log:         opts.Logger,
		now:         opts.Now,
		wake:        make(chan struct{}),
		chats:       map[int64]*chatQueue{},
		parts:       map[int]*partition{},
		migrated:    map[int64]int64{},
		unacked:     map[unackedKey]store.SentRecord{},
		subs:        newTTLCache[int64, cachedSub](subscriberCacheTTL, maxCachedSubscribers, opts.Now),
		names:       newTTLCache[string, []string](namesTTL(opts.EditInterval), maxCachedNames, opts.Now),
		counts:      map[store.Counter]int64{},
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
		err := s.outbox.EnsureOutboxGroups(ctx)
		if err == nil {
			s.redisUp()
			break
		}
		s.redisError("create outbox groups", err)
		if !pause.For(ctx, redisRetry) {
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

	digestsDone := make(chan struct{})
	go func() {
		defer close(digestsDone)
		s.runDigests(ctx)
	}()

	s.leaseLoop(ctx, hard, workersDone)

	<-editorDone
	<-digestsDone
	s.shutdown(hard)
	return nil
}

// shutdown gives every lease back and leaves the instances set. The
// partition readers have stopped or stop within readBlock; they read
// nothing more into memory.
func (s *Sender) shutdown(hard context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(hard), time.Second)
	defer cancel()
	s.mu.Lock()
	held := make([]*partition, 0, len(s.parts))
	for id, p := range s.parts {
		s.abandonLocked(p)
		held = append(held, p)
		delete(s.parts, id)
	}
	s.mu.Unlock()
	// The keepers release the leases while this instance leaves.
	for _, p := range held {
		p.release()
	}
	if err := s.leases.Leave(ctx, s.opts.Instance); err != nil {
		s.log.Warn("sender: leave", slog.Any("error", err))
	}
	s.flushCounts(ctx)
	s.keepers.Wait()
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
