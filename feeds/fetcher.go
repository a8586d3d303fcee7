package feeds

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Response is what one fetch of a source brought back.
type Response struct {
	// NotModified reports a 304: nothing new; Body is nil and nothing
	// is to be parsed.
	NotModified bool
	// Body is the document decoded to UTF-8 (see DecodeBody); nil when
	// NotModified.
	Body []byte
	// Charset names the charset the body was decoded from.
	Charset string
	// ContentType is the Content-Type header as the server sent it.
	ContentType string
	// URL is the final URL after redirects: the base for relative links.
	URL string
	// Status is the HTTP status code (200, 304, …).
	Status int
	// Validators are to be sent with the next fetch of the source; on a
	// 304 the ones sent are carried over unless the server sent new ones.
	Validators Validators
	// Links are the values of the Link headers (WebSub hub discovery).
	Links []string
}

// DefaultStallTimeout is how long a body may go without bringing
// stallBytes before the fetch gives up, well before the client's overall
// timeout: a server that sends headers and then hangs, or trickles a byte
// a second, must not hold a poll, and its host's slot, for the whole of it.
const DefaultStallTimeout = 10 * time.Second

// stallBytes is the progress that restarts the stall clock: 1 KiB per
// stall timeout (100 bytes a second by default) is far below any real
// server's pace, and a trickle below it is as good as stalled.
const stallBytes = 1 << 10

// ErrBodyStalled is the cause of a fetch whose body brought less than
// 1 KiB in the stall timeout. Class timeout.
var ErrBodyStalled = errors.New("body stalled")

// Fetcher fetches sources with a shared http.Client (see NewClient) as a
// good citizen: conditional GETs, a body cap, Retry-After reported. It is
// safe for concurrent use.
type Fetcher struct {
	// client is the caller's without its Timeout, which the fetch applies
	// as its context's deadline (timeout): one context and timer a
	// request, where http.Client adds a context, a timer and a goroutine.
	client    *http.Client
	timeout   time.Duration
	userAgent string
	stall     time.Duration
	now       func() time.Time // for Retry-After dates; tests fix it
}

// NewFetcher returns a fetcher that uses client and sends userAgent
// (DefaultUserAgent when empty), with DefaultStallTimeout.
func NewFetcher(client *http.Client, userAgent string) *Fetcher {
	if userAgent == "" {
		userAgent = DefaultUserAgent
	}
	f := &Fetcher{client: client, userAgent: userAgent, stall: DefaultStallTimeout, now: time.Now}
	if client != nil && client.Timeout > 0 {
		c := *client
		c.Timeout = 0
		f.client, f.timeout = &c, client.Timeout
	}
	return f
}

// SetStallTimeout sets how long a body may go without bringing 1 KiB
// before the fetch fails with ErrBodyStalled; d ≤ 0 means DefaultStallTimeout. Call
// it before the fetcher is used.
func (f *Fetcher) SetStallTimeout(d time.Duration) {
	if d <= 0 {
		d = DefaultStallTimeout
	}
	f.stall = d
}

// drainLimit is how much of an unwanted body (an error page, a 304) is
// read before closing, so that the connection can be reused.
const drainLimit = 64 << 10

// Fetch GETs src.URL with ctx, sending If-None-Match and If-Modified-Since
// when v holds them, and returns the decoded body.
//
// A 304 is a Response with NotModified set, not an error. Every error is
// a *FetchError (see ClassOf): a status other than 2xx has class
// http_status and, on 429 and 503, the Retry-After the server asked for; a
// body over src.EffectiveMaxBytes() (by Content-Length, or while reading
// the decompressed stream) is too_large; a charset that cannot be decoded
// is parse.
func (f *Fetcher) Fetch(ctx context.Context, src Source, v Validators) (*Response, error) {
	u, err := url.Parse(src.URL)
	if err != nil {
		return nil, &FetchError{Class: ClassOther, URL: redactURL(src.URL), Err: fmt.Errorf("parse url: %w", err)}
	}
	// The URL as errors show it, made only for an error: a poll that
	// succeeds (most are 304s) does not build it.
	shown := u.Redacted
	fail := func(err error) *FetchError {
		return &FetchError{Class: ClassOf(err), URL: shown(), Err: err}
	}
	if err := checkScheme(u.Scheme); err != nil {
		return nil, fail(err)
	}
	if u.Host == "" {
		return nil, &FetchError{Class: ClassOther, URL: shown(), Err: errors.New("url has no host")}
	}

	// The stall watchdog cancels the request with ErrBodyStalled.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if f.timeout > 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeout(ctx, f.timeout)
		defer stop()
	}
	req, err := f.newRequest(ctx, u, src, v)
	if err != nil {
		return nil, fail(err)
	}

	resp, err := f.client.Do(req)
	if err != nil {
		return nil, fail(err)
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, drainLimit))
		_ = resp.Body.Close()
	}()

	out := &Response{
		ContentType: resp.Header.Get("Content-Type"),
		URL:         resp.Request.URL.String(),
		Status:      resp.StatusCode,
		Validators:  Validators{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")},
		Links:       resp.Header.Values("Link"),
	}

	if resp.StatusCode == http.StatusNotModified {
		// The validators kept are those sent, unless the 304 has new ones.
		out.NotModified = true
		if out.Validators.ETag == "" {
			out.Validators.ETag = v.ETag
		}
		if out.Validators.LastModified == "" {
			out.Validators.LastModified = v.LastModified
		}
		return out, nil
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, f.statusError(resp, shown())
	}
	if err := f.readBody(ctx, cancel, resp, src, out, shown); err != nil {
		return nil, err
	}
	return out, nil
}

// newRequest builds the GET of u, conditional when v holds validators.
func (f *Fetcher) newRequest(ctx context.Context, u *url.URL, src Source, v Validators) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("User-Agent", f.userAgent)
	req.Header.Set("Accept", acceptFor(src.EffectiveKind()))
	// Accept-Encoding is left to the Transport: it then asks for gzip and
	// decompresses transparently, and the cap in readBody applies to the
	// decompressed bytes, so a gzip bomb is cut off like any large body.
	if v.ETag != "" {
		req.Header.Set("If-None-Match", v.ETag)
	}
	if v.LastModified != "" {
		req.Header.Set("If-Modified-Since", v.LastModified)
	}
	return req, nil
}

// statusError is the error of a status other than 2xx and 304, with the
// Retry-After of a 429 or 503.
func (f *Fetcher) statusError(resp *http.Response, shown string) *FetchError {
	fe := &FetchError{
		Class:  ClassHTTPStatus,
		Status: resp.StatusCode,
		URL:    shown,
		Err:    fmt.Errorf("unexpected status %s", resp.Status),
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		fe.RetryAfter = ParseRetryAfter(resp.Header.Get("Retry-After"), f.now())
	}
	return fe
}

// readBody reads the body into out, capped at src.EffectiveMaxBytes() and
// watched for stalls (cancel stops the request with ErrBodyStalled), and
// decodes it to UTF-8.
func (f *Fetcher) readBody(ctx context.Context, cancel context.CancelCauseFunc, resp *http.Response, src Source, out *Response, shown func() string) *FetchError {
	limit := src.EffectiveMaxBytes()
	watch := newStallReader(resp.Body, f.stall, func() { cancel(ErrBodyStalled) })
	raw, err := readCapped(watch, resp.ContentLength, limit)
	watch.stop()
	if err != nil {
		if errors.Is(context.Cause(ctx), ErrBodyStalled) {
			err = fmt.Errorf("read body: %w: less than %d bytes in %v", ErrBodyStalled, stallBytes, f.stall)
			return &FetchError{Class: ClassTimeout, Status: resp.StatusCode, URL: shown(), Err: err}
		}
		return &FetchError{Class: ClassOf(err), Status: resp.StatusCode, URL: shown(), Err: err}
	}
	body, cs, err := DecodeBody(raw, out.ContentType, src.Charset)
	if err != nil {
		return &FetchError{Class: ClassParse, Status: resp.StatusCode, URL: shown(), Err: err}
	}
	out.Body, out.Charset = body, cs
	return nil
}

// stallReader calls stalled when less than stallBytes have been read in
// d: every stallBytes read restart the clock.
type stallReader struct {
	r     io.Reader
	d     time.Duration
	timer *time.Timer
	since int // bytes read since the clock last restarted
}

func newStallReader(r io.Reader, d time.Duration, stalled func()) *stallReader {
	return &stallReader{r: r, d: d, timer: time.AfterFunc(d, stalled)}
}

func (s *stallReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if s.since += n; s.since >= stallBytes {
		s.since = 0
		s.timer.Reset(s.d)
	}
	return n, err
}

// stop ends the watch once the body is read.
func (s *stallReader) stop() { s.timer.Stop() }

// readCapped reads r whole unless it is over limit bytes. A declared
// length over the cap fails before anything is read; otherwise at most
// limit+1 bytes are read, which is enough to know the body is too large
// without holding more of it.
//
// The body is read in chunks and copied once into a slice of its exact
// size: a buffer that doubles as it fills would hold up to twice the body
// for the whole poll, and allocate four times it on the way.
func readCapped(r io.Reader, contentLength, limit int64) ([]byte, error) {
	if contentLength > limit {
		return nil, &TooLargeError{Limit: limit}
	}
	r = io.LimitReader(r, limit+1)
	var (
		chunks [][]byte
		n      int64
		size   int64 = 32 << 10
	)
	if contentLength > 0 {
		size = contentLength + 1 // +1: the read that sees EOF
	}
	for {
		chunk := make([]byte, size)
		m, err := io.ReadFull(r, chunk)
		chunks = append(chunks, chunk[:m])
		n += int64(m)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read body: %w", err)
		}
		size = min(2*size, 4<<20)
	}
	if n > limit {
		return nil, &TooLargeError{Limit: limit}
	}
	if len(chunks) == 1 && int64(cap(chunks[0])) <= n+n/8+1 {
		return chunks[0], nil
	}
	body := make([]byte, 0, n)
	for _, c := range chunks {
		body = append(body, c...)
	}
	return body, nil
}

// acceptFor returns the Accept header for a kind of source.
func acceptFor(k Kind) string {
	switch k {
	case KindHTML, KindTelegram:
		return "text/html, application/xhtml+xml;q=0.9, */*;q=0.8"
	case KindJSON:
		return "application/json, */*;q=0.8"
	default:
		return "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"
	}
}

// ParseRetryAfter reads a Retry-After header value: delay-seconds or an
// HTTP date, taken relative to now. It returns 0 for an empty, malformed
// or past value, and caps the result at MaxRetryAfter so that a bogus
// header cannot silence a source for long.
func ParseRetryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(value, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter
		}
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(value); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), MaxRetryAfter)
}

// redactURL hides the password of a URL that may not even parse.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return "(unparsable url)"
}
