package feeds

import (
	"context"
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"testing"
)

// TestCheckURLPolicy: every way of writing a private address in a URL gets
// the policy's refusal, before any DNS; every scheme but http and https
// gets "only http and https".
func TestCheckURLPolicy(t *testing.T) {
	const blocked, scheme, invalid, ok = "blocked", "scheme", "invalid", ""
	tests := map[string]struct {
		url      string
		want     string
		wantAddr string // the refused address, for blocked
	}{
		"dotted loopback":          {"http://127.0.0.1/feed", blocked, "127.0.0.1"},
		"decimal loopback":         {"http://2130706433/", blocked, "127.0.0.1"},
		"hex loopback":             {"http://0x7f000001/", blocked, "127.0.0.1"},
		"hex and short":            {"http://0x7f.1/", blocked, "127.0.0.1"},
		"short loopback":           {"http://127.1/", blocked, "127.0.0.1"},
		"three parts":              {"http://127.0.1/", blocked, "127.0.0.1"},
		"octal loopback":           {"http://017700000001/", blocked, "127.0.0.1"},
		"octal parts":              {"http://0177.0.0.01/", blocked, "127.0.0.1"},
		"upper hex":                {"http://0X7F.0X0.0X0.0X1/", blocked, "127.0.0.1"},
		"trailing dot":             {"http://127.0.0.1./", blocked, "127.0.0.1"},
		"with port":                {"http://2130706433:8080/", blocked, "127.0.0.1"},
		"zero":                     {"http://0/", blocked, "0.0.0.0"},
		"decimal metadata":         {"http://2852039166/latest/", blocked, "169.254.169.254"},
		"hex private":              {"https://0xa000001/", blocked, "10.0.0.1"},
		"ipv6 unspecified":         {"http://[::]/", blocked, "::"},
		"ipv6 unspecified port":    {"http://[::]:80/", blocked, "::"},
		"ipv6 loopback":            {"http://[::1]/", blocked, "::1"},
		"ipv6 loopback long":       {"http://[0:0:0:0:0:0:0:1]/", blocked, "::1"},
		"mapped loopback":          {"http://[::ffff:127.0.0.1]/", blocked, "127.0.0.1"},
		"mapped private hex":       {"http://[::ffff:a00:1]/", blocked, "10.0.0.1"},
		"ipv4-compatible":          {"http://[::127.0.0.1]/", blocked, "::7f00:1"},
		"nat64":                    {"http://[64:ff9b::127.0.0.1]/", blocked, "64:ff9b::7f00:1"},
		"nat64 local-use":          {"http://[64:ff9b:1::a00:1]/", blocked, "64:ff9b:1::a00:1"},
		"6to4":                     {"http://[2002:7f00:1::]/", blocked, "2002:7f00:1::"},
		"teredo":                   {"http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", blocked, "2001:0:4136:e378:8000:63bf:3fff:fdd2"},
		"zoned link-local":         {"http://[fe80::1%25eth0]/", blocked, "fe80::1"},
		"out of range":             {"http://256.0.0.1/", invalid, ""},
		"too many parts":           {"http://1.2.3.4.5/", invalid, ""},
		"over 32 bits":             {"http://4294967296/", invalid, ""},
		"last part too big":        {"http://127.0.65536/", invalid, ""},
		"file":                     {"file:///etc/passwd", scheme, ""},
		"ftp":                      {"ftp://example.com/feed", scheme, ""},
		"gopher":                   {"gopher://127.0.0.1:6379/_INFO", scheme, ""},
		"javascript":               {"javascript:alert(1)", scheme, ""},
		"no scheme":                {"example.com/feed", scheme, ""},
		"public name":              {"https://www.sana.sy/feed", ok, ""},
		"public dotted":            {"http://8.8.8.8/", ok, ""},
		"public decimal":           {"http://134744072/", ok, ""},
		"public ipv6":              {"http://[2a00:1450:4001::200e]/", ok, ""},
		"name with digits":         {"https://0x7f.example/", ok, ""},
		"name ending in digits":    {"https://news.24/", ok, ""},
		"octal-looking name label": {"http://08.1/", ok, ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			err := CheckURLPolicy(tt.url, false)
			var be *BlockedError
			switch tt.want {
			case ok:
				if err != nil {
					t.Fatalf("CheckURLPolicy(%q) = %v, want nil", tt.url, err)
				}
			case blocked:
				if !errors.As(err, &be) {
					t.Fatalf("CheckURLPolicy(%q) = %v, want a *BlockedError", tt.url, err)
				}
				if got := be.Addr.String(); got != tt.wantAddr {
					t.Errorf("refused address = %s, want %s", got, tt.wantAddr)
				}
				if !strings.Contains(err.Error(), "private address refused") {
					t.Errorf("error %q does not say \"private address refused\"", err)
				}
			case scheme:
				if !errors.Is(err, ErrUnsupportedScheme) || !strings.Contains(err.Error(), "only http and https") {
					t.Fatalf("CheckURLPolicy(%q) = %v, want ErrUnsupportedScheme saying \"only http and https\"", tt.url, err)
				}
			case invalid:
				if !errors.Is(err, ErrInvalidAddress) {
					t.Fatalf("CheckURLPolicy(%q) = %v, want ErrInvalidAddress", tt.url, err)
				}
			}
			if err != nil && ClassOf(err) != ClassBlocked {
				t.Errorf("ClassOf = %q, want %q", ClassOf(err), ClassBlocked)
			}
			// With private addresses allowed only the scheme counts.
			err = CheckURLPolicy(tt.url, true)
			if (err != nil) != (tt.want == scheme) {
				t.Errorf("CheckURLPolicy(%q, allowPrivate) = %v, want an error only for a scheme", tt.url, err)
			}
		})
	}
}

func TestNumericIPv4(t *testing.T) {
	tests := map[string]struct {
		host string
		want string // "" for a name, "invalid" for hostInvalid
	}{
		"one part":           {"3232235777", "192.168.1.1"},
		"two parts":          {"192.11010305", "192.168.1.1"},
		"three parts":        {"192.168.257", "192.168.1.1"},
		"four parts":         {"192.168.1.1", "192.168.1.1"},
		"octal":              {"0300.0250.01.01", "192.168.1.1"},
		"hex":                {"0xc0.0xa8.0x1.0x1", "192.168.1.1"},
		"bare 0x":            {"0x.0x.0x.0x", "0.0.0.0"},
		"max":                {"4294967295", "255.255.255.255"},
		"empty part":         {"127..1", ""},
		"sign":               {"+127.0.0.1", ""},
		"underscore":         {"127_0.0.1", ""},
		"letters":            {"localhost", ""},
		"empty":              {"", ""},
		"octal digit 8":      {"0128", ""},
		"middle over a byte": {"1.256.1", "invalid"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			a, kind := numericIPv4(tt.host)
			var got string
			switch kind {
			case hostAddress:
				got = a.String()
			case hostInvalid:
				got = "invalid"
			}
			if got != tt.want {
				t.Errorf("numericIPv4(%q) = %q, want %q", tt.host, got, tt.want)
			}
		})
	}
}

// FuzzNumericIPv4: never panics; whatever netip reads as an IPv4 address
// reads the same; an address found prints back to itself.
func FuzzNumericIPv4(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "2130706433", "0x7f.1", "127.1", "017700000001", "0x", "1.2.3.4.5", "08", "0X.0.", "4294967296"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		a, kind := numericIPv4(host)
		if want, err := netip.ParseAddr(host); err == nil && want.Is4() {
			if kind != hostAddress || a != want {
				t.Fatalf("numericIPv4(%q) = %v, %v; netip reads %v", host, a, kind, want)
			}
		}
		if kind == hostAddress {
			if !a.Is4() {
				t.Fatalf("numericIPv4(%q) = %v, not IPv4", host, a)
			}
			if b, k := numericIPv4(a.String()); k != hostAddress || b != a {
				t.Fatalf("numericIPv4(%q) = %v, but its string reads %v, %v", host, a, b, k)
			}
		}
	})
}

// A numeric host is dialed as the address it denotes, not looked up in
// DNS: refused like 127.0.0.1, and reached once private addresses are
// allowed.
func TestClientDialsNumericHost(t *testing.T) {
	srv, hits := countingServer(t, okHandler)
	port := serverAddr(t, srv).Port()
	for _, host := range []string{"2130706433", "0x7f.1", "127.1", "017700000001"} {
		u := "http://" + host + ":" + strconv.Itoa(int(port)) + "/feed.xml"
		f := NewFetcher(NewClient(ClientOptions{}), "")
		_, err := f.Fetch(context.Background(), Source{ID: "n", URL: u}, Validators{})
		assertBlocked(t, err, "127.0.0.1")
		f = NewFetcher(NewClient(ClientOptions{AllowPrivate: true}), "")
		if _, err := f.Fetch(context.Background(), Source{ID: "n", URL: u}, Validators{}); err != nil {
			t.Errorf("Fetch(%s) with AllowPrivate: %v", u, err)
		}
	}
	if got, want := hits.Load(), int64(4); got != want {
		t.Errorf("server got %d requests, want %d (the allowed ones)", got, want)
	}
}

// BenchmarkCheckURLPolicy: the check every /addfeed, import and config
// load makes per source, for a name (the common case) and a numeric host.
func BenchmarkCheckURLPolicy(b *testing.B) {
	for name, u := range map[string]string{
		"name":    "https://www.aljazeera.net/aljazeerarss/a7c186be-1baa-4bd4-9d80-a84db769f779/73d0e1b4-532f-45ef-b135-bfdff8b8cab9",
		"numeric": "http://0x7f.1/feed",
	} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				CheckURLPolicy(u, false)
			}
		})
	}
}
