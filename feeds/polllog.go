package feeds

import (
	"context"
	"log/slog"
	"sync"
)

// PollLog logs a source's failures when they start or change class and
// when the source recovers, not at every failed poll.
type PollLog struct {
	log  *slog.Logger
	mu   sync.Mutex
	fail map[string]ErrorClass
}

// NewPollLog returns a PollLog that writes to log.
func NewPollLog(log *slog.Logger) *PollLog {
	return &PollLog{log: log, fail: make(map[string]ErrorClass)}
}

// Observe logs what r changes in its source's health: a new failure or a
// new class of failure (warning), a recovery (info), and every success at
// debug level.
func (p *PollLog) Observe(r PollResult) {
	id := r.Source.ID
	p.mu.Lock()
	defer p.mu.Unlock()
	if r.Err == nil {
		if _, failing := p.fail[id]; failing {
			delete(p.fail, id)
			p.log.Info("source recovered", slog.String("source", id))
		}
		// Asked first: the attributes would be allocated for nothing
		// at every poll.
		if p.log.Enabled(context.Background(), slog.LevelDebug) {
			p.log.Debug("polled", slog.String("source", id), slog.Int("items", len(r.Items)),
				slog.Bool("not_modified", r.NotModified), slog.Duration("took", r.Duration))
		}
		return
	}
	class := ClassOf(r.Err)
	if prev, failing := p.fail[id]; failing && prev == class {
		return
	}
	p.fail[id] = class
	p.log.Warn("poll failed", slog.String("source", id), slog.String("class", string(class)),
		slog.Any("error", r.Err), slog.Duration("retry_after", r.RetryAfter))
}
