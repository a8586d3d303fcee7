package delivery

import (
	"container/heap"
	"context"
	"slices"
	"time"

	"github.com/aajil/aajil/store"
)

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
	// media: the chat takes pictures (/media on), as of the last
	// screening; textOnly: a photo send of the entry failed, so it goes
	// as text.
	media, textOnly bool
}

func (it *item) class() int {
	if it.e.Urgent {
		return classUrgent
	}
	return classNormal
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
		if err := s.outbox.Drop(ctx, r.e); err != nil {
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
