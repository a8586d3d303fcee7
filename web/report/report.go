// Package report computes the data of the admin console's Stories,
// Delivery and Subscribers pages from Redis, read through the small
// interfaces below (a *store.Store with its story index satisfies them:
// RedisStore), and renders their contents: StoriesContent,
// DeliveryContent and SubscribersContent, made from the *.templ files.
package report

import (
	"context"
	"time"

	"github.com/aajil/aajil/store"
)

// StoryReader reads the story index.
type StoryReader interface {
	// RecentStories returns the stories created at since or later,
	// newest first, at most limit.
	RecentStories(ctx context.Context, since time.Time, limit int) ([]store.StoryRecord, error)
	// StoryDeliveryCounts returns each story's delivery counters.
	StoryDeliveryCounts(ctx context.Context, storyIDs []string) (map[string]store.StoryDeliveries, error)
}

// OutboxReader reads the outbox, its partitions' holders and the dead
// letters, and retries one.
type OutboxReader interface {
	OutboxDepths(ctx context.Context) ([]store.PartitionDepth, error)
	PartitionHolders(ctx context.Context) ([]string, error)
	LiveInstances(ctx context.Context) ([]store.LiveInstance, error)
	DeadLetters(ctx context.Context, count int64) ([]store.DeadLetterEntry, error)
	RetryDeadLetter(ctx context.Context, id string) error
}

// CounterReader reads the shared counters.
type CounterReader interface {
	MinuteCount(ctx context.Context, c store.Counter, t time.Time) (int64, error)
	CountsManyAt(ctx context.Context, names []store.Counter, now time.Time) (map[store.Counter][2]int64, error)
}

// SubscriberReader lists the subscribers.
type SubscriberReader interface {
	Subscribers(ctx context.Context) ([]store.Subscriber, error)
}

// Store is everything the reports read.
type Store interface {
	StoryReader
	OutboxReader
	CounterReader
	SubscriberReader
}

// RedisStore is the Store of a *store.Store and its story index.
type RedisStore struct {
	*store.Store
	stories *store.Stories
}

// NewRedisStore adapts st, whose story index has the options opt (the
// pipeline's), to Store.
func NewRedisStore(st *store.Store, opt store.StoryOptions) RedisStore {
	return RedisStore{Store: st, stories: st.Stories(opt)}
}

// RecentStories is the story index's Recent.
func (r RedisStore) RecentStories(ctx context.Context, since time.Time, limit int) ([]store.StoryRecord, error) {
	return r.stories.Recent(ctx, since, limit)
}

// Defaults of Options.
const (
	DefaultWindow      = 24 * time.Hour
	DefaultMaxStories  = 500
	DefaultDeadLetters = 50
	DefaultTopRules    = 20
)

// Options configure the reports. Zero fields take the defaults.
type Options struct {
	// Now is the clock; time.Now by default.
	Now func() time.Time
	// SendLimit is the configured overall send rate (messages a second)
	// that the Delivery page compares the last minute's with.
	SendLimit float64
	// Window is how far back the Stories page goes (24 h).
	Window time.Duration
	// MaxStories bounds the stories listed (500).
	MaxStories int
	// DeadLetters is how many of the newest dead letters are listed (50).
	DeadLetters int
	// TopRules is how many of the most used rules are listed (20).
	TopRules int
}

// Reports computes the pages' data.
type Reports struct {
	st  Store
	opt Options
}

// New returns the reports over st.
func New(st Store, opts Options) *Reports {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Window <= 0 {
		opts.Window = DefaultWindow
	}
	if opts.MaxStories <= 0 {
		opts.MaxStories = DefaultMaxStories
	}
	if opts.DeadLetters <= 0 {
		opts.DeadLetters = DefaultDeadLetters
	}
	if opts.TopRules <= 0 {
		opts.TopRules = DefaultTopRules
	}
	return &Reports{st: st, opt: opts}
}
