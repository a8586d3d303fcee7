package bot

import (
	"context"
	"sync"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// DefaultUpdateWorkers is how many updates are handled at once, across
// chats. A handler mostly waits (for Redis, for its send slot, for
// Telegram), so this bounds waiting, not CPU.
const DefaultUpdateWorkers = 32

// Admitter is an UpdateHandler that looks at each update as it arrives,
// before the update waits behind the earlier updates of its chat: a flood
// limit must count commands when they are sent, not when their turn
// comes. Admit returns what handles u, or nil to drop it unhandled. It is
// called in arrival order and must not block.
type Admitter interface {
	UpdateHandler
	Admit(u tgbotapi.Update) UpdateHandler
}

// dispatcher runs updates concurrently across chats and in arrival order
// within a chat, at most workers at a time. A chat's updates run one
// after the other, so a slow or hung one holds its own chat only.
type dispatcher struct {
	sem chan struct{} // one token per running update

	mu    sync.Mutex
	chats map[int64]*chatRun // chats with updates queued or running
	wg    sync.WaitGroup
}

// chatRun is the queue of one chat; a goroutine drains it while running
// is set.
type chatRun struct {
	jobs    []func()
	running bool
}

func newDispatcher(workers int) *dispatcher {
	if workers <= 0 {
		workers = DefaultUpdateWorkers
	}
	return &dispatcher{sem: make(chan struct{}, workers), chats: map[int64]*chatRun{}}
}

// dispatch queues job behind the chat's earlier jobs.
func (d *dispatcher) dispatch(chatID int64, job func()) {
	d.mu.Lock()
	c, ok := d.chats[chatID]
	if !ok {
		c = &chatRun{}
		d.chats[chatID] = c
	}
	c.jobs = append(c.jobs, job)
	start := !c.running
	c.running = true
	d.mu.Unlock()
	if start {
		d.wg.Go(func() { d.drain(chatID, c) })
	}
}

// drain runs a chat's jobs in order until its queue is empty, each under
// a worker token.
func (d *dispatcher) drain(chatID int64, c *chatRun) {
	for {
		d.mu.Lock()
		if len(c.jobs) == 0 {
			c.running = false
			delete(d.chats, chatID)
			d.mu.Unlock()
			return
		}
		job := c.jobs[0]
		c.jobs[0] = nil
		c.jobs = c.jobs[1:]
		d.mu.Unlock()
		d.sem <- struct{}{}
		job()
		<-d.sem
	}
}

// wait returns when every queued job has run.
func (d *dispatcher) wait() { d.wg.Wait() }

// updateChat is the chat whose order an update keeps: the chat of its
// message, button or membership change; 0 (one shared queue) for updates
// without one. (tgbotapi's Update.FromChat panics on a button press
// without its message, which Telegram sends for old messages.)
func updateChat(u tgbotapi.Update) int64 {
	var c *tgbotapi.Chat
	switch {
	case u.Message != nil:
		c = u.Message.Chat
	case u.EditedMessage != nil:
		c = u.EditedMessage.Chat
	case u.ChannelPost != nil:
		c = u.ChannelPost.Chat
	case u.EditedChannelPost != nil:
		c = u.EditedChannelPost.Chat
	case u.CallbackQuery != nil && u.CallbackQuery.Message != nil:
		c = u.CallbackQuery.Message.Chat
	case u.CallbackQuery != nil && u.CallbackQuery.From != nil:
		return u.CallbackQuery.From.ID
	case u.MyChatMember != nil:
		c = &u.MyChatMember.Chat
	}
	if c == nil {
		return 0
	}
	return c.ID
}

// admit screens u with h's Admit, if h has one; nil means drop u.
func admit(h UpdateHandler, u tgbotapi.Update) UpdateHandler {
	if a, ok := h.(Admitter); ok {
		return a.Admit(u)
	}
	return h
}

// runHandler calls h with ctx, turning a panic into a log line, so that
// one poisonous update cannot stop the bot.
func runHandler(ctx context.Context, h UpdateHandler, u tgbotapi.Update, onPanic func(p any)) {
	defer func() {
		if p := recover(); p != nil {
			onPanic(p)
		}
	}()
	h.HandleUpdate(ctx, u)
}
