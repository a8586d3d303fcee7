// Package store keeps all of Aajil's state in Redis: sources and their
// poll state, seen items, stories, subscribers and the outbox. It is the
// only package that imports go-redis. Every key is listed in keys.go and
// docs/REDIS.md.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// DefaultPrefix is put before every key, so that several deployments (or
// tests) can share one Redis.
const DefaultPrefix = "aajil:"

// Store is a connection to Redis with Aajil's key layout. It is safe for
// concurrent use.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
	opts   Options

	// A change of a registry wakes the process's watchers at once: this
	// process's own changes directly, other processes' through the
	// change notices (notices). Indexed by regSources and regSubscribers.
	changed [numRegistries]*signal
	// versions is the watchers' shared read of the registries'
	// versions at a tick.
	versions versions
	// notices is the watchers' one subscription to the registries'
	// change channel.
	notices notices
}

// Defaults of Options.
const (
	DefaultSeenTTL          = 7 * 24 * time.Hour
	DefaultSeenMax          = 20_000
	DefaultStateTTL         = 30 * 24 * time.Hour
	DefaultDeliveryTTL      = 48 * time.Hour
	DefaultOutboxMaxLen     = 1_000_000
	DefaultSubscriberLog    = 100_000
	DefaultEnqueueBatch     = 1_000
	DefaultOutboxPartitions = 8
	DefaultStoryMessagesTTL = 2 * time.Hour
	DefaultDeadLetterMaxLen = 100_000
	defaultWatchTxAttempts  = 50
)

// Options configure Open. Zero fields take the defaults above.
type Options struct {
	// Prefix of every key; DefaultPrefix when empty. It must not
	// contain '{' or '}', which would break the keys' hash tags.
	Prefix string
	// SeenTTL is how long an item id stays seen after it was last in its
	// source's document; it is also how long a source may go unpolled
	// before its next poll is a baseline again.
	SeenTTL time.Duration
	// SeenMax caps the seen ids kept per source (the most recent win).
	SeenMax int
	// StateTTL is how long a source's poll state outlives its last save,
	// so the state of a removed source expires.
	StateTTL time.Duration
	// DeliveryTTL is how long a (chat, story) delivery is remembered, so
	// that it is never queued twice.
	DeliveryTTL time.Duration
	// OutboxMaxLen bounds the outbox (approximate trimming): each
	// partition's streams are trimmed to OutboxMaxLen/OutboxPartitions
	// entries.
	OutboxMaxLen int64
	// OutboxPartitions is the number of outbox partitions. A chat's
	// deliveries all go to one partition, consumed by one instance at a
	// time, which keeps them in order. Every instance must use the same
	// number: changing it moves chats to other partitions.
	OutboxPartitions int
	// StoryMessagesTTL is how long the messages sent for a story are
	// remembered (for "also reported by" edits) after the last one.
	StoryMessagesTTL time.Duration
	// DeadLetterMaxLen bounds the dead-letter stream (approximate
	// trimming).
	DeadLetterMaxLen int64
	// SubscriberLog bounds the subscriber change log (chat ids kept).
	SubscriberLog int64
	// EnqueueBatch is the number of deliveries per Lua call in Enqueue.
	EnqueueBatch int
	// WatchErrors, when set, hears about the watchers' Redis errors
	// (WatchSources, WatchSubscribers): once with the error when a
	// watcher starts failing, once with nil when it recovers. Watchers
	// keep retrying either way.
	WatchErrors func(watch string, err error)
	// WatchChecked, when set, is told after each check of a watcher
	// (WatchSources, WatchSubscribers) that read Redis without an error,
	// whether or not it found a change.
	WatchChecked func(watch string)
	// StartWait is how long Open keeps trying to reach a server that
	// does not answer, with backoff (startBackoff doubling up to
	// maxStartBackoff), before it gives up. Zero: one ping.
	StartWait time.Duration
	// StartWaiting, when set, hears once that the first ping failed and
	// Open is waiting for the server, with that error.
	StartWaiting func(err error)
}

// Backoff between the pings of Open while it waits for the server.
const (
	startBackoff    = 100 * time.Millisecond
	maxStartBackoff = 5 * time.Second
)

// withDefaults fills the zero fields of o.
func (o Options) withDefaults() Options {
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if o.SeenTTL <= 0 {
		o.SeenTTL = DefaultSeenTTL
	}
	if o.SeenMax <= 0 {
		o.SeenMax = DefaultSeenMax
	}
	if o.StateTTL <= 0 {
		o.StateTTL = DefaultStateTTL
	}
	if o.DeliveryTTL <= 0 {
		o.DeliveryTTL = DefaultDeliveryTTL
	}
	if o.OutboxMaxLen <= 0 {
		o.OutboxMaxLen = DefaultOutboxMaxLen
	}
	if o.SubscriberLog <= 0 {
		o.SubscriberLog = DefaultSubscriberLog
	}
	if o.EnqueueBatch <= 0 {
		o.EnqueueBatch = DefaultEnqueueBatch
	}
	if o.OutboxPartitions <= 0 {
		o.OutboxPartitions = DefaultOutboxPartitions
	}
	if o.StoryMessagesTTL <= 0 {
		o.StoryMessagesTTL = DefaultStoryMessagesTTL
	}
	if o.DeadLetterMaxLen <= 0 {
		o.DeadLetterMaxLen = DefaultDeadLetterMaxLen
	}
	return o
}

// Open connects to the Redis named by rawURL: redis://[user:pass@]host:port/db
// or rediss:// for TLS, for a single server; a comma-separated list of
// host:port in the addrs query parameter, with master_name for Sentinel
// (redis://host1:26379?addrs=host2:26379&master_name=mymaster) or without it
// for a Cluster (redis://node1:6379?addrs=node2:6379,node3:6379). It pings
// the server before returning; when it does not answer, Open keeps trying
// for Options.StartWait.
func Open(ctx context.Context, rawURL string, opts Options) (*Store, error) {
	if strings.ContainsAny(opts.Prefix, "{}") {
		return nil, fmt.Errorf("redis key prefix %q: must not contain '{' or '}'", opts.Prefix)
	}
	uo, err := universalOptions(rawURL)
	if err != nil {
		return nil, err
	}
	rdb := redis.NewUniversalClient(uo)
	opts = opts.withDefaults()
	s := &Store{rdb: rdb, prefix: opts.Prefix, opts: opts, changed: [numRegistries]*signal{newSignal(), newSignal()}}
	if err := s.waitForServer(ctx); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("redis %s: %w", redactURL(rawURL), err)
	}
	return s, nil
}

// waitForServer pings until the server answers or Options.StartWait has
// passed since the first ping, waiting startBackoff, then twice as long
// each time up to maxStartBackoff, between pings. No ping outlasts the
// wait.
func (s *Store) waitForServer(ctx context.Context) error {
	if s.opts.StartWait <= 0 {
		return s.rdb.Ping(ctx).Err()
	}
	wctx, cancel := context.WithTimeout(ctx, s.opts.StartWait)
	defer cancel()
	err := s.rdb.Ping(wctx).Err()
	if err == nil {
		return nil
	}
	if s.opts.StartWaiting != nil {
		s.opts.StartWaiting(err)
	}
	delay := startBackoff
	for {
		t := time.NewTimer(delay)
		select {
		case <-wctx.Done():
			t.Stop()
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("not reachable within %v: %w", s.opts.StartWait, err)
		case <-t.C:
		}
		perr := s.rdb.Ping(wctx).Err()
		if perr == nil {
			return nil
		}
		if wctx.Err() == nil {
			// A ping cut short by the end of the wait says less
			// than the one before it.
			err = perr
		}
		delay = min(2*delay, maxStartBackoff)
	}
}

// SetLogger sends go-redis's own log lines (a connection pool that cannot
// dial, a bad connection dropped) to log, at debug level: Aajil logs
// Redis becoming unavailable and reachable again itself, once each, and
// go-redis would log every failed dial. go-redis has one logger for the
// whole process, so this is called once, by the command that opens the
// store.
func SetLogger(log *slog.Logger) {
	redis.SetLogger(slogPrintf{log})
}

// slogPrintf is go-redis's Printf logger on top of a *slog.Logger.
type slogPrintf struct{ log *slog.Logger }

// Printf logs one go-redis line.
func (l slogPrintf) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "go-redis", slog.String("message", strings.TrimPrefix(fmt.Sprintf(format, v...), "redis: ")))
}

// The read and write buffers of each Redis connection, and of each
// connection of the pipeline pool (Pipelined, TxPipelined).
const (
	connBufferSize     = 8 << 10
	pipelineBufferSize = 16 << 10
)

// universalOptions turns a redis:// URL into options for the universal
// client, which picks a single-node, Sentinel or Cluster client from them.
func universalOptions(rawURL string) (*redis.UniversalOptions, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
		return nil, fmt.Errorf("redis url %q: want redis://host:port/db or rediss://…", redactURL(rawURL))
	}
	q := u.Query()
	extra := q.Get("addrs")
	master := q.Get("master_name")
	q.Del("addrs")
	q.Del("master_name")
	u.RawQuery = q.Encode()
	o, err := redis.ParseURL(u.String())
	if err != nil {
		return nil, fmt.Errorf("redis url %q: %w", redactURL(rawURL), err)
	}
	addrs := []string{o.Addr}
	for _, a := range strings.Split(extra, ",") {
		if a = strings.TrimSpace(a); a != "" {
			addrs = append(addrs, a)
		}
	}
	uo := &redis.UniversalOptions{
		Addrs:        addrs,
		DB:           o.DB,
		Username:     o.Username,
		Password:     o.Password,
		TLSConfig:    o.TLSConfig,
		MasterName:   master,
		DialTimeout:  5 * time.Second,
		ReadTimeout:  5 * time.Second,
		WriteTimeout: 5 * time.Second,
		PoolSize:     o.PoolSize,
		// Aajil's commands and replies are small (a registry's
		// HGETALL, the largest, is read through the buffer in
		// pieces): go-redis's 32 KiB per connection, and 128 KiB for
		// the pipeline pool's, were most of the client's memory.
		ReadBufferSize:          connBufferSize,
		WriteBufferSize:         connBufferSize,
		PipelineReadBufferSize:  pipelineBufferSize,
		PipelineWriteBufferSize: pipelineBufferSize,
	}
	if len(addrs) > 1 && master == "" {
		// A Cluster has no databases: the universal client picks the
		// cluster client only for DB 0.
		uo.DB = 0
		uo.IsClusterMode = true
	}
	return uo, nil
}

// redactURL hides the password of a Redis URL for errors and logs.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid url)"
	}
	return u.Redacted()
}

// Close closes the connections.
func (s *Store) Close() error { return s.rdb.Close() }

// Ping checks that Redis answers, for /readyz.
func (s *Store) Ping(ctx context.Context) error { return s.rdb.Ping(ctx).Err() }

// getInt64 reads the integer at key, 0 when there is none; what names
// the reading in its error.
func (s *Store) getInt64(ctx context.Context, key, what string) (int64, error) {
	v, err := s.rdb.Get(ctx, key).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	return v, nil
}

// Embedded is an in-process Redis-compatible server (miniredis) for running
// without a Redis: state lives in memory and is lost at exit.
type Embedded struct {
	srv  *miniredis.Miniredis
	stop chan struct{}
	done chan struct{}
}

// EmbeddedExpiryTick is how often the embedded server's key expiry
// catches up with the wall clock. A key set between two ticks is aged by
// a whole tick at the next one, so it may expire up to a tick early.
const EmbeddedExpiryTick = 50 * time.Millisecond

// StartEmbedded starts the in-process server on 127.0.0.1 and returns it;
// URL gives the address to Open. log receives the warning that state is
// lost at exit.
func StartEmbedded(log *slog.Logger) (*Embedded, error) {
	srv := miniredis.NewMiniRedis()
	if err := srv.StartAddr("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("start embedded redis: %w", err)
	}
	if log != nil {
		log.Warn("AAJIL_REDIS_URL is not set: using an embedded in-memory Redis; all state (seen items, stories, subscribers) is lost at exit",
			slog.String("addr", srv.Addr()))
	}
	e := &Embedded{srv: srv, stop: make(chan struct{}), done: make(chan struct{})}
	go e.expire()
	return e, nil
}

// expire moves the server's TTL clock with the wall clock: miniredis only
// expires keys when told that time has passed, and without this every
// TTL-bounded structure (seen items, stories, leases) would grow forever.
func (e *Embedded) expire() {
	defer close(e.done)
	t := time.NewTicker(EmbeddedExpiryTick)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-e.stop:
			return
		case now := <-t.C:
			e.srv.FastForward(now.Sub(last))
			last = now
		}
	}
}

// URL is the redis:// URL of the embedded server.
func (e *Embedded) URL() string { return "redis://" + e.srv.Addr() + "/0" }

// FastForward moves the embedded server's clock (TTLs) forward, for tests.
func (e *Embedded) FastForward(d time.Duration) { e.srv.FastForward(d) }

// Close stops the embedded server.
func (e *Embedded) Close() {
	close(e.stop)
	<-e.done
	e.srv.Close()
}

// IsUnavailable reports whether err means Redis could not be reached (as
// opposed to a command error), so callers can back off and retry.
func IsUnavailable(err error) bool {
	if err == nil || errors.Is(err, redis.Nil) {
		return false
	}
	var re redis.Error
	if errors.As(err, &re) {
		// A reply from the server: it is up. LOADING and cluster
		// redirection errors mean "try again soon" too.
		msg := re.Error()
		return strings.HasPrefix(msg, "LOADING") || strings.HasPrefix(msg, "TRYAGAIN") || strings.HasPrefix(msg, "CLUSTERDOWN")
	}
	return true
}
