package websub

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Request is a subscription request to a hub.
type Request struct {
	Hub      string // the hub's URL
	Topic    string // the feed's self URL, else its URL
	Callback string // where the hub verifies and delivers
	// Secret signs the deliveries (at most 200 bytes); empty for an
	// unsubscription.
	Secret string
	// Lease is the lease asked for; zero lets the hub choose.
	Lease time.Duration
}

// maxSecret is the longest secret the recommendation allows.
const maxSecret = 200

// Subscribe asks r.Hub to subscribe r.Callback to r.Topic. The hub answers
// 202 Accepted and verifies the intent later, at the callback; any other
// status is an error naming it.
func Subscribe(ctx context.Context, c *http.Client, r Request) error {
	return send(ctx, c, "subscribe", r)
}

// Unsubscribe asks r.Hub to end the subscription of r.Callback to r.Topic.
func Unsubscribe(ctx context.Context, c *http.Client, r Request) error {
	r.Secret, r.Lease = "", 0
	return send(ctx, c, "unsubscribe", r)
}

// send POSTs the form of a (un)subscription request.
func send(ctx context.Context, c *http.Client, mode string, r Request) error {
	if len(r.Secret) > maxSecret {
		return fmt.Errorf("%s %s: secret of %d bytes, more than %d", mode, r.Topic, len(r.Secret), maxSecret)
	}
	form := url.Values{"hub.mode": {mode}, "hub.topic": {r.Topic}, "hub.callback": {r.Callback}}
	if r.Secret != "" {
		form.Set("hub.secret", r.Secret)
	}
	if r.Lease > 0 {
		form.Set("hub.lease_seconds", strconv.FormatInt(int64(r.Lease/time.Second), 10))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.Hub, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("%s %s at %s: %w", mode, r.Topic, r.Hub, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", mode, r.Topic, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%s %s at %s: status %d: %s", mode, r.Topic, r.Hub, resp.StatusCode, oneLine(string(body)))
	}
	return nil
}

// oneLine keeps a hub's error text short and on one line, for logs.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return truncate(s, 200)
}
