package feeds

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// Defaults of ClientOptions.
const (
	DefaultTimeout        = 30 * time.Second
	DefaultConnectTimeout = 10 * time.Second
	DefaultTLSTimeout     = 10 * time.Second
	DefaultMaxRedirects   = 5
	// DefaultUserAgent is sent when no other User-Agent is configured.
	// Main passes one with the version, e.g.
	// "Aajil/0.1.0 (+https://github.com/aajil/aajil)".
	DefaultUserAgent = "Aajil (+https://github.com/aajil/aajil)"
)

// ClientOptions configure NewClient. The zero value is a safe default:
// private addresses refused, default timeouts, at most 5 redirects.
type ClientOptions struct {
	// AllowPrivate lets the client connect to loopback, private,
	// link-local and other non-public addresses (tests, intranets). Fed
	// from AAJIL_ALLOW_PRIVATE_SOURCES=true.
	AllowPrivate bool
	// UserAgent is set on every request that has none. Empty means
	// DefaultUserAgent.
	UserAgent string
	// Timeout bounds a whole request: connecting, redirects, headers and
	// reading the body. ConnectTimeout bounds one TCP connect and
	// TLSTimeout one TLS handshake. Zero means the defaults above.
	Timeout, ConnectTimeout, TLSTimeout time.Duration
	// MaxRedirects is the longest redirect chain followed; zero means
	// DefaultMaxRedirects.
	MaxRedirects int

	// exempt, when set, lets through the private addresses it returns
	// true for. Tests use it to reach exactly one httptest server on
	// 127.0.0.1 while every other loopback address stays refused.
	exempt func(netip.AddrPort) bool
	// resolver replaces the system resolver; tests point it at a DNS
	// server of their own on 127.0.0.1.
	resolver *net.Resolver
	// rootCAs replaces the system's roots; tests trust an
	// httptest.NewTLSServer's certificate with it.
	rootCAs *x509.CertPool
}

// NewClient builds the one http.Client shared by every fetch. It has a
// single transport, so connections are kept alive and reused across polls
// (a transport per request would handshake every time), and gzip is
// negotiated and decoded by the transport itself.
//
// GETs and HEADs without a body, every source fetch, take a lean path
// (see leanTransport): HTTP/1.1, run on the caller's goroutine alone,
// since http.Transport's goroutines per connection cost more wake-ups
// than a small conditional GET costs work. Feeds are therefore fetched
// over HTTP/1.1, never HTTP/2. Anything else goes to an http.Transport,
// which uses HTTP/2 where the server offers it.
//
// No proxy is used, on purpose: the private-address check runs on the
// address actually dialed, and through a proxy that would be the proxy's.
func NewClient(opts ClientOptions) *http.Client {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = DefaultConnectTimeout
	}
	if opts.TLSTimeout <= 0 {
		opts.TLSTimeout = DefaultTLSTimeout
	}
	if opts.MaxRedirects <= 0 {
		opts.MaxRedirects = DefaultMaxRedirects
	}
	if opts.UserAgent == "" {
		opts.UserAgent = DefaultUserAgent
	}

	dialer := &net.Dialer{
		Timeout:   opts.ConnectTimeout,
		KeepAlive: 30 * time.Second,
		Resolver:  opts.resolver,
	}
	if !opts.AllowPrivate {
		// The check must run here, on the IP address about to be
		// connected to, and not on the URL: a public-looking host name
		// may resolve to 127.0.0.1 (or be re-pointed there between a
		// check and the connect: DNS rebinding), and a public server may
		// redirect to http://169.254.169.254/ or http://10.0.0.1/. Every
		// connection, for the first request and for each redirect, goes
		// through this dialer, so nothing gets past it.
		dialer.Control = addressPolicy{exempt: opts.exempt}.control
	}

	dial := numericHostDialer(dialer)
	// Each transport has a tls.Config of its own: http.Transport adds
	// its ALPN protocols to the one it is given.
	tlsConfig := func() *tls.Config { return &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: opts.rootCAs} }
	fallback := &http.Transport{
		Proxy:                 nil,
		DialContext:           dial,
		ForceAttemptHTTP2:     true,
		TLSClientConfig:       tlsConfig(),
		TLSHandshakeTimeout:   opts.TLSTimeout,
		MaxIdleConns:          0,                  // no global cap: thousands of sources span many hosts
		MaxIdleConnsPerHost:   leanMaxIdlePerHost, // a few sources often share one host
		IdleConnTimeout:       leanIdleTimeout,
		ExpectContinueTimeout: time.Second,
	}
	transport := newLeanTransport(dial, tlsConfig(), opts.TLSTimeout, fallback)

	maxRedirects := opts.MaxRedirects
	return &http.Client{
		Transport: &userAgentTransport{base: transport, userAgent: opts.UserAgent},
		Timeout:   opts.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			// via holds the requests made so far: the n-th redirect
			// arrives with len(via) == n.
			if len(via) > maxRedirects {
				return fmt.Errorf("follow redirect to %s: %w (more than %d)", req.URL.Redacted(), ErrTooManyRedirects, maxRedirects)
			}
			if err := checkScheme(req.URL.Scheme); err != nil {
				return fmt.Errorf("follow redirect to %s: %w", req.URL.Redacted(), err)
			}
			return nil
		},
	}
}

// userAgentTransport sets the User-Agent on requests that have none, so
// that every request made with the client names Aajil.
type userAgentTransport struct {
	base      *leanTransport
	userAgent string
}

// RoundTrip implements http.RoundTripper.
func (t *userAgentTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("User-Agent") == "" {
		// A RoundTripper must not modify the caller's request.
		req = req.Clone(req.Context())
		req.Header.Set("User-Agent", t.userAgent)
	}
	return t.base.RoundTrip(req)
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the
// Transport.
func (t *userAgentTransport) CloseIdleConnections() { t.base.CloseIdleConnections() }

// checkScheme refuses every scheme but http and https.
func checkScheme(scheme string) error {
	switch scheme {
	case "http", "https":
		return nil
	default:
		return fmt.Errorf("%w %q: only http and https", ErrUnsupportedScheme, scheme)
	}
}

// addressPolicy decides which dialed addresses are refused.
type addressPolicy struct {
	exempt func(netip.AddrPort) bool
}

// control is a net.Dialer.Control hook: it runs after name resolution,
// once per address tried, before the connect system call.
func (p addressPolicy) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		// The dialer always passes a literal ip:port; refuse anything
		// we cannot check rather than let it through.
		return fmt.Errorf("check dial address %q: %w", address, err)
	}
	if p.exempt != nil && p.exempt(ap) {
		return nil
	}
	addr := ap.Addr().Unmap().WithZone("")
	if reason := nonPublicReason(addr); reason != "" {
		return &BlockedError{Addr: addr, Reason: reason}
	}
	return nil
}

// nonPublicPrefixes are ranges that are not the public Internet and are
// not covered by a netip.Addr method: built once, never modified.
var nonPublicPrefixes = []struct {
	prefix netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified"},       // "this network"
	{netip.MustParsePrefix("100.64.0.0/10"), "private"},       // CGNAT, RFC 6598
	{netip.MustParsePrefix("192.0.0.0/24"), "reserved"},       // IETF protocol assignments
	{netip.MustParsePrefix("198.18.0.0/15"), "reserved"},      // benchmarking, RFC 2544
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},        // reserved, and 255.255.255.255
	{netip.MustParsePrefix("fec0::/10"), "private"},           // deprecated site-local
	{netip.MustParsePrefix("::/96"), "reserved"},              // deprecated IPv4-compatible
	{netip.MustParsePrefix("::ffff:0:0:0/96"), "reserved"},    // IPv4-translated, RFC 2765
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"}, // never routed
	// Translation and tunnel prefixes embed an IPv4 address that the
	// gateway or relay connects to: 64:ff9b::7f00:1 reaches 127.0.0.1
	// through a NAT64 gateway, 2002:7f00:1:: through a 6to4 relay, a
	// Teredo address its server's peer. They are refused whole, like the
	// ranges they can reach.
	{netip.MustParsePrefix("64:ff9b::/96"), "nat64"},   // well-known NAT64, RFC 6052
	{netip.MustParsePrefix("64:ff9b:1::/48"), "nat64"}, // local-use NAT64, RFC 8215
	{netip.MustParsePrefix("2002::/16"), "6to4"},       // RFC 3056
	{netip.MustParsePrefix("2001::/32"), "teredo"},     // RFC 4380
}

// nonPublicReason returns why addr is refused, or "" when it is public.
// addr must already be unmapped, so that ::ffff:127.0.0.1 is judged as
// 127.0.0.1.
func nonPublicReason(addr netip.Addr) string {
	switch {
	case !addr.IsValid():
		return "invalid"
	case addr.IsUnspecified():
		return "unspecified"
	case addr.IsLoopback():
		return "loopback"
	case addr.IsPrivate(): // 10/8, 172.16/12, 192.168/16, fc00::/7
		return "private"
	case addr.IsLinkLocalUnicast(): // 169.254/16, fe80::/10
		return "link-local"
	case addr.IsMulticast(), addr.IsLinkLocalMulticast(), addr.IsInterfaceLocalMulticast():
		return "multicast"
	}
	for _, p := range nonPublicPrefixes {
		if p.prefix.Contains(addr) {
			return p.reason
		}
	}
	return ""
}
