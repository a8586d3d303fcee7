package websub

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/store"
)

// CallbackPath is the pattern of the callback on the HTTP endpoint; a
// subscription's callback URL is the public URL + "/websub/" + its id.
const CallbackPath = "/websub/{id}"

// CallbackStore is what the callback needs of the subscriptions in Redis.
type CallbackStore interface {
	WebSub(ctx context.Context, id string) (store.WebSubSubscription, error)
	VerifyWebSub(ctx context.Context, id string, lease time.Duration, at time.Time) (bool, error)
	SetWebSubState(ctx context.Context, id string, state store.WebSubState, reason string, requested time.Time) (bool, error)
	WebSubPushed(ctx context.Context, id string, at time.Time) (bool, error)
	DeleteWebSub(ctx context.Context, id string) error
}

// SourceFunc returns the current record of source id; ok is false when
// there is none.
type SourceFunc func(ctx context.Context, id string) (src feeds.Source, ok bool, err error)

// DocumentParser parses a pushed document as a poll of its source would
// be (feeds.Poller.Document).
type DocumentParser interface {
	Document(src feeds.Source, raw []byte, contentType, baseURL string) feeds.PollResult
}

// PushMetrics counts content deliveries (metrics.WebSub).
type PushMetrics interface {
	Received()
	Accepted()
	Rejected(reason string)
}

// HandlerOptions configure a Handler. Store, Sources, Parser and Submit
// are required.
type HandlerOptions struct {
	Store   CallbackStore
	Sources SourceFunc
	Parser  DocumentParser
	// Submit hands a verified delivery's items to the pipeline, as the
	// scheduler hands a poll's (pipeline.Pipeline.Submit).
	Submit  func(feeds.PollResult)
	Metrics PushMetrics // may be nil
	Logger  *slog.Logger
	Now     func() time.Time // default time.Now
}

// Handler is the WebSub callback, served at CallbackPath: GET answers a
// hub's verification of intent, POST takes a content delivery.
type Handler struct {
	opts HandlerOptions
	log  *slog.Logger
}

// NewHandler returns the callback handler.
func NewHandler(opts HandlerOptions) *Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Metrics == nil {
		opts.Metrics = noMetrics{}
	}
	return &Handler{opts: opts, log: opts.Logger}
}

type noMetrics struct{}

func (noMetrics) Received()       {}
func (noMetrics) Accepted()       {}
func (noMetrics) Rejected(string) {}

// maxLease bounds the lease a hub may grant that is recorded: a year.
const maxLease = 365 * 24 * time.Hour

// ServeHTTP answers a hub at /websub/{id}.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !validID(id) {
		http.NotFound(w, r)
		return
	}
	switch r.Method {
	case http.MethodGet:
		h.verify(w, r, id)
	case http.MethodPost:
		h.deliver(w, r, id)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// verify answers a verification of intent: the challenge is echoed only
// for a subscription (or unsubscription) this side asked for, of the
// topic it names; 404 otherwise. A denial is recorded.
func (h *Handler) verify(w http.ResponseWriter, r *http.Request, id string) {
	ctx := r.Context()
	q := r.URL.Query()
	mode, topic := q.Get("hub.mode"), q.Get("hub.topic")
	sub, err := h.opts.Store.WebSub(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		h.log.Warn("websub verification not answered", slog.String("subscription", id), slog.Any("error", err))
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	if topic != sub.Topic {
		h.log.Warn("websub verification of another topic refused", slog.String("subscription", id),
			slog.String("source", sub.Source), slog.String("mode", mode))
		http.NotFound(w, r)
		return
	}
	challenge := q.Get("hub.challenge")
	now := h.opts.Now()
	switch {
	case mode == "subscribe" && sub.State != store.WebSubUnsubscribing && challenge != "":
		lease := sub.Lease
		if n, err := strconv.ParseInt(q.Get("hub.lease_seconds"), 10, 64); err == nil && n > 0 {
			lease = min(time.Duration(n)*time.Second, maxLease)
		}
		if ok, err := h.opts.Store.VerifyWebSub(ctx, id, lease, now); err != nil || !ok {
			h.notFoundOr503(w, r, err)
			return
		}
		h.log.Info("websub subscription verified", slog.String("source", sub.Source),
			slog.String("hub", sub.Hub), slog.Duration("lease", lease))
	case mode == "unsubscribe" && sub.State == store.WebSubUnsubscribing && challenge != "":
		if err := h.opts.Store.DeleteWebSub(ctx, id); err != nil {
			h.notFoundOr503(w, r, err)
			return
		}
		h.log.Info("websub unsubscription verified", slog.String("source", sub.Source), slog.String("hub", sub.Hub))
	case mode == "denied":
		reason := truncate(q.Get("hub.reason"), 200)
		if _, err := h.opts.Store.SetWebSubState(ctx, id, store.WebSubDenied, reason, time.Time{}); err != nil {
			h.notFoundOr503(w, r, err)
			return
		}
		h.log.Warn("websub subscription denied by the hub", slog.String("source", sub.Source),
			slog.String("hub", sub.Hub), slog.String("reason", reason))
		w.WriteHeader(http.StatusOK)
		return
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, challenge)
}

// notFoundOr503 answers a failed store write: 503 on an error (the hub
// retries), 404 when the subscription went meanwhile.
func (h *Handler) notFoundOr503(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		h.log.Warn("websub verification not recorded", slog.Any("error", err))
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	http.NotFound(w, r)
}

// deliver takes a content delivery: the body, bounded by the source's
// size limit, must be signed with the subscription's secret; it is then
// parsed as the source's kind and handed to the pipeline. Deliveries with
// no or a wrong signature are dropped with a 2xx, as the recommendation
// asks, so that the hub does not retry them; they are counted and logged
// without their body.
func (h *Handler) deliver(w http.ResponseWriter, r *http.Request, id string) {
	ctx := r.Context()
	h.opts.Metrics.Received()
	sub, err := h.opts.Store.WebSub(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		h.reject(w, "unknown_callback", http.StatusGone, slog.String("subscription", id))
		return
	}
	if err != nil {
		h.reject(w, "store", http.StatusServiceUnavailable, slog.String("subscription", id), slog.Any("error", err))
		return
	}
	src, found, err := h.opts.Sources(ctx, sub.Source)
	if err != nil {
		h.reject(w, "store", http.StatusServiceUnavailable, slog.String("source", sub.Source), slog.Any("error", err))
		return
	}
	limit := int64(feeds.DefaultMaxBytes)
	if found {
		limit = src.EffectiveMaxBytes()
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		h.reject(w, "too_large", http.StatusRequestEntityTooLarge, slog.String("source", sub.Source), slog.Int64("limit", limit))
		return
	}
	if err := VerifySignature(r.Header.Get(SignatureHeader), []byte(sub.Secret), body); err != nil {
		reason := "bad_signature"
		if errors.Is(err, ErrUnsigned) {
			reason = "unsigned"
		}
		h.reject(w, reason, http.StatusAccepted, slog.String("source", sub.Source), slog.Any("error", err))
		return
	}
	if !found || src.Paused || src.URL != sub.FeedURL {
		h.reject(w, "source_gone", http.StatusGone, slog.String("source", sub.Source))
		return
	}
	now := h.opts.Now()
	if _, err := h.opts.Store.WebSubPushed(ctx, id, now); err != nil {
		h.log.Warn("websub push not recorded", slog.String("source", src.ID), slog.Any("error", err))
	}
	res := h.opts.Parser.Document(src, body, r.Header.Get("Content-Type"), sub.Topic)
	if res.Err != nil {
		h.reject(w, "parse", http.StatusAccepted, slog.String("source", src.ID), slog.Any("error", res.Err))
		return
	}
	res.Due = now
	h.opts.Submit(res)
	h.opts.Metrics.Accepted()
	h.log.Debug("websub push accepted", slog.String("source", src.ID), slog.Int("items", len(res.Items)))
	w.WriteHeader(http.StatusOK)
}

// reject counts and logs a dropped delivery and answers it with status.
func (h *Handler) reject(w http.ResponseWriter, reason string, status int, attrs ...any) {
	h.opts.Metrics.Rejected(reason)
	h.log.Warn("websub push dropped", append([]any{slog.String("reason", reason)}, attrs...)...)
	w.WriteHeader(status)
}

// validID reports whether id can be a subscription id: what newID makes.
func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
