package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/telegram/tgtext"
)

const ajArabic = "../../testdata/ar_aljazeera_net_scraped_2026-02-15_with_3ajil.rss"

// runCLI runs the command line with the given environment and returns the
// exit code, stdout and stderr.
func runCLI(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	return runCLIInput(t, env, "", args...)
}

// runCLIInput is runCLI with the given standard input.
func runCLIInput(t *testing.T, env map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	getenv := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	code := cli(context.Background(), args, strings.NewReader(stdin), &stdout, &stderr, getenv)
	return code, stdout.String(), stderr.String()
}

// wantExit checks a run of the command line: its exit code, and that
// its stderr contains wantErr.
func wantExit(t *testing.T, code int, errOut string, wantCode int, wantErr string) {
	t.Helper()
	if code != wantCode {
		t.Errorf("exit code = %d, want %d (stderr %q)", code, wantCode, errOut)
	}
	if !strings.Contains(errOut, wantErr) {
		t.Errorf("stderr = %q, want it to contain %q", errOut, wantErr)
	}
}

func TestUsageAndVersion(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string // in stdout
		wantErr  string // in stderr
	}{
		{"no command", nil, 2, "", "Usage:"},
		{"unknown command", []string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{"help", []string{"-h"}, 0, "Commands:", ""},
		{"version", []string{"version"}, 0, "aajil " + version, ""},
		{"version -h", []string{"version", "-h"}, 0, "", "Usage: aajil version"},
		{"probe -h", []string{"probe", "-h"}, 0, "", "Usage: aajil probe"},
		{"run -h", []string{"run", "-h"}, 0, "", "Usage: aajil run"},
		{"probe without target", []string{"probe"}, 2, "", "exactly one URL or FILE"},
		{"probe with two targets", []string{"probe", "a", "b"}, 2, "", "exactly one URL or FILE"},
		{"probe selectors without kind", []string{"probe", "--item", "li", "x.html"}, 2, "", "--kind html"},
		{"probe bad selector", []string{"probe", "--kind", "html", "--item", "li[[", "x.html"}, 2, "", "item"},
		{"probe missing file", []string{"probe", "no-such-file.rss"}, 1, "", "no-such-file.rss"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, nil, tt.args...)
			wantExit(t, code, errOut, tt.wantCode, tt.wantErr)
			if !strings.Contains(out, tt.wantOut) {
				t.Errorf("stdout = %q, want it to contain %q", out, tt.wantOut)
			}
		})
	}
}

func TestProbeFileJSON(t *testing.T) {
	code, out, errOut := runCLI(t, nil, "probe", ajArabic, "--json")
	if code != 0 {
		t.Fatalf("exit code %d, stderr %q", code, errOut)
	}
	var items []probeItem
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var it probeItem
		if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
			t.Fatalf("line %q is not JSON: %v", sc.Text(), err)
		}
		items = append(items, it)
	}
	if len(items) == 0 {
		t.Fatal("no items printed")
	}
	var urgent []probeItem
	for _, it := range items {
		if it.ID == "" || it.Title == "" {
			t.Errorf("item %+v lacks an id or title", it)
		}
		if it.Published != "" {
			if _, err := time.Parse(time.RFC3339, it.Published); err != nil {
				t.Errorf("published %q is not RFC 3339", it.Published)
			}
		}
		if it.Urgent {
			urgent = append(urgent, it)
		}
	}
	if len(urgent) != 1 {
		t.Fatalf("got %d urgent items, want 1", len(urgent))
	}
	u := urgent[0]
	if !strings.HasPrefix(u.Title, "يسرائيل هيوم عن مصادر:") || u.Marker != "عاجل" {
		t.Errorf("urgent item title %q marker %q; want the banner removed and marker عاجل", u.Title, u.Marker)
	}
	if !strings.HasPrefix(u.Link, "https://www.aljazeera.net/") {
		t.Errorf("link = %q, want an absolute aljazeera.net link", u.Link)
	}
}

func TestProbeFileTable(t *testing.T) {
	code, out, errOut := runCLI(t, nil, "probe", ajArabic)
	if code != 0 {
		t.Fatalf("exit code %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"1 urgent", "PUBLISHED (UTC)", "urgent: " + tgtext.FSI + "عاجل" + tgtext.PDI, tgtext.FSI + "يسرائيل هيوم عن مصادر:"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line != "" && !strings.HasPrefix(line, lrm) && line != "no items" {
			t.Errorf("line %q does not start left-to-right", line)
		}
	}
}

// The picture of each item is shown: "image:" under it in the table, and
// "image" in the JSON (left out when there is none).
func TestProbeImages(t *testing.T) {
	const bbc = "../../testdata/en_bbc_world_2026-08-13T0424Z.rss"
	const first = "https://ichef.bbci.co.uk/ace/standard/240/cpsprodpb/3190/live/fb878e50-966e-11f1-870d-5d08c49babb2.jpg"
	code, out, errOut := runCLI(t, nil, "probe", bbc)
	if code != 0 {
		t.Fatalf("exit code %d, stderr %q", code, errOut)
	}
	if got := strings.Count(out, "        image:  https://ichef.bbci.co.uk/"); got != 28 {
		t.Errorf("table shows %d images, want 28:\n%s", got, out)
	}
	if !strings.Contains(out, "image:  "+first+"\n") {
		t.Errorf("table lacks the first item's image %s", first)
	}
	code, out, errOut = runCLI(t, nil, "probe", "--json", bbc)
	if code != 0 {
		t.Fatalf("exit code %d, stderr %q", code, errOut)
	}
	line, _, _ := strings.Cut(out, "\n")
	var it probeItem
	if err := json.Unmarshal([]byte(line), &it); err != nil || it.Image != first {
		t.Errorf("first JSON item image %q (%v), want %q", it.Image, err, first)
	}
	_, out, _ = runCLI(t, nil, "probe", "--json", ajArabic)
	if strings.Contains(out, `"image"`) {
		t.Errorf("a feed without pictures printed an image field:\n%s", out)
	}
}

func TestProbeHTTP(t *testing.T) {
	doc, err := os.ReadFile(ajArabic)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.UserAgent(), "Aajil/") {
			t.Errorf("User-Agent = %q, want Aajil/…", r.UserAgent())
		}
		switch r.URL.Path {
		case "/feed":
			w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
			w.Write(doc)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	allow := map[string]string{"AAJIL_ALLOW_PRIVATE_SOURCES": "true"}

	t.Run("allowed", func(t *testing.T) {
		code, out, errOut := runCLI(t, allow, "probe", "--json", srv.URL+"/feed")
		if code != 0 || strings.Count(out, "\n") < 5 || !strings.Contains(out, `"urgent":true`) {
			t.Errorf("exit %d, stdout %q, stderr %q; want items with one urgent", code, out, errOut)
		}
	})
	// Every refusal exits 1, names its reason and prints no item.
	type refusal struct {
		name    string
		env     map[string]string
		args    []string // after probe
		wantErr string   // in stderr
	}
	refused := []refusal{
		{"loopback refused by default", nil, []string{srv.URL + "/feed"}, "AAJIL_ALLOW_PRIVATE_SOURCES"},
		{"http error", allow, []string{srv.URL + "/missing"}, "404"},
		{"selector matching nothing", allow, []string{"--kind", "html", "--item", ".no-such-ticker li", srv.URL + "/feed"}, ".no-such-ticker li"},
	}
	// Every form of a private address is refused alike.
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	for _, host := range []string{"127.0.0.1", "2130706433", "0x7f.1", "127.1", "017700000001", "[::]", "[::ffff:127.0.0.1]"} {
		refused = append(refused, refusal{"private address " + host, nil, []string{"http://" + host + port + "/feed"}, "private address refused"})
	}
	for _, target := range []string{"file:///etc/passwd", "ftp://example.com/feed", "gopher://127.0.0.1:6379/_INFO"} {
		refused = append(refused, refusal{"scheme of " + target, allow, []string{target}, "only http and https"})
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tc.env, append([]string{"probe"}, tc.args...)...)
			wantExit(t, code, errOut, 1, tc.wantErr)
			if out != "" {
				t.Errorf("stdout = %q, want nothing", out)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRunPrintsNewUrgentItemsOnly(t *testing.T) {
	const (
		baseline = `<rss version="2.0"><channel><title>t</title>
<item><title>عاجل | خبر قديم لا يطبع</title><link>https://example.org/old</link></item>
<item><title>Markets open higher</title><link>https://example.org/m</link></item>
</channel></rss>`
		later = `<rss version="2.0"><channel><title>t</title>
<item><title>عــاجــل: انفجار في ميناء طرطوس</title><link>https://example.org/new</link></item>
<item><title>Weather: a calm weekend</title><link>https://example.org/w</link></item>
<item><title>عاجل | خبر قديم لا يطبع</title><link>https://example.org/old</link></item>
<item><title>Markets open higher</title><link>https://example.org/m</link></item>
</channel></rss>`
		// sentinel is later with one more urgent item: once it is printed,
		// the polls of later before it have been handled.
		sentinel = `<rss version="2.0"><channel><title>t</title>
<item><title>عاجل: إغلاق معبر جديدة يابوس الحدودي</title><link>https://example.org/sentinel</link></item>
<item><title>عــاجــل: انفجار في ميناء طرطوس</title><link>https://example.org/new</link></item>
<item><title>Weather: a calm weekend</title><link>https://example.org/w</link></item>
<item><title>عاجل | خبر قديم لا يطبع</title><link>https://example.org/old</link></item>
<item><title>Markets open higher</title><link>https://example.org/m</link></item>
</channel></rss>`
	)
	var polls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n := polls.Add(1); {
		case n == 1:
			w.Write([]byte(baseline))
		case n <= 3: // the same document polled again: nothing new
			w.Write([]byte(later))
		default:
			w.Write([]byte(sentinel))
		}
	}))
	defer srv.Close()

	cfgPath := filepath.Join(t.TempDir(), "aajil.yaml")
	cfg := "sources:\n  - id: local\n    name: Local\n    url: " + srv.URL + "/feed\n    interval: 1s\n"
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"AAJIL_CONFIG": cfgPath, "AAJIL_ALLOW_PRIVATE_SOURCES": "true", "AAJIL_HTTP_ADDR": "127.0.0.1:0"}
	run := startRun(t, env)

	wait.For(t, "the alert printed", func() bool { return strings.Contains(run.stdout.String(), "انفجار في ميناء طرطوس") })
	// The same document is polled again twice, then the sentinel's: once
	// the sentinel is printed, those polls were handled, and nothing may
	// have been printed twice.
	wait.For(t, "the sentinel printed", func() bool { return strings.Contains(run.stdout.String(), "example.org/sentinel") })
	if code := run.stop(); code != 0 {
		t.Errorf("run exited %d, want 0; stderr %q", code, run.stderr.String())
	}
	out := run.stdout.String()
	if strings.Contains(out, "خبر قديم") {
		t.Errorf("baseline item was printed:\n%s", out)
	}
	if strings.Contains(out, "Weather") {
		t.Errorf("non-urgent item was printed:\n%s", out)
	}
	if !strings.Contains(out, "https://example.org/new") || strings.Contains(out, "عــاجــل") {
		t.Errorf("alert should carry the link and not the banner:\n%s", out)
	}
	if strings.Count(out, "انفجار في ميناء طرطوس") != 1 {
		t.Errorf("alert printed %d times, want once:\n%s", strings.Count(out, "انفجار في ميناء طرطوس"), out)
	}
}
