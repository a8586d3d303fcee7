package feeds

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

func TestNonPublicReason(t *testing.T) {
	tests := map[string]struct {
		addr string
		want string
	}{
		"ipv4 loopback":             {"127.0.0.1", "loopback"},
		"ipv4 loopback range":       {"127.8.9.10", "loopback"},
		"ipv6 loopback":             {"::1", "loopback"},
		"rfc1918 10/8":              {"10.1.2.3", "private"},
		"rfc1918 172.16/12":         {"172.31.255.255", "private"},
		"rfc1918 192.168/16":        {"192.168.0.1", "private"},
		"ipv6 unique local":         {"fd12:3456::1", "private"},
		"cgnat":                     {"100.64.0.1", "private"},
		"cgnat top":                 {"100.127.255.254", "private"},
		"link-local metadata":       {"169.254.169.254", "link-local"},
		"ipv6 link-local":           {"fe80::1", "link-local"},
		"ipv4 multicast":            {"224.0.0.251", "multicast"},
		"ipv6 multicast":            {"ff02::1", "multicast"},
		"ipv4 unspecified":          {"0.0.0.0", "unspecified"},
		"ipv6 unspecified":          {"::", "unspecified"},
		"this network":              {"0.1.2.3", "unspecified"},
		"broadcast":                 {"255.255.255.255", "reserved"},
		"ipv4-compatible loopback":  {"::127.0.0.1", "reserved"},
		"ipv4-translated loopback":  {"::ffff:0:127.0.0.1", "reserved"},
		"nat64 well-known":          {"64:ff9b::7f00:1", "nat64"},
		"nat64 well-known public":   {"64:ff9b::808:808", "nat64"},
		"nat64 local-use":           {"64:ff9b:1::a00:1", "nat64"},
		"6to4 of loopback":          {"2002:7f00:1::1", "6to4"},
		"6to4 of private":           {"2002:c0a8:101::", "6to4"},
		"teredo":                    {"2001:0:4136:e378:8000:63bf:3fff:fdd2", "teredo"},
		"public next to teredo":     {"2001:4860:4860::8888", ""},
		"public next to 6to4":       {"2003::1", ""},
		"public ipv4":               {"8.8.8.8", ""},
		"public ipv4 next to cgnat": {"100.128.0.1", ""},
		"public ipv4 next to 172":   {"172.32.0.1", ""},
		"public ipv6":               {"2a00:1450:4001::200e", ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := nonPublicReason(netip.MustParseAddr(tt.addr)); got != tt.want {
				t.Errorf("nonPublicReason(%s) = %q, want %q", tt.addr, got, tt.want)
			}
		})
	}
}

// The dial hook sees literal addresses, in whatever form the resolver
// returned them: an IPv4-mapped IPv6 address is judged as the IPv4 one.
func TestAddressPolicyControl(t *testing.T) {
	tests := map[string]struct {
		address  string
		wantAddr string // refused address, "" when allowed
	}{
		"loopback":              {"127.0.0.1:80", "127.0.0.1"},
		"mapped loopback":       {"[::ffff:127.0.0.1]:80", "127.0.0.1"},
		"mapped private":        {"[::ffff:192.168.1.1]:443", "192.168.1.1"},
		"mapped link-local":     {"[::ffff:169.254.169.254]:80", "169.254.169.254"},
		"mapped cgnat":          {"[::ffff:100.64.1.1]:80", "100.64.1.1"},
		"mapped unspecified":    {"[::ffff:0.0.0.0]:80", "0.0.0.0"},
		"zoned link-local":      {"[fe80::1%eth0]:80", "fe80::1"},
		"ipv6 loopback":         {"[::1]:8080", "::1"},
		"public":                {"93.184.215.14:443", ""},
		"mapped public":         {"[::ffff:93.184.215.14]:443", ""},
		"nat64 of loopback":     {"[64:ff9b::7f00:1]:80", "64:ff9b::7f00:1"},
		"6to4 of private":       {"[2002:a00:1::1]:80", "2002:a00:1::1"},
		"teredo":                {"[2001:0:53aa:64c:0:fbff:7f00:1]:80", "2001:0:53aa:64c:0:fbff:7f00:1"},
		"public ipv6":           {"[2606:4700::6810:85e5]:443", ""},
		"not an address at all": {"example.com:80", "unparsable"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			err := addressPolicy{}.control("tcp", tt.address, nil)
			var blocked *BlockedError
			switch {
			case tt.wantAddr == "":
				if err != nil {
					t.Errorf("control(%s) = %v, want nil", tt.address, err)
				}
			case tt.wantAddr == "unparsable":
				if err == nil {
					t.Errorf("control(%s) = nil, want an error", tt.address)
				}
			case !errors.As(err, &blocked):
				t.Errorf("control(%s) = %v, want *BlockedError", tt.address, err)
			case blocked.Addr.String() != tt.wantAddr:
				t.Errorf("control(%s) refused %s, want %s", tt.address, blocked.Addr, tt.wantAddr)
			}
		})
	}
}

// countingServer is an httptest server on 127.0.0.1 that counts requests
// and answers with h.
func countingServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func okHandler(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/rss+xml")
	fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>`)
}

// serverAddr is the ip:port a test server listens on.
func serverAddr(t *testing.T, srv *httptest.Server) netip.AddrPort {
	t.Helper()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return netip.MustParseAddrPort(u.Host)
}

func assertBlocked(t *testing.T, err error, wantAddr string) {
	t.Helper()
	if got := ClassOf(err); got != ClassBlocked {
		t.Fatalf("ClassOf(%v) = %q, want %q", err, got, ClassBlocked)
	}
	var blocked *BlockedError
	if !errors.As(err, &blocked) {
		t.Fatalf("err = %v, want a *BlockedError in the chain", err)
	}
	if wantAddr != "" && blocked.Addr.String() != wantAddr {
		t.Errorf("refused address = %s, want %s", blocked.Addr, wantAddr)
	}
	for _, want := range []string{blocked.Addr.String(), "AAJIL_ALLOW_PRIVATE_SOURCES=true"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestClientRefusesPrivateAddress(t *testing.T) {
	srv, hits := countingServer(t, okHandler)
	f := NewFetcher(NewClient(ClientOptions{}), "")
	_, err := f.Fetch(context.Background(), Source{ID: "local", URL: srv.URL}, Validators{})
	assertBlocked(t, err, "127.0.0.1")
	if n := hits.Load(); n != 0 {
		t.Errorf("server got %d requests, want 0", n)
	}

	// The same server is reachable once private addresses are allowed.
	f = NewFetcher(NewClient(ClientOptions{AllowPrivate: true}), "")
	if _, err := f.Fetch(context.Background(), Source{ID: "local", URL: srv.URL}, Validators{}); err != nil {
		t.Fatalf("Fetch with AllowPrivate: %v", err)
	}
}

// A server we may reach redirects to one we may not: the redirect is
// refused when it is dialed, which a check of the first URL cannot do.
func TestClientRefusesRedirectToPrivateAddress(t *testing.T) {
	inner, innerHits := countingServer(t, okHandler)
	outer, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/direct" {
			okHandler(w, r)
			return
		}
		http.Redirect(w, r, inner.URL+"/feed.xml", http.StatusFound)
	})
	outerAddr := serverAddr(t, outer)
	client := NewClient(ClientOptions{exempt: func(ap netip.AddrPort) bool { return ap == outerAddr }})
	f := NewFetcher(client, "")

	// The exemption is real: the outer server itself can be fetched.
	if _, err := f.Fetch(context.Background(), Source{URL: outer.URL + "/direct"}, Validators{}); err != nil {
		t.Fatalf("Fetch of the exempted server: %v", err)
	}
	_, err := f.Fetch(context.Background(), Source{URL: outer.URL + "/redirect"}, Validators{})
	assertBlocked(t, err, "127.0.0.1")
	if n := innerHits.Load(); n != 0 {
		t.Errorf("redirect target got %d requests, want 0", n)
	}
}

// startDNS serves A records for hosts (names with a trailing dot) and
// NXDOMAIN for every other name, on 127.0.0.1, and returns a resolver
// that asks it and nothing else.
func startDNS(t *testing.T, hosts map[string]netip.Addr) *net.Resolver {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return // closed by Cleanup
			}
			var p dnsmessage.Parser
			h, err := p.Start(buf[:n])
			if err != nil {
				continue
			}
			q, err := p.Question()
			if err != nil {
				continue
			}
			resp := dnsmessage.Message{
				Header:    dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired},
				Questions: []dnsmessage.Question{q},
			}
			addr, ok := hosts[strings.ToLower(q.Name.String())]
			switch {
			case !ok:
				resp.Header.RCode = dnsmessage.RCodeNameError
			case q.Type == dnsmessage.TypeA && addr.Is4():
				resp.Answers = []dnsmessage.Resource{{
					Header: dnsmessage.ResourceHeader{Name: q.Name, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET, TTL: 60},
					Body:   &dnsmessage.AResource{A: addr.As4()},
				}}
			}
			out, err := resp.Pack()
			if err != nil {
				continue
			}
			_, _ = pc.WriteTo(out, from)
		}
	}()
	server := pc.LocalAddr().String()
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", server)
		},
	}
}

// DNS rebinding: a public-looking name that resolves to 127.0.0.1 is
// refused, because the check is on the dialed IP, not on the URL's host.
func TestClientRefusesNameResolvingToLoopback(t *testing.T) {
	srv, hits := countingServer(t, okHandler)
	port := serverAddr(t, srv).Port()
	resolver := startDNS(t, map[string]netip.Addr{"news.example.com.": netip.MustParseAddr("127.0.0.1")})

	for _, host := range []string{"news.example.com", "localhost"} {
		t.Run(host, func(t *testing.T) {
			src := Source{URL: fmt.Sprintf("http://%s:%d/feed.xml", host, port)}
			f := NewFetcher(NewClient(ClientOptions{resolver: resolver}), "")
			_, err := f.Fetch(context.Background(), src, Validators{})
			assertBlocked(t, err, "")
			var blocked *BlockedError
			if errors.As(err, &blocked) && !blocked.Addr.IsLoopback() {
				t.Errorf("refused %s, want a loopback address", blocked.Addr)
			}

			// The name does resolve to the test server: allowed, it works.
			f = NewFetcher(NewClient(ClientOptions{AllowPrivate: true, resolver: resolver}), "")
			if _, err := f.Fetch(context.Background(), src, Validators{}); err != nil {
				t.Fatalf("Fetch with AllowPrivate: %v", err)
			}
		})
	}
	if n := hits.Load(); n != 2 {
		t.Errorf("server got %d requests, want 2 (only the allowed fetches)", n)
	}
}

func TestClientSetsUserAgent(t *testing.T) {
	got := make(chan string, 1)
	srv, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) { got <- r.UserAgent() })
	const ua = "Aajil/9.9.9 (+https://github.com/aajil/aajil)"
	client := NewClient(ClientOptions{AllowPrivate: true, UserAgent: ua})
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if u := <-got; u != ua {
		t.Errorf("User-Agent = %q, want %q", u, ua)
	}
}
