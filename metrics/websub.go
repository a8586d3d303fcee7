package metrics

import "github.com/prometheus/client_golang/prometheus"

// WebSub holds the metrics of WebSub push: pushes received, accepted and
// rejected (by reason), and subscriptions by state. Its methods are safe
// on a nil *WebSub.
type WebSub struct {
	received, accepted prometheus.Counter
	rejected           *prometheus.CounterVec
	subscriptions      *prometheus.GaugeVec
}

// WebSubRejectReasons are the reasons a push is dropped, each a series of
// aajil_websub_pushes_rejected_total from the start.
var WebSubRejectReasons = []string{"unknown_callback", "unsigned", "bad_signature", "too_large", "source_gone", "parse", "store"}

// NewWebSub builds the WebSub metrics and registers them on m's registry;
// call it once per Metrics. On a nil m it returns nil.
func NewWebSub(m *Metrics) *WebSub {
	if m == nil {
		return nil
	}
	w := &WebSub{
		received: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "websub_pushes_received_total",
			Help: "WebSub content deliveries (POSTs to a callback) received.",
		}),
		accepted: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "websub_pushes_accepted_total",
			Help: "WebSub content deliveries verified and handed to the pipeline.",
		}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "websub_pushes_rejected_total",
			Help: "WebSub content deliveries dropped, by reason: unknown_callback, unsigned, bad_signature, too_large, source_gone, parse, store.",
		}, []string{"reason"}),
		subscriptions: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: namespace, Name: "websub_subscriptions",
			Help: "WebSub subscriptions, by state: pending, verified, denied, failed, unsubscribing (set by the instance that manages them).",
		}, []string{"state"}),
	}
	m.reg.MustRegister(w.received, w.accepted, w.rejected, w.subscriptions)
	for _, r := range WebSubRejectReasons {
		w.rejected.WithLabelValues(r)
	}
	return w
}

// Received counts a content delivery received.
func (w *WebSub) Received() {
	if w != nil {
		w.received.Inc()
	}
}

// Accepted counts a content delivery verified and handed on.
func (w *WebSub) Accepted() {
	if w != nil {
		w.accepted.Inc()
	}
}

// Rejected counts a content delivery dropped for reason (one of
// WebSubRejectReasons).
func (w *WebSub) Rejected(reason string) {
	if w != nil {
		w.rejected.WithLabelValues(reason).Inc()
	}
}

// SetSubscriptions sets the subscriptions by state; states absent from
// byState are set to zero.
func (w *WebSub) SetSubscriptions(states []string, byState map[string]int) {
	if w == nil {
		return
	}
	for _, s := range states {
		w.subscriptions.WithLabelValues(s).Set(float64(byState[s]))
	}
}
