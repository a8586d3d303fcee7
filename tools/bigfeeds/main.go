// Command bigfeeds measures the memory of a real `aajil run` process that
// polls two sources at the largest body cap a source may ask for
// (feeds.MaxSourceBytes, 50 MiB): a JSON ticker of about a million items
// and an RSS feed of about 100,000 items. It builds both documents in
// memory at start (from a real feed in testdata/), serves them on
// 127.0.0.1, runs the aajil binary with a configuration of those two
// sources, samples the child's VmRSS and VmHWM from /proc every 100 ms,
// stops it with SIGTERM and prints the figures. See README.md.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/tools/internal/procstat"
)

func main() {
	var (
		bin      = flag.String("aajil", "/tmp/aajil", "the aajil binary to run")
		duration = flag.Duration("duration", 90*time.Second, "how long to let it poll")
		interval = flag.Duration("interval", 15*time.Second, "poll interval of both sources")
		fixture  = flag.String("fixture", "testdata/en_bbc_world_2026-08-13T0424Z.rss", "the real RSS feed the documents are made from")
		jsonN    = flag.Int("json-items", 1_000_000, "items of the JSON ticker (fewer if the cap is reached)")
		rssN     = flag.Int("rss-items", 100_000, "items of the RSS feed (fewer if the cap is reached)")
		chunked  = flag.Bool("chunked", false, "send the documents without Content-Length (chunked), as dynamic sites do")
	)
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *bin, *fixture, *duration, *interval, *jsonN, *rssN, *chunked); err != nil {
		fmt.Fprintln(os.Stderr, "bigfeeds:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, bin, fixture string, duration, interval time.Duration, jsonN, rssN int, chunked bool) error {
	const limit = feeds.MaxSourceBytes
	rss, nr, err := buildRSS(fixture, rssN, limit)
	if err != nil {
		return err
	}
	js, nj := buildJSON(jsonN, limit)
	fmt.Printf("documents: rss %d items %.1f MiB, json %d items %.1f MiB\n",
		nr, float64(len(rss))/(1<<20), nj, float64(len(js))/(1<<20))

	base, stop, err := serveDocs(rss, js, chunked)
	if err != nil {
		return err
	}
	defer stop()
	dir, err := os.MkdirTemp("", "bigfeeds")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	cfgPath, err := writeConfig(dir, base, interval, limit)
	if err != nil {
		return err
	}

	cmd := exec.Command(bin, "run")
	cmd.Env = append(os.Environ(), "AAJIL_CONFIG="+cfgPath, "AAJIL_ALLOW_PRIVATE_SOURCES=true",
		"AAJIL_HTTP_ADDR=off", "AAJIL_TELEGRAM_TOKEN=")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	mem, err := sampleMemory(ctx, cmd.Process.Pid, duration, exited)
	if err != nil {
		fmt.Print(logs.String())
		return err
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	<-exited
	report(mem, logs.String())
	return nil
}

// serveDocs serves the RSS document at /rss.xml and the JSON one at
// /ticker.json on a loopback port, and returns its base URL and the
// function that stops it. chunked leaves out Content-Length.
func serveDocs(rss, js []byte, chunked bool) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("listen: %w", err)
	}
	serve := func(doc []byte, contentType string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", contentType)
			if !chunked {
				w.Header().Set("Content-Length", strconv.Itoa(len(doc)))
			}
			_, _ = w.Write(doc)
		}
	}
	mux := http.NewServeMux()
	mux.Handle("/rss.xml", serve(rss, "application/rss+xml; charset=utf-8"))
	mux.Handle("/ticker.json", serve(js, "application/json"))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

// writeConfig writes, in dir, the configuration of the two big sources
// served at base, and returns its path.
func writeConfig(dir, base string, interval time.Duration, limit int64) (string, error) {
	cfg := fmt.Sprintf(`sources:
  - id: big-rss
    url: %[1]s/rss.xml
    interval: %[2]s
    max_bytes: %[3]d
  - id: big-json
    url: %[1]s/ticker.json
    kind: json
    item: data.items
    interval: %[2]s
    max_bytes: %[3]d
`, base, interval, limit)
	cfgPath := filepath.Join(dir, "aajil.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return "", fmt.Errorf("write config: %w", err)
	}
	return cfgPath, nil
}

// memory is what sampleMemory saw of the process (kB).
type memory struct {
	peakRSS, hwm, after int64
}

// sampleMemory samples the memory of process pid every 100 ms for
// duration (or until ctx is done); the process exiting first is an error.
func sampleMemory(ctx context.Context, pid int, duration time.Duration, exited <-chan error) (memory, error) {
	var m memory
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	end := time.After(duration)
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-end:
			break loop
		case err := <-exited:
			return m, fmt.Errorf("aajil exited early: %v", err)
		case <-tick.C:
			rss, h, err := procMem(pid)
			if err != nil {
				continue
			}
			m.peakRSS, m.hwm = max(m.peakRSS, rss), max(m.hwm, h)
		}
	}
	after, h, err := procMem(pid)
	if err == nil {
		m.hwm = max(m.hwm, h)
	}
	m.after = after
	return m, nil
}

// report prints the memory seen and what the log says.
func report(m memory, logs string) {
	polls := strings.Count(logs, "first poll of a source") // baselines
	fmt.Printf("aajil: VmHWM (peak RSS) %.0f MB, highest VmRSS sampled %.0f MB, VmRSS at the end %.0f MB\n",
		mb(m.hwm), mb(m.peakRSS), mb(m.after))
	fmt.Printf("log lines: %d (baselines %d); items left out: %q\n", strings.Count(logs, "\n"), polls, leftOut(logs))
	if errs := errorLines(logs); len(errs) > 0 {
		fmt.Println("errors in the log:")
		for _, l := range errs {
			fmt.Println("  " + l)
		}
	}
}

func mb(kb int64) float64 { return float64(kb) * 1024 / 1e6 }

// procMem reads VmRSS and VmHWM (kB) of a process.
func procMem(pid int) (rss, hwm int64, err error) {
	m, err := procstat.ReadMemory(pid)
	return m.RSS / 1024, m.HWM / 1024, err
}

var leftOutRe = regexp.MustCompile(`source=(\S+) taken=(\d+) left_out=(\d+)`)

func leftOut(logs string) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range leftOutRe.FindAllStringSubmatch(logs, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			out = append(out, m[0])
		}
	}
	return out
}

func errorLines(logs string) []string {
	var out []string
	for l := range strings.SplitSeq(logs, "\n") {
		if strings.Contains(l, "level=ERROR") || strings.Contains(l, "level=WARN") {
			if len(l) > 300 {
				l = l[:300] + "…"
			}
			out = append(out, l)
		}
	}
	return out
}

// buildRSS repeats the items of a real RSS feed, with distinct guids and
// dates a minute apart (newest first) and without their thumbnails, until
// n items or the size limit.
func buildRSS(path string, n int, limit int) ([]byte, int, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, fmt.Errorf("read fixture: %w", err)
	}
	s := string(raw)
	first, end := strings.Index(s, "<item>"), strings.LastIndex(s, "</item>")
	if first < 0 || end < 0 {
		return nil, 0, fmt.Errorf("%s: no <item> elements", path)
	}
	end += len("</item>")
	items := strings.SplitAfter(s[first:end], "</item>")
	items = items[:len(items)-1]
	guid := regexp.MustCompile(`<guid[^>]*>[^<]*</guid>`)
	pub := regexp.MustCompile(`<pubDate>[^<]*</pubDate>`)
	thumb := regexp.MustCompile(`\s*<media:thumbnail[^>]*/>`)
	t0 := time.Date(2026, 8, 13, 4, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	b.WriteString(s[:first])
	tail := s[end:]
	i := 0
	for ; i < n; i++ {
		it := thumb.ReplaceAllString(items[i%len(items)], "")
		it = guid.ReplaceAllString(it, fmt.Sprintf(`<guid isPermaLink="false">big-%d</guid>`, i))
		it = pub.ReplaceAllString(it, "<pubDate>"+t0.Add(-time.Duration(i)*time.Minute).Format(time.RFC1123Z)+"</pubDate>")
		if b.Len()+len(it)+len(tail) > limit {
			break
		}
		b.WriteString(it)
	}
	b.WriteString(tail)
	return b.Bytes(), i, nil
}

// buildJSON writes a ticker of n short undated items, newest first, until
// n items or the size limit.
func buildJSON(n int, limit int) ([]byte, int) {
	var b bytes.Buffer
	b.WriteString(`{"data":{"items":[`)
	i := 0
	for ; i < n; i++ {
		item := fmt.Sprintf(`{"id":%d,"title":"Ticker headline %d"}`, i, i)
		if b.Len()+len(item)+8 > limit {
			break
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(item)
	}
	b.WriteString(`]}}`)
	return b.Bytes(), i
}
