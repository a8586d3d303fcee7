package telegramtest

import (
	"context"
	"fmt"
	"net/http"
	"sync"
)

// Hang is a Telegram that does not answer sends to one chat: see
// HangChat.
type Hang struct {
	chatID  int64
	left    int // sends still to hang; negative: every send
	release chan struct{}
	once    sync.Once

	mu      sync.Mutex
	waiting int           // requests withheld now, their client still waiting
	changed chan struct{} // closed and replaced when waiting changes
}

// HangChat makes the fake withhold its answer to the next n sends and
// edits to chatID (every one when n ≤ 0), without carrying them out,
// until Release is called, the client gives up or the fake is closed;
// a client still waiting at Release gets 504 Gateway Timeout.
func (f *Fake) HangChat(chatID int64, n int) *Hang {
	if n <= 0 {
		n = -1
	}
	h := &Hang{chatID: chatID, left: n, release: make(chan struct{}), changed: make(chan struct{})}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hangs = append(f.hangs, h)
	return h
}

// Release ends the hang: withheld requests are answered 504 and later
// sends are carried out.
func (h *Hang) Release() { h.once.Do(func() { close(h.release) }) }

// Waiting is the number of requests withheld now whose client still
// waits for the answer.
func (h *Hang) Waiting() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.waiting
}

// WaitHanging waits until n requests are withheld at once.
func (h *Hang) WaitHanging(ctx context.Context, n int) error {
	for {
		h.mu.Lock()
		got, ch := h.waiting, h.changed
		h.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("wait for %d hanging sends to chat %d: got %d: %w", n, h.chatID, got, ctx.Err())
		}
	}
}

func (h *Hang) add(d int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.waiting += d
	close(h.changed)
	h.changed = make(chan struct{})
}

// hangFor takes one send of req's chat from a running hang, if any; f.mu
// held.
func (f *Fake) hangFor(req request) *Hang {
	id, ok := f.resolveChat(req.params["chat_id"])
	if !ok {
		return nil
	}
	for _, h := range f.hangs {
		if h.chatID != id || h.left == 0 {
			continue
		}
		select {
		case <-h.release:
			continue
		default:
		}
		if h.left > 0 {
			h.left--
		}
		return h
	}
	return nil
}

// hang withholds the answer to req as h says.
func (f *Fake) hang(w http.ResponseWriter, r *http.Request, req request, h *Hang) {
	f.record(req, http.StatusGatewayTimeout)
	h.add(1)
	defer h.add(-1)
	select {
	case <-r.Context().Done():
	case <-f.done:
	case <-h.release:
		writeFailure(w, ServerError(http.StatusGatewayTimeout))
	}
}
