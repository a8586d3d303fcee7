package feeds

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// leanTransport is the http.RoundTripper of source fetches: GET and HEAD
// over HTTP/1.1, on keep-alive connections it keeps itself, with the whole
// request run by the caller's goroutine.
//
// Why: most polls are conditional GETs answered 304, a few hundred bytes
// each way, and what they cost is mostly not the bytes but the hand-offs.
// http.Transport runs every HTTP/1 request over three goroutines (the
// caller, and the connection's writeLoop and readLoop, which stay parked
// on the idle connection), so one request is several goroutine wake-ups,
// each of which may wake another OS thread. Here a request is a write and
// a read on the caller's goroutine, and an idle connection is only a file
// descriptor in a list, watched by nobody.
//
// What it does, as http.Transport does: an idle pool per (scheme,
// host:port), bounded (leanMaxIdlePerHost) and aged (leanIdleTimeout; a
// stale connection is discarded when taken, and a sweep now and then
// closes those of hosts no longer polled); an idle connection the server
// closed, or wrote to unasked (a 408), is dropped before use, found by a
// non-blocking peek at its socket where it can (Linux); dialing with the client's
// dialer, so the private-address check sees every connection; TLS with
// the client's settings, the handshake bounded by the TLS timeout;
// transparent gzip (asked for only when the caller set no
// Accept-Encoding and no Range); one retry on a new connection when a
// reused one turns out to have been closed by the server before any byte
// of the answer came; 1xx interim answers skipped. The request is written
// by (*http.Request).Write and the answer read by http.ReadResponse:
// framing (Content-Length, chunked, bodies that end at close) is
// net/http's own.
//
// Deadlines come from the request's context, set on the connection; a
// cancellation sets a deadline in the past from a context.AfterFunc, so
// no goroutine waits on the context either.
//
// What it does not do: HTTP/2 (ALPN offers only "http/1.1": feeds are
// fetched over HTTP/1.1; one small request at a time per connection gains
// nothing from multiplexing), proxies (never used by design: the
// private-address check must see the address actually dialed), request
// bodies and methods other than GET and HEAD, 100-continue, protocol
// upgrades (a 101 is an error). Anything it does not take goes to the
// fallback, an http.Transport.
type leanTransport struct {
	dial        func(ctx context.Context, network, address string) (net.Conn, error)
	tlsConfig   *tls.Config // cloned per connection, never modified
	tlsTimeout  time.Duration
	maxIdle     int           // idle connections kept per host
	idleTimeout time.Duration // an idle connection older than this is closed
	fallback    http.RoundTripper

	gzips sync.Pool // of *gzip.Reader

	mu        sync.Mutex
	idle      map[connKey][]*leanConn // per host, oldest first
	lastSweep time.Time
}

// Limits of the lean path, the same as the fallback's Transport settings.
const (
	leanMaxIdlePerHost = 4
	leanIdleTimeout    = 90 * time.Second
	// leanMaxHeaderBytes bounds the status line and headers of an
	// answer, as http.Transport's default MaxResponseHeaderBytes does.
	leanMaxHeaderBytes = 10 << 20
	// leanMaxInterim is the most 1xx answers skipped before the final one.
	leanMaxInterim = 5
)

// connKey names the connections that can carry a request.
type connKey struct {
	scheme string // "http" or "https"
	addr   string // host:port as dialed
	host   string // host name for TLS (SNI and verification)
}

// leanConn is one keep-alive connection.
type leanConn struct {
	key    connKey
	conn   net.Conn        // a *tls.Conn for https
	raw    syscall.RawConn // the socket, for idleQuiet; may be nil
	br     *bufio.Reader
	bw     *bufio.Writer
	tls    *tls.ConnectionState
	idleAt time.Time // when it was put in the pool

	// limit is what may still be read from conn: leanMaxHeaderBytes
	// while the headers of an answer are read, unbounded after.
	limit int64
}

// Read reads from the connection within the limit, for br.
func (c *leanConn) Read(p []byte) (int, error) {
	if c.limit <= 0 {
		return 0, fmt.Errorf("answer headers exceed %d bytes", leanMaxHeaderBytes)
	}
	if int64(len(p)) > c.limit {
		p = p[:c.limit]
	}
	n, err := c.conn.Read(p)
	c.limit -= int64(n)
	return n, err
}

func newLeanTransport(dial func(ctx context.Context, network, address string) (net.Conn, error), tlsConfig *tls.Config, tlsTimeout time.Duration, fallback http.RoundTripper) *leanTransport {
	t := &leanTransport{
		dial:        dial,
		tlsConfig:   tlsConfig,
		tlsTimeout:  tlsTimeout,
		maxIdle:     leanMaxIdlePerHost,
		idleTimeout: leanIdleTimeout,
		fallback:    fallback,
		idle:        make(map[connKey][]*leanConn),
	}
	t.gzips.New = func() any { return new(gzip.Reader) }
	return t
}

// takes reports whether the lean path handles req; the rest goes to the
// fallback.
func (t *leanTransport) takes(req *http.Request) bool {
	if req.URL == nil || req.URL.Host == "" || (req.URL.Scheme != "http" && req.URL.Scheme != "https") {
		return false
	}
	if req.Method != "" && req.Method != http.MethodGet && req.Method != http.MethodHead {
		return false
	}
	if req.Body != nil && req.Body != http.NoBody {
		return false
	}
	if len(req.TransferEncoding) > 0 || req.ContentLength > 0 || req.Trailer != nil {
		return false
	}
	return true
}

// RoundTrip implements http.RoundTripper.
func (t *leanTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !t.takes(req) {
		return t.fallback.RoundTrip(req)
	}
	ctx := req.Context()
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	key := connKey{scheme: req.URL.Scheme, host: asciiHost(req.URL.Hostname())}
	port := req.URL.Port()
	if port == "" {
		port = "80"
		if key.scheme == "https" {
			port = "443"
		}
	}
	key.addr = net.JoinHostPort(key.host, port)

	// The request as written: with Accept-Encoding: gzip added when the
	// caller left the encoding to the transport, as http.Transport does.
	wire := req
	gzipped := req.Method != http.MethodHead && req.Header.Get("Accept-Encoding") == "" && req.Header.Get("Range") == ""
	if gzipped {
		// A copy of the map only: Write reads the values, and the
		// caller's request is not modified.
		r := *req
		r.Header = make(http.Header, len(req.Header)+1)
		maps.Copy(r.Header, req.Header)
		r.Header["Accept-Encoding"] = []string{"gzip"}
		wire = &r
	}

	c, reused := t.idleConn(key)
	for {
		if c == nil {
			var err error
			if c, err = t.connect(ctx, key); err != nil {
				return nil, err
			}
		}
		resp, err := t.exchange(ctx, c, req, wire, gzipped)
		if err == nil {
			return resp, nil
		}
		// A reused connection the server closed while it was idle
		// fails before any byte of the answer: try once more on a
		// new one. Never after an answer began, never on a new one.
		var retry *retryableError
		if !reused || !errors.As(err, &retry) || ctx.Err() != nil {
			if errors.As(err, &retry) {
				err = retry.err
			}
			return nil, err
		}
		c, reused = nil, false
	}
}

// asciiHost is host as dialed and named in TLS: an internationalised
// name in its ASCII (punycode) form, as http.Transport has it.
func asciiHost(host string) string {
	for i := 0; i < len(host); i++ {
		if host[i] >= utf8.RuneSelf {
			if a, err := idna.Lookup.ToASCII(host); err == nil {
				return a
			}
			return host
		}
	}
	return host
}

// retryableError is a failure of a request before any byte of the answer
// came, of a kind a connection closed by the server gives.
type retryableError struct{ err error }

func (e *retryableError) Error() string { return e.err.Error() }
func (e *retryableError) Unwrap() error { return e.err }

// closedByPeer reports whether err is what a write to, or the first read
// from, a connection the server closed gives.
func closedByPeer(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNABORTED)
}

// exchange writes req (as wire) on c and reads the answer's headers. On
// an error c is closed; an error wrapped in *retryableError came before
// any byte of the answer.
func (t *leanTransport) exchange(ctx context.Context, c *leanConn, req, wire *http.Request, gzipped bool) (*http.Response, error) {
	deadline, _ := ctx.Deadline() // the zero time (none) when there is none
	if err := c.conn.SetDeadline(deadline); err != nil {
		_ = c.conn.Close()
		return nil, fmt.Errorf("set deadline: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { _ = c.conn.SetDeadline(aLongTimeAgo()) })
	fail := func(err error, retryable bool) error {
		stop()
		_ = c.conn.Close()
		err = contextError(ctx, err)
		if retryable && ctx.Err() == nil && closedByPeer(err) {
			return &retryableError{err: err}
		}
		return err
	}

	if err := wire.Write(c.bw); err != nil {
		return nil, fail(fmt.Errorf("write request: %w", err), true)
	}
	if err := c.bw.Flush(); err != nil {
		return nil, fail(fmt.Errorf("write request: %w", err), true)
	}

	c.limit = leanMaxHeaderBytes
	if _, err := c.br.Peek(1); err != nil {
		return nil, fail(fmt.Errorf("read answer: %w", err), true)
	}
	var resp *http.Response
	for interim := 0; ; interim++ {
		var err error
		resp, err = http.ReadResponse(c.br, req)
		if err != nil {
			return nil, fail(fmt.Errorf("read answer: %w", err), false)
		}
		if resp.StatusCode == http.StatusSwitchingProtocols {
			return nil, fail(errors.New("read answer: unexpected 101 switching protocols"), false)
		}
		if resp.StatusCode >= 200 || resp.StatusCode < 100 {
			break
		}
		if interim == leanMaxInterim {
			return nil, fail(fmt.Errorf("read answer: more than %d interim 1xx answers", leanMaxInterim), false)
		}
		c.limit = leanMaxHeaderBytes // each 1xx has its own bound
	}
	c.limit = math.MaxInt64

	resp.Request = req
	resp.TLS = c.tls
	body := &leanBody{
		t:        t,
		c:        c,
		ctx:      ctx,
		stop:     stop,
		body:     resp.Body,
		reusable: !resp.Close && !req.Close && !hasCloseToken(req.Header),
	}
	if resp.Body == http.NoBody {
		// Nothing to read (a 304, a 204, a HEAD): the connection is
		// free at once.
		body.finish(true)
		return resp, nil
	}
	if gzipped && strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") {
		resp.Header.Del("Content-Encoding")
		resp.Header.Del("Content-Length")
		resp.ContentLength = -1
		resp.Uncompressed = true
		resp.Body = &leanGzipBody{t: t, body: body}
		return resp, nil
	}
	resp.Body = body
	return resp, nil
}

// aLongTimeAgo is a deadline in the past: it makes blocked reads and
// writes on a connection return at once.
func aLongTimeAgo() time.Time { return time.Unix(1, 0) }

// hasCloseToken reports whether the Connection header of h has "close".
func hasCloseToken(h http.Header) bool {
	for _, v := range h["Connection"] {
		for tok := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(tok), "close") {
				return true
			}
		}
	}
	return false
}

// contextError is err, or the context's cause with err when the context
// is done: a deadline set from the context makes the connection fail with
// os.ErrDeadlineExceeded, which says less than the context does.
func contextError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w: %w", context.Cause(ctx), err)
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		if _, ok := ctx.Deadline(); ok {
			// The connection's deadline came a moment before the
			// context's own timer.
			return fmt.Errorf("%w: %w", context.DeadlineExceeded, err)
		}
	}
	return err
}

// connect dials a new connection of key, with TLS for https.
func (t *leanTransport) connect(ctx context.Context, key connKey) (*leanConn, error) {
	conn, err := t.dial(ctx, "tcp", key.addr)
	if err != nil {
		if ctx.Err() != nil {
			// The dialer says "operation was canceled" or "i/o
			// timeout"; the context says which.
			return nil, fmt.Errorf("%w: %w", context.Cause(ctx), err)
		}
		return nil, err
	}
	c := &leanConn{key: key, conn: conn, raw: idleRawConn(conn)}
	if key.scheme == "https" {
		cfg := t.tlsConfig.Clone()
		if cfg.ServerName == "" {
			cfg.ServerName = key.host
		}
		cfg.NextProtos = []string{"http/1.1"}
		tc := tls.Client(conn, cfg)
		if err := t.handshake(ctx, tc); err != nil {
			_ = conn.Close()
			return nil, err
		}
		state := tc.ConnectionState()
		c.conn, c.tls = tc, &state
	}
	c.br = bufio.NewReaderSize(c, 4<<10)
	c.bw = bufio.NewWriterSize(c.conn, 4<<10)
	return c, nil
}

// handshake runs the TLS handshake of tc within the TLS timeout and the
// context, by deadlines on the connection (tls.Conn.HandshakeContext
// would start a goroutine to watch the context).
func (t *leanTransport) handshake(ctx context.Context, tc *tls.Conn) error {
	deadline := time.Now().Add(t.tlsTimeout)
	byContext := false
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline, byContext = d, true
	}
	if err := tc.SetDeadline(deadline); err != nil {
		return fmt.Errorf("tls handshake: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { _ = tc.SetDeadline(aLongTimeAgo()) })
	err := tc.Handshake()
	stop()
	if err == nil {
		return nil
	}
	if ctx.Err() != nil || byContext {
		return fmt.Errorf("tls handshake: %w", contextError(ctx, err))
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("tls handshake timeout after %v: %w", t.tlsTimeout, err)
	}
	return fmt.Errorf("tls handshake: %w", err)
}

// idleConn takes the most recently used idle connection of key that is
// neither too old nor closed or written to by the server meanwhile, or
// returns nil; reused reports a connection taken.
func (t *leanTransport) idleConn(key connKey) (c *leanConn, reused bool) {
	for {
		now := time.Now()
		var stale []*leanConn
		t.mu.Lock()
		list := t.idle[key]
		for len(list) > 0 {
			last := list[len(list)-1]
			list[len(list)-1] = nil
			list = list[:len(list)-1]
			if now.Sub(last.idleAt) < t.idleTimeout {
				c = last
				break
			}
			stale = append(stale, last)
		}
		if len(list) == 0 {
			delete(t.idle, key)
		} else {
			t.idle[key] = list
		}
		t.mu.Unlock()
		for _, s := range stale {
			_ = s.conn.Close()
		}
		if c == nil {
			return nil, false
		}
		if idleQuiet(c.raw, c.tls != nil) {
			return c, true
		}
		_ = c.conn.Close()
		c = nil
	}
}

// putIdle keeps c for the next request of its host, or closes it when
// the host has leanMaxIdlePerHost idle already. Now and then it also
// closes the connections that have been idle too long everywhere, so that
// hosts no longer polled do not keep theirs open.
func (t *leanTransport) putIdle(c *leanConn) {
	now := time.Now()
	c.idleAt = now
	var closing []*leanConn
	t.mu.Lock()
	list := t.idle[c.key]
	if len(list) < t.maxIdle {
		t.idle[c.key] = append(list, c)
	} else {
		closing = append(closing, c)
	}
	if now.Sub(t.lastSweep) >= t.idleTimeout/2 {
		t.lastSweep = now
		closing = t.sweepLocked(now, closing)
	}
	t.mu.Unlock()
	for _, s := range closing {
		_ = s.conn.Close()
	}
}

// sweepLocked removes the stale idle connections and appends them to
// closing. t.mu must be held.
func (t *leanTransport) sweepLocked(now time.Time, closing []*leanConn) []*leanConn {
	for key, list := range t.idle {
		n := 0
		for n < len(list) && now.Sub(list[n].idleAt) >= t.idleTimeout {
			n++
		}
		if n == 0 {
			continue
		}
		closing = append(closing, list[:n]...)
		if n == len(list) {
			delete(t.idle, key)
			continue
		}
		rest := copy(list, list[n:])
		clear(list[rest:])
		t.idle[key] = list[:rest]
	}
	return closing
}

// CloseIdleConnections closes every idle connection, the fallback's too.
func (t *leanTransport) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle = make(map[connKey][]*leanConn)
	t.mu.Unlock()
	for _, list := range idle {
		for _, c := range list {
			_ = c.conn.Close()
		}
	}
	if ci, ok := t.fallback.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// errBodyClosed is returned by a Read after Close.
var errBodyClosed = errors.New("read on closed response body")

// leanBody is the body of an answer: at EOF it gives the connection back
// to the pool when it can carry another request, and a Close before EOF
// closes it. Read and Close may be called from different goroutines.
type leanBody struct {
	t        *leanTransport
	c        *leanConn
	ctx      context.Context
	stop     func() bool // stops the context's AfterFunc
	body     io.ReadCloser
	reusable bool

	mu   sync.Mutex
	done bool  // the connection is released
	rerr error // sticky error of Read
}

func (b *leanBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.rerr != nil {
		return 0, b.rerr
	}
	if b.done {
		return 0, errBodyClosed
	}
	n, err := b.body.Read(p)
	switch {
	case err == io.EOF:
		b.rerr = io.EOF
		b.finish(true)
	case err != nil:
		b.rerr = fmt.Errorf("read body: %w", contextError(b.ctx, err))
		b.finish(false)
		err = b.rerr
	}
	return n, err
}

// Close closes the connection unless the body was read to its end.
func (b *leanBody) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.done {
		b.rerr = errBodyClosed
		b.finish(false)
	}
	return nil
}

// finish releases the connection: to the pool when ok (the body was read
// to its end), the answer allows it and the context's AfterFunc did not
// run (it may have set a past deadline on the connection); closed
// otherwise. b.mu must be held, or b not yet shared.
func (b *leanBody) finish(ok bool) {
	if b.done {
		return
	}
	b.done = true
	stopped := b.stop()
	// Bytes already buffered after the answer were not asked for.
	if ok && stopped && b.reusable && b.ctx.Err() == nil && b.c.br.Buffered() == 0 {
		b.t.putIdle(b.c)
		return
	}
	_ = b.c.conn.Close()
}

// leanGzipBody decodes a gzip body, with a gzip.Reader from the
// transport's pool taken at the first Read and given back at the end.
type leanGzipBody struct {
	t    *leanTransport
	body *leanBody

	mu   sync.Mutex
	zr   *gzip.Reader
	zerr error // sticky
}

func (g *leanGzipBody) Read(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.zerr != nil {
		return 0, g.zerr
	}
	if g.zr == nil {
		zr := g.t.gzips.Get().(*gzip.Reader)
		if err := zr.Reset(g.body); err != nil {
			g.release(zr)
			g.zerr = fmt.Errorf("gzip: %w", err)
			return 0, g.zerr
		}
		g.zr = zr
	}
	n, err := g.zr.Read(p)
	if err != nil {
		if err != io.EOF {
			err = fmt.Errorf("gzip: %w", err)
		}
		g.zerr = err
		g.release(g.zr)
		g.zr = nil
	}
	return n, err
}

// Close closes the underlying body (which closes the connection unless it
// was read to its end) and gives the gzip.Reader back.
func (g *leanGzipBody) Close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.zr != nil {
		g.release(g.zr)
		g.zr = nil
	}
	if g.zerr == nil {
		g.zerr = errBodyClosed
	}
	return g.body.Close()
}

// release resets zr to read nothing (dropping its reference to the body)
// and puts it back in the pool.
func (g *leanGzipBody) release(zr *gzip.Reader) {
	var empty flate.Reader = eofByteReader{}
	_ = zr.Reset(empty)
	g.t.gzips.Put(zr)
}

// eofByteReader is an empty flate.Reader (a plain io.Reader would make
// gzip.Reader.Reset allocate a bufio.Reader).
type eofByteReader struct{}

func (eofByteReader) Read([]byte) (int, error) { return 0, io.EOF }
func (eofByteReader) ReadByte() (byte, error)  { return 0, io.EOF }
