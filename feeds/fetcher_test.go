package feeds

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// testFetcher returns a fetcher whose client may reach 127.0.0.1.
func testFetcher(opts ClientOptions) *Fetcher {
	opts.AllowPrivate = true
	return NewFetcher(NewClient(opts), "Aajil/test (+https://github.com/aajil/aajil)")
}

func TestFetchConditionalGET(t *testing.T) {
	const (
		etag    = `"v1-abc"`
		lastMod = "Mon, 02 Mar 2026 10:00:00 GMT"
		newEtag = `"v2-def"`
		newLM   = "Tue, 24 Mar 2026 04:02:00 GMT"
	)
	doc := readFixture(t, "ar_asharq_alawsat_scraped_2026-03-24_04-02.rss")
	tests := map[string]struct {
		stored     Validators
		status     int        // what the server answers
		sendBack   Validators // validators the server sends
		wantINM    string     // If-None-Match the server must see ("" = absent)
		wantIMS    string     // If-Modified-Since the server must see
		wantResult Validators // validators the fetch returns
		wantNotMod bool
	}{
		"nothing stored: unconditional, both new validators returned": {
			status: 200, sendBack: Validators{ETag: etag, LastModified: lastMod},
			wantResult: Validators{ETag: etag, LastModified: lastMod},
		},
		"etag only": {
			stored: Validators{ETag: etag}, status: 304, wantINM: etag,
			wantResult: Validators{ETag: etag}, wantNotMod: true,
		},
		"last-modified only": {
			stored: Validators{LastModified: lastMod}, status: 304, wantIMS: lastMod,
			wantResult: Validators{LastModified: lastMod}, wantNotMod: true,
		},
		"both stored, 304 carries both over": {
			stored: Validators{ETag: etag, LastModified: lastMod}, status: 304, wantINM: etag, wantIMS: lastMod,
			wantResult: Validators{ETag: etag, LastModified: lastMod}, wantNotMod: true,
		},
		"both stored, 304 with a new etag": {
			stored: Validators{ETag: etag, LastModified: lastMod}, status: 304, sendBack: Validators{ETag: newEtag},
			wantINM: etag, wantIMS: lastMod,
			wantResult: Validators{ETag: newEtag, LastModified: lastMod}, wantNotMod: true,
		},
		"both stored, changed document": {
			stored: Validators{ETag: etag, LastModified: lastMod}, status: 200,
			sendBack: Validators{ETag: newEtag, LastModified: newLM}, wantINM: etag, wantIMS: lastMod,
			wantResult: Validators{ETag: newEtag, LastModified: newLM},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var mu sync.Mutex
			var gotINM, gotIMS []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				gotINM, gotIMS = r.Header.Values("If-None-Match"), r.Header.Values("If-Modified-Since")
				mu.Unlock()
				if tt.sendBack.ETag != "" {
					w.Header().Set("ETag", tt.sendBack.ETag)
				}
				if tt.sendBack.LastModified != "" {
					w.Header().Set("Last-Modified", tt.sendBack.LastModified)
				}
				if tt.status == http.StatusNotModified {
					w.WriteHeader(http.StatusNotModified)
					return
				}
				w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
				w.Write(doc)
			}))
			defer srv.Close()

			resp, err := testFetcher(ClientOptions{}).Fetch(context.Background(), Source{URL: srv.URL}, tt.stored)
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if want := headerValues(tt.wantINM); !equalStrings(gotINM, want) {
				t.Errorf("If-None-Match sent = %q, want %q", gotINM, want)
			}
			if want := headerValues(tt.wantIMS); !equalStrings(gotIMS, want) {
				t.Errorf("If-Modified-Since sent = %q, want %q", gotIMS, want)
			}
			if resp.NotModified != tt.wantNotMod || resp.Status != tt.status {
				t.Errorf("NotModified, Status = %v, %d; want %v, %d", resp.NotModified, resp.Status, tt.wantNotMod, tt.status)
			}
			if resp.Validators != tt.wantResult {
				t.Errorf("Validators = %+v, want %+v", resp.Validators, tt.wantResult)
			}
			switch {
			case tt.wantNotMod && resp.Body != nil:
				t.Errorf("Body = %q on a 304, want nil", firstBytes(resp.Body, 60))
			case !tt.wantNotMod && !bytes.Equal(resp.Body, doc):
				t.Errorf("Body starts %q, want the served document", firstBytes(resp.Body, 60))
			}
		})
	}
}

func headerValues(v string) []string {
	if v == "" {
		return nil
	}
	return []string{v}
}

func equalStrings(a, b []string) bool {
	return strings.Join(a, "\x00") == strings.Join(b, "\x00") && len(a) == len(b)
}

func TestFetchSendsAcceptAndUserAgent(t *testing.T) {
	tests := map[string]struct {
		kind       Kind
		wantAccept string
	}{
		"rss by default": {kind: "", wantAccept: "application/rss+xml"},
		"html":           {kind: KindHTML, wantAccept: "text/html"},
		"json":           {kind: KindJSON, wantAccept: "application/json"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			type seen struct{ accept, ua, encoding string }
			got := make(chan seen, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got <- seen{r.Header.Get("Accept"), r.UserAgent(), r.Header.Get("Accept-Encoding")}
			}))
			defer srv.Close()
			if _, err := testFetcher(ClientOptions{}).Fetch(context.Background(), Source{URL: srv.URL, Kind: tt.kind}, Validators{}); err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			s := <-got
			if !strings.HasPrefix(s.accept, tt.wantAccept) {
				t.Errorf("Accept = %q, want it to start with %q", s.accept, tt.wantAccept)
			}
			if want := "Aajil/test (+https://github.com/aajil/aajil)"; s.ua != want {
				t.Errorf("User-Agent = %q, want %q", s.ua, want)
			}
			if s.encoding != "gzip" {
				t.Errorf("Accept-Encoding = %q, want gzip", s.encoding)
			}
		})
	}
}

func TestFetchRedirects(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// /hop/N redirects N more times, then serves the feed.
		n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/hop/"))
		if err != nil || n == 0 {
			okHandler(w, r)
			return
		}
		http.Redirect(w, r, fmt.Sprintf("%s/hop/%d", srv.URL, n-1), http.StatusMovedPermanently)
	}))
	defer srv.Close()

	tests := map[string]struct {
		hops    int
		wantErr bool
	}{
		"no redirect":     {hops: 0},
		"one":             {hops: 1},
		"five":            {hops: 5},
		"six is too many": {hops: 6, wantErr: true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			resp, err := testFetcher(ClientOptions{}).Fetch(context.Background(), Source{URL: fmt.Sprintf("%s/hop/%d", srv.URL, tt.hops)}, Validators{})
			if tt.wantErr {
				if !errors.Is(err, ErrTooManyRedirects) {
					t.Fatalf("err = %v, want ErrTooManyRedirects", err)
				}
				if got := ClassOf(err); got != ClassOther {
					t.Errorf("ClassOf = %q, want %q", got, ClassOther)
				}
				return
			}
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if want := srv.URL + "/hop/0"; tt.hops > 0 && resp.URL != want {
				t.Errorf("URL = %q, want the final URL %q", resp.URL, want)
			}
		})
	}
}

func TestFetchBodyCap(t *testing.T) {
	const limit = 64 << 10
	big := bytes.Repeat([]byte("<item><title>عاجل</title></item>\n"), 2*limit/32)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(bytes.Repeat([]byte(" "), 4<<20)) // 4 MiB of spaces: about 4 KiB compressed
	zw.Close()

	tests := map[string]struct {
		maxBytes int64
		handler  http.HandlerFunc
		wantMsg  string
	}{
		"content-length over the cap": {
			maxBytes: limit,
			handler:  func(w http.ResponseWriter, r *http.Request) { w.Write(big) },
			wantMsg:  "response too large: over 64 KiB",
		},
		"chunked, no content-length": {
			maxBytes: limit,
			handler: func(w http.ResponseWriter, r *http.Request) {
				for rest := big; len(rest) > 0; rest = rest[min(len(rest), 4096):] {
					w.Write(rest[:min(len(rest), 4096)])
					w.(http.Flusher).Flush()
				}
			},
			wantMsg: "response too large: over 64 KiB",
		},
		"gzip expanding past the cap": {
			maxBytes: limit,
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", "gzip")
				w.Write(gz.Bytes())
			},
			wantMsg: "response too large: over 64 KiB",
		},
		"declared length over the default 5 MiB": {
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", strconv.Itoa(6<<20))
				w.WriteHeader(http.StatusOK)
			},
			wantMsg: "response too large: over 5 MiB",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			_, err := testFetcher(ClientOptions{}).Fetch(context.Background(), Source{URL: srv.URL, MaxBytes: tt.maxBytes}, Validators{})
			if got := ClassOf(err); got != ClassTooLarge {
				t.Fatalf("ClassOf(%v) = %q, want %q", err, got, ClassTooLarge)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not say %q", err, tt.wantMsg)
			}
		})
	}

	t.Run("exactly at the cap is fine", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(big[:limit]) }))
		defer srv.Close()
		resp, err := testFetcher(ClientOptions{}).Fetch(context.Background(), Source{URL: srv.URL, MaxBytes: limit}, Validators{})
		if err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		if len(resp.Body) != limit {
			t.Errorf("len(Body) = %d, want %d", len(resp.Body), limit)
		}
	})
}

func TestFetchGzip(t *testing.T) {
	doc := readFixture(t, "en_bbc_world_2026-08-13T0927Z.rss")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept-Encoding") != "gzip" {
			t.Errorf("Accept-Encoding = %q, want gzip", r.Header.Get("Accept-Encoding"))
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		zw.Write(doc)
		zw.Close()
	}))
	defer srv.Close()
	resp, err := testFetcher(ClientOptions{}).Fetch(context.Background(), Source{URL: srv.URL}, Validators{})
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if !bytes.Equal(resp.Body, doc) {
		t.Errorf("Body (%d bytes) starts %q, want the %d-byte document", len(resp.Body), firstBytes(resp.Body, 40), len(doc))
	}
}

func TestFetchDecodesCharset(t *testing.T) {
	cp1256 := readFixture(t, "ar_news_paragraph_windows-1256_no_charset.html")
	tests := map[string]struct {
		contentType string
		override    string
		wantCharset string
	}{
		"header charset":                   {contentType: "text/html; charset=windows-1256", wantCharset: "windows-1256"},
		"source override beats the header": {contentType: "text/html; charset=iso-8859-6", override: "windows-1256", wantCharset: "windows-1256"},
		"sniffed":                          {contentType: "text/html", wantCharset: "windows-1256"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				w.Write(cp1256)
			}))
			defer srv.Close()
			resp, err := testFetcher(ClientOptions{}).Fetch(context.Background(), Source{URL: srv.URL, Kind: KindHTML, Charset: tt.override}, Validators{})
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if resp.Charset != tt.wantCharset || resp.ContentType != tt.contentType {
				t.Errorf("Charset, ContentType = %q, %q; want %q, %q", resp.Charset, resp.ContentType, tt.wantCharset, tt.contentType)
			}
			if !bytes.Contains(resp.Body, []byte(qassamPhrase)) {
				t.Errorf("Body does not contain %q", qassamPhrase)
			}
		})
	}
}

func TestFetchRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 24, 4, 2, 0, 0, time.UTC)
	tests := map[string]struct {
		status     int
		retryAfter string
		want       time.Duration
	}{
		"429 seconds":              {status: 429, retryAfter: "120", want: 2 * time.Minute},
		"503 seconds":              {status: 503, retryAfter: "30", want: 30 * time.Second},
		"429 http date":            {status: 429, retryAfter: now.Add(90 * time.Second).Format(http.TimeFormat), want: 90 * time.Second},
		"503 http date":            {status: 503, retryAfter: now.Add(time.Hour).Format(http.TimeFormat), want: time.Hour},
		"503 date in the past":     {status: 503, retryAfter: now.Add(-time.Hour).Format(http.TimeFormat), want: 0},
		"429 absurd value capped":  {status: 429, retryAfter: "999999999", want: MaxRetryAfter},
		"429 garbage":              {status: 429, retryAfter: "soon", want: 0},
		"500 is not asked to wait": {status: 500, retryAfter: "120", want: 0},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", tt.retryAfter)
				w.WriteHeader(tt.status)
			}))
			defer srv.Close()
			f := testFetcher(ClientOptions{})
			f.now = func() time.Time { return now }
			_, err := f.Fetch(context.Background(), Source{URL: srv.URL}, Validators{})
			var fe *FetchError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a *FetchError", err)
			}
			if fe.Class != ClassHTTPStatus || fe.Status != tt.status || fe.RetryAfter != tt.want {
				t.Errorf("Class, Status, RetryAfter = %q, %d, %v; want %q, %d, %v",
					fe.Class, fe.Status, fe.RetryAfter, ClassHTTPStatus, tt.status, tt.want)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 8, 13, 9, 27, 0, 0, time.UTC)
	tests := map[string]struct {
		value string
		want  time.Duration
	}{
		"empty":            {"", 0},
		"seconds":          {"3600", time.Hour},
		"padded":           {" 5 ", 5 * time.Second},
		"zero":             {"0", 0},
		"negative":         {"-30", 0},
		"over the cap":     {"86400", MaxRetryAfter},
		"huge":             {"99999999999999999999", 0},
		"imf-fixdate":      {"Thu, 13 Aug 2026 09:57:00 GMT", 30 * time.Minute},
		"rfc 850 date":     {"Thursday, 13-Aug-26 09:28:00 GMT", time.Minute},
		"asctime date":     {"Thu Aug 13 09:29:00 2026", 2 * time.Minute},
		"date far ahead":   {"Fri, 14 Aug 2026 09:27:00 GMT", MaxRetryAfter},
		"date in the past": {"Wed, 12 Aug 2026 09:27:00 GMT", 0},
		"nonsense":         {"tomorrow", 0},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := ParseRetryAfter(tt.value, now); got != tt.want {
				t.Errorf("ParseRetryAfter(%q) = %v, want %v", tt.value, got, tt.want)
			}
		})
	}
}

func TestFetchErrorClasses(t *testing.T) {
	notFound := httptest.NewServer(http.NotFoundHandler())
	defer notFound.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer broken.Close()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(okHandler))
	defer tlsSrv.Close()
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte("x"), 4<<10))
	}))
	defer big.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer slow.Close()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + closed.Addr().String() + "/"
	closed.Close()
	resolver := startDNS(t, map[string]netip.Addr{})
	canceled, cancel := context.WithCancel(context.Background())
	cancel()

	tests := map[string]struct {
		opts       ClientOptions
		ctx        context.Context
		src        Source
		wantClass  ErrorClass
		wantStatus int
	}{
		"dns":                   {opts: ClientOptions{AllowPrivate: true, resolver: resolver}, src: Source{URL: "http://no-such-host.invalid/feed"}, wantClass: ClassDNS},
		"connection refused":    {opts: ClientOptions{AllowPrivate: true}, src: Source{URL: closedURL}, wantClass: ClassConnect},
		"tls unknown authority": {opts: ClientOptions{AllowPrivate: true}, src: Source{URL: tlsSrv.URL}, wantClass: ClassTLS},
		"http 404":              {opts: ClientOptions{AllowPrivate: true}, src: Source{URL: notFound.URL}, wantClass: ClassHTTPStatus, wantStatus: 404},
		"http 500":              {opts: ClientOptions{AllowPrivate: true}, src: Source{URL: broken.URL}, wantClass: ClassHTTPStatus, wantStatus: 500},
		"timeout":               {opts: ClientOptions{AllowPrivate: true, Timeout: 200 * time.Millisecond}, src: Source{URL: slow.URL}, wantClass: ClassTimeout},
		"caller's deadline":     {opts: ClientOptions{AllowPrivate: true}, ctx: deadline(t, 200*time.Millisecond), src: Source{URL: slow.URL}, wantClass: ClassTimeout},
		"canceled":              {opts: ClientOptions{AllowPrivate: true}, ctx: canceled, src: Source{URL: notFound.URL}, wantClass: ClassCanceled},
		"private address":       {opts: ClientOptions{}, src: Source{URL: notFound.URL}, wantClass: ClassBlocked},
		"file scheme":           {opts: ClientOptions{AllowPrivate: true}, src: Source{URL: "file:///etc/passwd"}, wantClass: ClassBlocked},
		"too large":             {opts: ClientOptions{AllowPrivate: true}, src: Source{URL: big.URL, MaxBytes: 1 << 10}, wantClass: ClassTooLarge, wantStatus: 200},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			_, err := NewFetcher(NewClient(tt.opts), "").Fetch(ctx, tt.src, Validators{})
			var fe *FetchError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a *FetchError", err)
			}
			if got := ClassOf(err); got != tt.wantClass || fe.Status != tt.wantStatus {
				t.Errorf("class, status = %q, %d; want %q, %d (err: %v)", got, fe.Status, tt.wantClass, tt.wantStatus, err)
			}
			if !strings.HasPrefix(err.Error(), "fetch ") {
				t.Errorf("error %q does not name the operation", err)
			}
		})
	}
}

func deadline(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestFetchUnknownSourceCharsetIsParseError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(okHandler))
	defer srv.Close()
	_, err := testFetcher(ClientOptions{}).Fetch(context.Background(), Source{URL: srv.URL, Charset: "windows-1265"}, Validators{})
	if got := ClassOf(err); got != ClassParse || !errors.Is(err, ErrUnknownCharset) {
		t.Fatalf("ClassOf(%v) = %q, want %q wrapping ErrUnknownCharset", err, got, ClassParse)
	}
	if !strings.Contains(err.Error(), "windows-1265") {
		t.Errorf("error %q does not name the charset", err)
	}
}

func TestClassOf(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("poll sana: %w", err) }
	tests := map[string]struct {
		err  error
		want ErrorClass
	}{
		"nil":                {nil, ""},
		"fetch error wins":   {wrap(&FetchError{Class: ClassHTTPStatus, Err: context.DeadlineExceeded}), ClassHTTPStatus},
		"canceled":           {wrap(context.Canceled), ClassCanceled},
		"deadline":           {wrap(context.DeadlineExceeded), ClassTimeout},
		"dns":                {wrap(&net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}), ClassDNS},
		"dns timeout is dns": {wrap(&net.DNSError{Err: "i/o timeout", Name: "x", IsTimeout: true}), ClassDNS},
		"dial":               {wrap(&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}), ClassConnect},
		"blocked in dial":    {wrap(&net.OpError{Op: "dial", Err: &BlockedError{Addr: netip.MustParseAddr("10.0.0.1"), Reason: "private"}}), ClassBlocked},
		"too large":          {wrap(&TooLargeError{Limit: DefaultMaxBytes}), ClassTooLarge},
		"max bytes":          {wrap(&http.MaxBytesError{Limit: 10}), ClassTooLarge},
		"parse":              {wrap(&ParseError{Kind: KindRSS, Err: errors.New("EOF")}), ClassParse},
		"unknown charset":    {wrap(fmt.Errorf("decode: %w", ErrUnknownCharset)), ClassParse},
		"scheme":             {wrap(fmt.Errorf("%w %q", ErrUnsupportedScheme, "ftp")), ClassBlocked},
		"redirects":          {wrap(ErrTooManyRedirects), ClassOther},
		"anything else":      {errors.New("weird"), ClassOther},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := ClassOf(tt.err); got != tt.want {
				t.Errorf("ClassOf(%v) = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
}

func TestTooLargeErrorMessage(t *testing.T) {
	tests := map[string]struct {
		limit int64
		want  string
	}{
		"default": {DefaultMaxBytes, "response too large: over 5 MiB"},
		"kib":     {64 << 10, "response too large: over 64 KiB"},
		"bytes":   {1000, "response too large: over 1000 bytes"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := (&TooLargeError{Limit: tt.limit}).Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

func BenchmarkFetch(b *testing.B) {
	doc := readFixture(b, "en_bbc_world_2026-08-13T0927Z.rss")
	const etag = `"bbc-0927"`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Write(doc)
	}))
	defer srv.Close()
	f := testFetcher(ClientOptions{})
	src := Source{URL: srv.URL}
	b.Run("200 with body", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			if _, err := f.Fetch(context.Background(), src, Validators{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("304 not modified", func(b *testing.B) {
		for b.Loop() {
			if _, err := f.Fetch(context.Background(), src, Validators{ETag: etag}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestFetchBodyStall: a body that stops coming, or trickles, fails after
// the stall timeout, as a timeout, long before the client's own timeout;
// a body that keeps coming at a real pace is read whole, however long it
// takes in all.
func TestFetchBodyStall(t *testing.T) {
	doc := `<rss version="2.0"><channel><title>` + strings.Repeat("t", 4<<10) + `</title></channel></rss>`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.WriteHeader(http.StatusOK)
		send := func(b string) bool {
			if _, err := w.Write([]byte(b)); err != nil {
				return false
			}
			w.(http.Flusher).Flush()
			return true
		}
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		switch r.URL.Path {
		case "/stalls":
			send(doc[:10])
			<-r.Context().Done()
		case "/trickles":
			// 8 bytes every 20 ms: 400 bytes a second.
			for i := 0; i < len(doc) && send(doc[i:min(i+8, len(doc))]); i += 8 {
				<-tick.C
			}
		default:
			// 256 bytes every 20 ms: slower in all than the stall
			// timeout, but bringing 1 KiB well within it.
			for i := 0; i < len(doc) && send(doc[i:min(i+256, len(doc))]); i += 256 {
				<-tick.C
			}
		}
	}))
	defer srv.Close()
	f := testFetcher(ClientOptions{Timeout: time.Minute})
	f.SetStallTimeout(300 * time.Millisecond)

	for _, path := range []string{"/stalls", "/trickles"} {
		_, err := f.Fetch(context.Background(), Source{ID: "s", URL: srv.URL + path}, Validators{})
		if !errors.Is(err, ErrBodyStalled) || ClassOf(err) != ClassTimeout {
			t.Errorf("Fetch(%s) error = %v (class %q), want ErrBodyStalled, class timeout", path, err, ClassOf(err))
		}
	}
	resp, err := f.Fetch(context.Background(), Source{ID: "s", URL: srv.URL + "/steady"}, Validators{})
	if err != nil {
		t.Fatalf("Fetch(steady body) error = %v, want nil", err)
	}
	if string(resp.Body) != doc {
		t.Errorf("Fetch(steady body) = %d bytes, want the %d of the document", len(resp.Body), len(doc))
	}
}
