// Package websubtest is a WebSub hub for tests and tools, on 127.0.0.1,
// that follows the W3C recommendation: it accepts (un)subscription
// requests with 202, verifies the intent at the callback (or denies it),
// and publishes signed content to the verified subscribers. A test can
// also make it go quiet (Hold), re-verify a subscription with another
// lease (Reverify) or revoke it (Revoke), as a real hub may at any time.
package websubtest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aajil/aajil/feeds/websub"
)

// Options configure a Hub.
type Options struct {
	// Lease is the lease granted, whatever is asked. Default 1 h.
	Lease time.Duration
	// Deny, when set, denies every subscription with this reason.
	Deny string
	// Method signs the deliveries: sha1, sha256 (default), sha384 or
	// sha512.
	Method string
}

// Request is a (un)subscription request the hub received.
type Request struct {
	Mode, Topic, Callback, Secret string
	LeaseSeconds                  int
}

// Subscription is a verified subscription.
type Subscription struct {
	Topic, Callback, Secret string
	Lease                   time.Duration
}

// Hub is the test hub.
type Hub struct {
	opts Options
	srv  *httptest.Server
	wg   sync.WaitGroup
	// verifying is held by each verification of intent from its request
	// to its record, so that Subscribers, asked once the callback has
	// answered, includes it.
	verifying sync.RWMutex

	mu       sync.Mutex
	held     bool // requests accepted, never verified
	requests []Request
	subs     map[string]Subscription // by callback
	// verified counts the verifications answered with the challenge, by
	// mode.
	verified map[string]int
}

// New starts a hub; it stops at the end of the test, after its
// verifications in flight.
func New(t testing.TB, opts Options) *Hub {
	h := NewServer(opts)
	t.Cleanup(h.Close)
	return h
}

// NewServer starts a hub on 127.0.0.1; the caller must Close it.
func NewServer(opts Options) *Hub {
	if opts.Lease <= 0 {
		opts.Lease = time.Hour
	}
	if opts.Method == "" {
		opts.Method = "sha256"
	}
	h := &Hub{opts: opts, subs: map[string]Subscription{}, verified: map[string]int{}}
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	return h
}

// Close stops the hub after its verifications in flight.
func (h *Hub) Close() {
	h.srv.Close()
	h.wg.Wait()
}

// URL is the hub's URL, to announce in a feed.
func (h *Hub) URL() string { return h.srv.URL + "/hub" }

func (h *Hub) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	req := Request{Mode: r.PostForm.Get("hub.mode"), Topic: r.PostForm.Get("hub.topic"),
		Callback: r.PostForm.Get("hub.callback"), Secret: r.PostForm.Get("hub.secret")}
	req.LeaseSeconds, _ = strconv.Atoi(r.PostForm.Get("hub.lease_seconds"))
	if (req.Mode != "subscribe" && req.Mode != "unsubscribe") || req.Topic == "" || req.Callback == "" || len(req.Secret) > 200 {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	h.requests = append(h.requests, req)
	held := h.held
	h.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
	if !held {
		h.wg.Go(func() { h.verify(req) })
	}
}

// Hold makes the hub accept the requests that follow (202) without ever
// verifying them, as a hub that went quiet; Hold(false) ends that.
func (h *Hub) Hold(on bool) {
	h.mu.Lock()
	h.held = on
	h.mu.Unlock()
}

// Reverify verifies again every verified subscription to topic, granting
// lease, as a hub may at any time, and returns how many subscribers
// echoed the challenge.
func (h *Hub) Reverify(topic string, lease time.Duration) int {
	n := 0
	for _, s := range h.Subscribers(topic) {
		challenge := random()
		q := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.challenge": {challenge},
			"hub.lease_seconds": {strconv.Itoa(int(lease / time.Second))}}
		if status, body := h.get(s.Callback, q); status >= 200 && status <= 299 && body == challenge {
			n++
			h.mu.Lock()
			s.Lease = lease
			h.subs[s.Callback] = s
			h.mu.Unlock()
		}
	}
	return n
}

// Revoke ends every subscription to topic with a denial sent to its
// callback, as a hub that no longer allows it, and returns how many
// callbacks answered it with a 2xx.
func (h *Hub) Revoke(topic, reason string) int {
	n := 0
	for _, s := range h.Subscribers(topic) {
		h.mu.Lock()
		delete(h.subs, s.Callback)
		h.mu.Unlock()
		q := url.Values{"hub.mode": {"denied"}, "hub.topic": {topic}, "hub.reason": {reason}}
		if status, _ := h.get(s.Callback, q); status >= 200 && status <= 299 {
			n++
		}
	}
	return n
}

// verify checks the intent of req at its callback, or denies it.
func (h *Hub) verify(req Request) {
	h.verifying.Lock()
	defer h.verifying.Unlock()
	q := url.Values{"hub.mode": {req.Mode}, "hub.topic": {req.Topic}}
	if req.Mode == "subscribe" && h.opts.Deny != "" {
		q.Set("hub.mode", "denied")
		q.Set("hub.reason", h.opts.Deny)
		_, _ = h.get(req.Callback, q)
		return
	}
	challenge := random()
	q.Set("hub.challenge", challenge)
	if req.Mode == "subscribe" {
		q.Set("hub.lease_seconds", strconv.Itoa(int(h.opts.Lease/time.Second)))
	}
	status, body := h.get(req.Callback, q)
	if status < 200 || status > 299 || body != challenge {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.verified[req.Mode]++
	if req.Mode == "subscribe" {
		h.subs[req.Callback] = Subscription{Topic: req.Topic, Callback: req.Callback, Secret: req.Secret, Lease: h.opts.Lease}
	} else {
		delete(h.subs, req.Callback)
	}
}

// get GETs callback with q added to its query.
func (h *Hub) get(callback string, q url.Values) (int, string) {
	sep := "?"
	if strings.Contains(callback, "?") {
		sep = "&"
	}
	resp, err := http.Get(callback + sep + q.Encode())
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, string(b)
}

// Verify sends a verification of intent of its own to callback, as a
// hub (or someone posing as one) would, and returns the status and body.
func (h *Hub) Verify(callback, mode, topic string) (int, string) {
	q := url.Values{"hub.mode": {mode}, "hub.topic": {topic}, "hub.challenge": {random()}, "hub.lease_seconds": {"60"}}
	return h.get(callback, q)
}

// Requests returns the requests received so far.
func (h *Hub) Requests() []Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Request(nil), h.requests...)
}

// Verified returns how many verifications of mode succeeded.
func (h *Hub) Verified(mode string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.verified[mode]
}

// Subscribers returns the verified subscriptions to topic.
func (h *Hub) Subscribers(topic string) []Subscription {
	h.verifying.RLock()
	defer h.verifying.RUnlock()
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []Subscription
	for _, s := range h.subs {
		if s.Topic == topic {
			out = append(out, s)
		}
	}
	return out
}

// Publish delivers body to every verified subscriber of topic, signed
// with its secret, and returns the statuses of the deliveries.
func (h *Hub) Publish(topic, contentType string, body []byte) []int {
	var out []int
	for _, s := range h.Subscribers(topic) {
		out = append(out, h.Deliver(s.Callback, contentType, body, websub.Sign(h.opts.Method, []byte(s.Secret), body)))
	}
	return out
}

// Deliver POSTs body to callback with the signature header signature
// (none when empty), and returns the status, 0 when it was not sent.
func (h *Hub) Deliver(callback, contentType string, body []byte, signature string) int {
	req, err := http.NewRequest(http.MethodPost, callback, bytes.NewReader(body))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Link", "<"+h.URL()+">; rel=\"hub\"")
	if signature != "" {
		req.Header.Set(websub.SignatureHeader, signature)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func random() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
