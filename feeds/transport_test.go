package feeds

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aajil/aajil/internal/wait"
)

// leanOf is the lean transport of a client made by NewClient.
func leanOf(t *testing.T, c *http.Client) *leanTransport {
	t.Helper()
	ua, ok := c.Transport.(*userAgentTransport)
	if !ok {
		t.Fatalf("client transport is %T, want *userAgentTransport", c.Transport)
	}
	return ua.base
}

// idleCount is the number of idle connections the transport keeps.
func idleCount(lt *leanTransport) int {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	n := 0
	for _, list := range lt.idle {
		n += len(list)
	}
	return n
}

// connCountingServer starts an httptest server with h that counts the
// connections it accepted.
func connCountingServer(t *testing.T, h http.HandlerFunc, tlsServer bool) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	if tlsServer {
		// The server prefers HTTP/2; the client must still speak
		// HTTP/1.1.
		srv.EnableHTTP2 = true
		srv.TLS = &tls.Config{NextProtos: []string{"h2", "http/1.1"}}
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv, &conns
}

// get GETs url with c and reads the whole body.
func get(ctx context.Context, c *http.Client, url string) (*http.Response, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, string(b), err
}

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestLeanTransportKeepsConnections(t *testing.T) {
	const doc = "<rss>news</rss>"
	zdoc := gzipped(t, doc)
	tests := map[string]struct {
		handler        http.HandlerFunc
		wantStatus     int
		wantBody       string
		wantConns      int64
		wantGzip       bool // the answer was decoded from gzip
		wantAcceptGzip bool // the server was asked for gzip
		header         http.Header
	}{
		"304": {
			handler:        func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotModified) },
			wantStatus:     304,
			wantConns:      1,
			wantAcceptGzip: true,
		},
		"500": {
			handler:        func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) },
			wantStatus:     500,
			wantBody:       "boom\n",
			wantConns:      1,
			wantAcceptGzip: true,
		},
		"200 with content-length": {
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", fmt.Sprint(len(doc)))
				io.WriteString(w, doc)
			},
			wantStatus:     200,
			wantBody:       doc,
			wantConns:      1,
			wantAcceptGzip: true,
		},
		"chunked": {
			handler: func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, doc[:5])
				w.(http.Flusher).Flush() // no Content-Length now: chunked
				io.WriteString(w, doc[5:])
			},
			wantStatus:     200,
			wantBody:       doc,
			wantConns:      1,
			wantAcceptGzip: true,
		},
		"gzip": {
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", "gzip")
				w.Header().Set("Content-Length", fmt.Sprint(len(zdoc)))
				w.Write(zdoc)
			},
			wantStatus:     200,
			wantBody:       doc,
			wantConns:      1,
			wantGzip:       true,
			wantAcceptGzip: true,
		},
		"gzip chunked": {
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", "gzip")
				w.Write(zdoc[:10])
				w.(http.Flusher).Flush()
				w.Write(zdoc[10:])
			},
			wantStatus:     200,
			wantBody:       doc,
			wantConns:      1,
			wantGzip:       true,
			wantAcceptGzip: true,
		},
		"caller's accept-encoding": {
			handler: func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, r.Header.Get("Accept-Encoding"))
			},
			header:     http.Header{"Accept-Encoding": {"identity"}},
			wantStatus: 200,
			wantBody:   "identity",
			wantConns:  1,
		},
		"range": {
			handler: func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, r.Header.Get("Accept-Encoding"))
			},
			header:     http.Header{"Range": {"bytes=0-"}},
			wantStatus: 200,
			wantBody:   "",
			wantConns:  1,
		},
		"connection close": {
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Connection", "close")
				io.WriteString(w, doc)
			},
			wantStatus:     200,
			wantBody:       doc,
			wantConns:      3,
			wantAcceptGzip: true,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var askedGzip atomic.Bool
			srv, conns := connCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
				askedGzip.Store(r.Header.Get("Accept-Encoding") == "gzip")
				tt.handler(w, r)
			}, false)
			c := NewClient(ClientOptions{AllowPrivate: true})
			for i := range 3 {
				req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
				if err != nil {
					t.Fatal(err)
				}
				for k, v := range tt.header {
					req.Header[k] = v
				}
				resp, err := leanOf(t, c).RoundTrip(req)
				if err != nil {
					t.Fatalf("poll %d: %v", i, err)
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					t.Fatalf("poll %d: read body: %v", i, err)
				}
				if resp.StatusCode != tt.wantStatus || string(b) != tt.wantBody {
					t.Errorf("poll %d: got %d %q, want %d %q", i, resp.StatusCode, b, tt.wantStatus, tt.wantBody)
				}
				if resp.Uncompressed != tt.wantGzip {
					t.Errorf("poll %d: Uncompressed = %v, want %v", i, resp.Uncompressed, tt.wantGzip)
				}
				if tt.wantGzip && (resp.Header.Get("Content-Encoding") != "" || resp.Header.Get("Content-Length") != "" || resp.ContentLength != -1) {
					t.Errorf("poll %d: decoded answer has Content-Encoding %q, Content-Length %q, ContentLength %d; want none",
						i, resp.Header.Get("Content-Encoding"), resp.Header.Get("Content-Length"), resp.ContentLength)
				}
				if got := askedGzip.Load(); got != tt.wantAcceptGzip {
					t.Errorf("poll %d: server asked for gzip = %v, want %v", i, got, tt.wantAcceptGzip)
				}
				if resp.Request != req {
					t.Errorf("poll %d: resp.Request is not the request made", i)
				}
				if resp.ProtoMajor != 1 || resp.ProtoMinor != 1 {
					t.Errorf("poll %d: answer in %s, want HTTP/1.1", i, resp.Proto)
				}
			}
			if got := conns.Load(); got != tt.wantConns {
				t.Errorf("connections = %d, want %d", got, tt.wantConns)
			}
			want := 1 // the one connection, kept for the next poll
			if tt.wantConns > 1 {
				want = 0 // closed after every answer
			}
			if got := idleCount(leanOf(t, c)); got != want {
				t.Errorf("idle connections kept = %d, want %d", got, want)
			}
		})
	}
}

func TestLeanTransportHTTPS(t *testing.T) {
	srv, conns := connCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		io.WriteString(w, "secure news")
	}, true)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	c := NewClient(ClientOptions{AllowPrivate: true, rootCAs: pool})

	tests := []struct {
		etag       string
		wantStatus int
		wantBody   string
	}{
		{"", 200, "secure news"},
		{`"v1"`, 304, ""},
		{`"v1"`, 304, ""},
	}
	for i, tt := range tests {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		if tt.etag != "" {
			req.Header.Set("If-None-Match", tt.etag)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("poll %d: %v", i, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("poll %d: read body: %v", i, err)
		}
		if resp.StatusCode != tt.wantStatus || string(b) != tt.wantBody {
			t.Errorf("poll %d: got %d %q, want %d %q", i, resp.StatusCode, b, tt.wantStatus, tt.wantBody)
		}
		if resp.TLS == nil {
			t.Fatalf("poll %d: resp.TLS is nil", i)
		}
		if got := resp.TLS.NegotiatedProtocol; got != "http/1.1" {
			t.Errorf("poll %d: ALPN protocol %q, want http/1.1", i, got)
		}
		if resp.ProtoMajor != 1 {
			t.Errorf("poll %d: answer in %s, want HTTP/1.1", i, resp.Proto)
		}
	}
	if got := conns.Load(); got != 1 {
		t.Errorf("connections = %d, want 1", got)
	}

	// Without the test's root, the certificate is refused, as before.
	_, _, err := get(t.Context(), NewClient(ClientOptions{AllowPrivate: true}), srv.URL)
	if got := ClassOf(err); got != ClassTLS {
		t.Errorf("class of an unknown authority = %q, want %q (err: %v)", got, ClassTLS, err)
	}
}

// scriptServer serves HTTP/1.1 on 127.0.0.1 by hand, so that a test
// controls exactly when connections close: answer(conn, req) says what
// to do with request req (from 1) of connection conn (from 1). A normal
// answer's body is "c<conn> r<req>".
type scriptAction int

const (
	answer             scriptAction = iota // answer and keep the connection
	answerThenClose                        // answer, then close as if idle too long
	closeUnanswered                        // read the request and close
	resetUnanswered                        // close with a RST, the request unread
	halfAnswerClose                        // send part of the status line and headers, then close
	answerSwitching                        // answer 101 Switching Protocols
	answerInterimFirst                     // answer 100 and 103 before the answer
	answerThenTimeout                      // answer, then a 408 nobody asked for, and wait
)

func scriptServer(t *testing.T, plan func(conn, req int) scriptAction) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	var open sync.Map // net.Conn → struct{}, closed at cleanup
	t.Cleanup(func() {
		open.Range(func(k, _ any) bool { k.(net.Conn).Close(); return true })
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := 1; ; n++ {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			open.Store(conn, struct{}{})
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conn.Close()
				br := bufio.NewReader(conn)
				for r := 1; ; r++ {
					act := plan(n, r)
					if act == resetUnanswered {
						// Wait for the request, leave it unread, reset.
						if _, err := br.Peek(1); err != nil {
							return
						}
						conn.(*net.TCPConn).SetLinger(0)
						return
					}
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					io.Copy(io.Discard, req.Body)
					body := fmt.Sprintf("c%d r%d", n, r)
					ok := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
					switch act {
					case answer:
						io.WriteString(conn, ok)
					case answerThenClose:
						io.WriteString(conn, ok)
						return
					case answerThenTimeout:
						io.WriteString(conn, ok+"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n")
					case closeUnanswered:
						return
					case halfAnswerClose:
						io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Le")
						return
					case answerSwitching:
						io.WriteString(conn, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: feeds\r\nConnection: Upgrade\r\n\r\n")
						return
					case answerInterimFirst:
						io.WriteString(conn, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"+ok)
					}
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String() + "/feed"
}

func TestLeanTransportRetry(t *testing.T) {
	tests := map[string]struct {
		first    scriptAction // what connection 1 does with request 1
		second   scriptAction // what connection 1 does with request 2
		wantBody string       // of request 2; "" means an error
	}{
		"idle connection closed by the server": {first: answerThenClose, second: answer, wantBody: "c2 r1"},
		"unsolicited answer while idle":        {first: answerThenTimeout, second: answer, wantBody: "c2 r1"},
		"closed when the request comes":        {second: closeUnanswered, wantBody: "c2 r1"},
		"reset when the request comes":         {second: resetUnanswered, wantBody: "c2 r1"},
		"closed after part of an answer":       {second: halfAnswerClose},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			url := scriptServer(t, func(conn, req int) scriptAction {
				switch {
				case conn == 1 && req == 1:
					return tt.first
				case conn == 1 && req == 2:
					return tt.second
				}
				return answer
			})
			c := NewClient(ClientOptions{AllowPrivate: true})
			if _, body, err := get(t.Context(), c, url); err != nil || body != "c1 r1" {
				t.Fatalf("first poll: %q, %v; want %q", body, err, "c1 r1")
			}
			_, body, err := get(t.Context(), c, url)
			if tt.wantBody == "" {
				if err == nil {
					t.Fatalf("second poll: %q, want an error (no retry once an answer began)", body)
				}
			} else if err != nil || body != tt.wantBody {
				t.Fatalf("second poll: %q, %v; want %q", body, err, tt.wantBody)
			}
			// The connection that failed is not kept, and a retry
			// is not retried again: the next poll is on a good one.
			want := "c2 r2"
			if tt.wantBody == "" {
				want = "c2 r1"
			}
			if _, body, err := get(t.Context(), c, url); err != nil || body != want {
				t.Errorf("third poll: %q, %v; want %q", body, err, want)
			}
		})
	}
}

func TestLeanTransportNewConnectionNotRetried(t *testing.T) {
	var conns atomic.Int64
	url := scriptServer(t, func(conn, req int) scriptAction {
		conns.Store(int64(conn))
		return closeUnanswered
	})
	_, _, err := get(t.Context(), NewClient(ClientOptions{AllowPrivate: true}), url)
	if err == nil {
		t.Fatal("poll of a server that closes every connection succeeded")
	}
	if got := conns.Load(); got != 1 {
		t.Errorf("connections = %d, want 1 (a new connection is not retried)", got)
	}
}

func TestLeanTransportInterimAnswers(t *testing.T) {
	tests := map[string]struct {
		act      scriptAction
		wantBody string // "" means an error
	}{
		"100 and 103 skipped": {act: answerInterimFirst, wantBody: "c1 r1"},
		"101 refused":         {act: answerSwitching},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			url := scriptServer(t, func(conn, req int) scriptAction { return tt.act })
			resp, body, err := get(t.Context(), NewClient(ClientOptions{AllowPrivate: true}), url)
			if tt.wantBody == "" {
				if err == nil {
					t.Fatalf("got %d %q, want an error", resp.StatusCode, body)
				}
				return
			}
			if err != nil || resp.StatusCode != 200 || body != tt.wantBody {
				t.Fatalf("got %v %q, %v; want 200 %q", resp, body, err, tt.wantBody)
			}
		})
	}
}

func TestLeanTransportEarlyCloseDropsConnection(t *testing.T) {
	big := strings.Repeat("x", 256<<10)
	srv, conns := connCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, big)
	}, false)
	c := NewClient(ClientOptions{AllowPrivate: true})
	for i := range 2 {
		resp, err := c.Get(srv.URL)
		if err != nil {
			t.Fatalf("poll %d: %v", i, err)
		}
		buf := make([]byte, 10)
		if _, err := io.ReadFull(resp.Body, buf); err != nil {
			t.Fatalf("poll %d: read: %v", i, err)
		}
		if err := resp.Body.Close(); err != nil {
			t.Errorf("poll %d: close: %v", i, err)
		}
		if _, err := resp.Body.Read(buf); err == nil {
			t.Errorf("poll %d: read after close succeeded", i)
		}
		if got := idleCount(leanOf(t, c)); got != 0 {
			t.Errorf("poll %d: idle connections = %d, want 0", i, got)
		}
	}
	if got := conns.Load(); got != 2 {
		t.Errorf("connections = %d, want 2 (a body closed before its end drops its connection)", got)
	}
}

func TestLeanTransportDeadlines(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	stalled := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}
	stalledMidBody := func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<rss>")
		w.(http.Flusher).Flush()
		stalled(w, r)
	}
	tests := map[string]struct {
		handler http.HandlerFunc
		cancel  bool // cancel the context after the first bytes instead of a deadline
		want    error
	}{
		"stalled before the answer": {handler: stalled, want: context.DeadlineExceeded},
		"stalled in the body":       {handler: stalledMidBody, want: context.DeadlineExceeded},
		"canceled in the body":      {handler: stalledMidBody, cancel: true, want: context.Canceled},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			srv, _ := connCountingServer(t, tt.handler, false)
			c := NewClient(ClientOptions{AllowPrivate: true})
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			if !tt.cancel {
				ctx, cancel = context.WithTimeout(ctx, 100*time.Millisecond)
				defer cancel()
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := c.Do(req)
			if err == nil {
				defer resp.Body.Close()
				buf := make([]byte, 5)
				if _, err = io.ReadFull(resp.Body, buf); err != nil {
					t.Fatalf("first bytes: %v", err)
				}
				if tt.cancel {
					cancel()
				}
				_, err = resp.Body.Read(buf)
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if got := idleCount(leanOf(t, c)); got != 0 {
				t.Errorf("idle connections = %d, want 0", got)
			}
		})
	}
}

func TestLeanTransportIdlePool(t *testing.T) {
	const parallel = 6
	var arrived sync.WaitGroup
	arrived.Add(parallel)
	gate := make(chan struct{})
	srv, conns := connCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/parallel" {
			arrived.Done()
			<-gate
		}
		io.WriteString(w, "ok")
	}, false)
	c := NewClient(ClientOptions{AllowPrivate: true})
	lt := leanOf(t, c)

	// Six requests at once need six connections; four are kept after.
	errs := make(chan error, parallel)
	for range parallel {
		go func() {
			_, _, err := get(t.Context(), c, srv.URL+"/parallel")
			errs <- err
		}()
	}
	arrived.Wait()
	close(gate)
	for range parallel {
		if err := wait.Recv(t, errs, "a parallel poll"); err != nil {
			t.Fatalf("parallel poll: %v", err)
		}
	}
	if got := conns.Load(); got != parallel {
		t.Fatalf("connections = %d, want %d", got, parallel)
	}
	if got := idleCount(lt); got != leanMaxIdlePerHost {
		t.Errorf("idle connections = %d, want %d", got, leanMaxIdlePerHost)
	}

	// A connection idle longer than the idle timeout is not used.
	lt.mu.Lock()
	for _, list := range lt.idle {
		for _, lc := range list {
			lc.idleAt = lc.idleAt.Add(-2 * leanIdleTimeout)
		}
	}
	lt.mu.Unlock()
	if _, _, err := get(t.Context(), c, srv.URL); err != nil {
		t.Fatal(err)
	}
	if got := conns.Load(); got != parallel+1 {
		t.Errorf("connections after the idle ones aged = %d, want %d", got, parallel+1)
	}
	if got := idleCount(lt); got != 1 {
		t.Errorf("idle connections after the idle ones aged = %d, want 1", got)
	}

	c.CloseIdleConnections()
	if got := idleCount(lt); got != 0 {
		t.Errorf("idle connections after CloseIdleConnections = %d, want 0", got)
	}
	if _, _, err := get(t.Context(), c, srv.URL); err != nil {
		t.Fatal(err)
	}
	if got := conns.Load(); got != parallel+2 {
		t.Errorf("connections after CloseIdleConnections = %d, want %d", got, parallel+2)
	}
}

func TestLeanTransportSweep(t *testing.T) {
	srv1, _ := connCountingServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }, false)
	srv2, _ := connCountingServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }, false)
	c := NewClient(ClientOptions{AllowPrivate: true})
	lt := leanOf(t, c)
	if _, _, err := get(t.Context(), c, srv1.URL); err != nil {
		t.Fatal(err)
	}
	// srv1's connection has been idle long; the next put sweeps it,
	// though srv1 is not asked again.
	lt.mu.Lock()
	for _, list := range lt.idle {
		for _, lc := range list {
			lc.idleAt = lc.idleAt.Add(-2 * leanIdleTimeout)
		}
	}
	lt.lastSweep = time.Time{}
	lt.mu.Unlock()
	if _, _, err := get(t.Context(), c, srv2.URL); err != nil {
		t.Fatal(err)
	}
	lt.mu.Lock()
	hosts := len(lt.idle)
	lt.mu.Unlock()
	if got := idleCount(lt); got != 1 || hosts != 1 {
		t.Errorf("idle connections = %d on %d hosts, want 1 on 1", got, hosts)
	}
}

func TestLeanTransportFallback(t *testing.T) {
	srv, _ := connCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s", r.Method, b)
	}, false)
	c := NewClient(ClientOptions{AllowPrivate: true})
	resp, err := c.Post(srv.URL, "text/plain", strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || string(b) != "POST hello" {
		t.Errorf("POST through the fallback: %q, %v; want %q", b, err, "POST hello")
	}
	if got := idleCount(leanOf(t, c)); got != 0 {
		t.Errorf("lean idle connections = %d, want 0 (the POST is not the lean path's)", got)
	}
}

func TestLeanTransportRefusesPrivateAddresses(t *testing.T) {
	tests := map[string]bool{"http": false, "https": true}
	for name, tlsServer := range tests {
		t.Run(name, func(t *testing.T) {
			srv, conns := connCountingServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "secret") }, tlsServer)
			c := NewClient(ClientOptions{})
			if !leanOf(t, c).takes(httptest.NewRequest(http.MethodGet, srv.URL, nil)) {
				t.Fatal("the lean path does not take a GET")
			}
			_, body, err := get(t.Context(), c, srv.URL)
			var blocked *BlockedError
			if !errors.As(err, &blocked) {
				t.Fatalf("got %q, %v; want a *BlockedError", body, err)
			}
			if got := conns.Load(); got != 0 {
				t.Errorf("connections = %d, want 0", got)
			}
		})
	}
}

func TestLeanTransportInternationalHost(t *testing.T) {
	srv, conns := connCountingServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.Host) }, false)
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	resolver := startDNS(t, map[string]netip.Addr{"xn--mgbh0fb.example.": netip.MustParseAddr("127.0.0.1")})
	c := NewClient(ClientOptions{AllowPrivate: true, resolver: resolver})
	_, body, err := get(t.Context(), c, "http://مثال.example:"+port+"/feed")
	if want := "xn--mgbh0fb.example:" + port; err != nil || body != want {
		t.Errorf("got Host %q, %v; want %q", body, err, want)
	}
	if got := conns.Load(); got != 1 {
		t.Errorf("connections = %d, want 1", got)
	}
}
