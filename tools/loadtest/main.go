// Command loadtest measures the scheduler and the fetcher polling many
// sources on a local feed server: the share of the machine's CPU they use,
// their peak memory, and the lag between a poll's due time and its start.
//
// The feed server runs in a child process (this program re-run with
// -serve), so that its CPU and memory are not counted. See README.md.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aajil/aajil/alerts"
	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/feeds/feedtest"
)

type config struct {
	serve       bool
	sources     int
	interval    time.Duration
	duration    time.Duration
	hosts       int
	notModified float64
	items       int
	fixture     string
	poller      string
	concurrency int
	perHost     int
	cpuProfile  string

	// The -aajil mode.
	aajil       string
	redisServer string
	warmup      time.Duration
	logs        string
}

func main() {
	var c config
	flag.BoolVar(&c.serve, "serve", false, "run the feed server (the child process); not for direct use")
	flag.IntVar(&c.sources, "sources", 10000, "number of sources")
	flag.DurationVar(&c.interval, "interval", 60*time.Second, "poll interval of every source")
	flag.DurationVar(&c.duration, "duration", 3*time.Minute, "how long to poll")
	flag.IntVar(&c.hosts, "hosts", 50, "number of server listeners (hosts), each on its own 127.0.0.1 port")
	flag.Float64Var(&c.notModified, "notmodified", 0.5, "fraction of sources whose document never changes (answered 304)")
	flag.IntVar(&c.items, "items", 5, "items per feed document")
	flag.StringVar(&c.fixture, "fixture", "testdata/en_bbc_world_2026-08-13T0424Z.rss", "RSS document the feeds are made from")
	flag.StringVar(&c.poller, "poller", "feeds", "poller: feeds (feeds.NewClient, NewFetcher and Parse) or http (plain net/http and gofeed, a baseline)")
	flag.IntVar(&c.concurrency, "concurrency", feeds.DefaultConcurrency, "scheduler concurrency")
	flag.IntVar(&c.perHost, "perhost", feeds.DefaultPerHost, "scheduler per-host limit")
	flag.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the polling side to this file (with -aajil: of the measured window, taken from aajil's pprof endpoint)")
	flag.StringVar(&c.aajil, "aajil", "", "measure this aajil binary's `run` instead of polling in-process (with a redis-server of its own)")
	flag.StringVar(&c.redisServer, "redis-server", "redis-server", "with -aajil: the redis-server to start")
	flag.DurationVar(&c.warmup, "warmup", 0, "with -aajil: how long to let it poll before measuring (default the interval and 10 s: the first round of polls)")
	flag.StringVar(&c.logs, "logdir", "", "with -aajil: keep aajil's log in this directory (default: removed at the end)")
	flag.Parse()
	if c.warmup == 0 {
		c.warmup = c.interval + 10*time.Second
	}

	var err error
	switch {
	case c.serve:
		err = serve(c)
	case c.aajil != "":
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err = runBinary(ctx, c, os.Stdout)
		stop()
	default:
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err = run(ctx, c, os.Stdout)
		stop()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// ---- the feed server (child process) ----

// feedDoc builds the RSS documents of the sources from a real feed: its
// channel head, its first items and its tail, with the channel title,
// guids and links made unique per source (and per version, for the
// sources whose document changes).
type feedDoc struct {
	head, tail string
	items      []string
}

func loadFeedDoc(path string, n int) (*feedDoc, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read fixture: %w", err)
	}
	s := string(b)
	first := strings.Index(s, "<item>")
	end := strings.LastIndex(s, "</item>")
	if first < 0 || end < 0 {
		return nil, fmt.Errorf("read fixture %s: no <item> elements", path)
	}
	d := &feedDoc{head: s[:first], tail: s[end+len("</item>"):]}
	for rest := s[first : end+len("</item>")]; len(d.items) < n; {
		i := strings.Index(rest, "</item>")
		if i < 0 {
			break
		}
		d.items = append(d.items, rest[:i+len("</item>")])
		rest = rest[i+len("</item>"):]
	}
	return d, nil
}

// write writes the document of source id at version v.
func (d *feedDoc) write(w io.Writer, id, v int) {
	tag := fmt.Sprintf("s%d-v%d", id, v)
	io.WriteString(w, strings.Replace(d.head, "<![CDATA[BBC News]]>", "<![CDATA[BBC News "+tag+"]]>", 1))
	for k, it := range d.items {
		suffix := fmt.Sprintf("s%d", id)
		if k == 0 {
			suffix = tag // the newest item changes with each version
		}
		it = strings.Replace(it, "</guid>", "-"+suffix+"</guid>", 1)
		it = strings.Replace(it, "</link>", "&amp;src="+suffix+"</link>", 1)
		io.WriteString(w, it)
	}
	io.WriteString(w, d.tail)
}

// behaviour of a source at the server, by its number.
type behaviour int

const (
	stable    behaviour = iota // fixed ETag and Last-Modified: 304 when asked conditionally
	changing                   // a new version and ETag at every request
	noHeaders                  // a new version at every request, no validators at all
)

func behaviourOf(id, hosts int, notModified float64) behaviour {
	// Source id is on host id%hosts; r is its rank on that host. Spreading
	// the kinds evenly over the ranks (as a line is drawn on a pixel grid)
	// gives every host the same mix and the exact fraction overall.
	r := id / hosts
	stableUpTo := func(n int) int { return int(float64(n) * notModified) } // stable among ranks < n
	if stableUpTo(r+1) > stableUpTo(r) {
		return stable
	}
	if (r-stableUpTo(r))%2 == 0 {
		return changing
	}
	return noHeaders
}

// serve runs the feed server: one listener per host, the ports written to
// stdout on one line, until stdin closes (the parent has gone). GET /stats
// on any host answers the counts of 200s and 304s served so far.
func serve(c config) error {
	doc, err := loadFeedDoc(c.fixture, c.items)
	if err != nil {
		return err
	}
	versions := make([]atomic.Int64, c.sources)
	var served200, served304 atomic.Int64
	const lastModified = "Thu, 13 Aug 2026 04:23:37 GMT"
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/stats" {
			fmt.Fprintf(w, "200 %d 304 %d\n", served200.Load(), served304.Load())
			return
		}
		id, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/feed/"))
		if err != nil || id < 0 || id >= c.sources {
			http.NotFound(w, r)
			return
		}
		hdr := w.Header()
		hdr.Set("Content-Type", "application/rss+xml; charset=utf-8")
		v := 0
		switch behaviourOf(id, c.hosts, c.notModified) {
		case stable:
			etag := fmt.Sprintf(`"s%d-stable"`, id)
			hdr.Set("ETag", etag)
			hdr.Set("Last-Modified", lastModified)
			if r.Header.Get("If-None-Match") == etag {
				served304.Add(1)
				w.WriteHeader(http.StatusNotModified)
				return
			}
		case changing:
			v = int(versions[id].Add(1))
			hdr.Set("ETag", fmt.Sprintf(`"s%d-v%d"`, id, v))
		case noHeaders:
			v = int(versions[id].Add(1))
		}
		var buf bytes.Buffer
		doc.write(&buf, id, v)
		hdr.Set("Content-Length", strconv.Itoa(buf.Len()))
		served200.Add(1)
		w.Write(buf.Bytes())
	})

	var ports []string
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, c.hosts)
	for range c.hosts {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("listen: %w", err)
		}
		ports = append(ports, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
		go func() { errc <- srv.Serve(ln) }()
	}
	fmt.Println("PORTS " + strings.Join(ports, ","))
	go func() {
		io.Copy(io.Discard, os.Stdin)
		errc <- nil
	}()
	err = <-errc
	srv.Close()
	return err
}

// startServer starts the child server process and returns the base URLs
// of its hosts. The child exits when stop closes its stdin; stop returns
// the CPU time the child used, at every call.
func startServer(c config) (bases []string, stop func() time.Duration, err error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, nil, fmt.Errorf("start server: %w", err)
	}
	cmd := exec.Command(exe, "-serve",
		"-sources", strconv.Itoa(c.sources), "-hosts", strconv.Itoa(c.hosts),
		"-notmodified", strconv.FormatFloat(c.notModified, 'f', -1, 64),
		"-items", strconv.Itoa(c.items), "-fixture", c.fixture)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, fmt.Errorf("start server: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, fmt.Errorf("start server: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("start server: %w", err)
	}
	// stop may be called more than once (deferred, and for the figure):
	// the child is stopped once.
	stop = sync.OnceValue(func() time.Duration {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			return 0
		}
		return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	ports, ok := strings.CutPrefix(strings.TrimSpace(line), "PORTS ")
	if err != nil || !ok {
		stop()
		return nil, nil, fmt.Errorf("start server: read ports: %q: %v", line, err)
	}
	for _, p := range strings.Split(ports, ",") {
		bases = append(bases, "http://127.0.0.1:"+p)
	}
	return bases, stop, nil
}

// ---- the polling side (this process) ----

// newPoller returns the poller named by c.poller.
func newPoller(c config) (feeds.SourcePoller, error) {
	switch c.poller {
	case "feeds":
		client := feeds.NewClient(feeds.ClientOptions{AllowPrivate: true})
		fetcher := feeds.NewFetcher(client, "")
		det, err := alerts.NewDetector(alerts.DefaultMarkers())
		if err != nil {
			return nil, fmt.Errorf("urgency markers: %w", err)
		}
		return feeds.NewPoller(fetcher, det), nil
	case "http":
		// A baseline with nothing but net/http and gofeed, sized for the
		// hosts: two connections each are all the scheduler will use.
		client := &http.Client{
			Timeout: 30 * time.Second,
			Transport: &http.Transport{
				MaxIdleConns:        2 * c.hosts * c.perHost,
				MaxIdleConnsPerHost: c.perHost,
				IdleConnTimeout:     90 * time.Second,
			},
		}
		return feeds.PollFunc(func(ctx context.Context, src feeds.Source, v feeds.Validators) feeds.PollResult {
			f, err := feedtest.Get(ctx, client, src.URL, v.ETag)
			res := feeds.PollResult{Validators: v, Err: err, NotModified: f.NotModified}
			if err != nil || f.NotModified {
				return res
			}
			res.Validators = feeds.Validators{ETag: f.ETag, LastModified: f.LastModified}
			for _, it := range f.Items {
				res.Items = append(res.Items, feeds.Item{ID: it.GUID, SourceID: src.ID, Title: it.Title, Link: it.Link})
			}
			return res
		}), nil
	}
	return nil, fmt.Errorf("unknown poller %q (want feeds or http)", c.poller)
}

// tally is what the consumer counts.
type tally struct {
	mu                       sync.Mutex
	lags                     []time.Duration
	polls, notModified, errs int64
	items                    int64
	errSamples               map[string]int
	pollTime                 time.Duration
}

func (t *tally) consume(_ context.Context, r feeds.PollResult) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.polls++
	t.lags = append(t.lags, r.Started.Sub(r.Due))
	t.pollTime += r.Duration
	t.items += int64(len(r.Items))
	switch {
	case r.Err != nil:
		t.errs++
		if len(t.errSamples) < 5 {
			t.errSamples[r.Err.Error()]++
		}
	case r.NotModified:
		t.notModified++
	}
}

// heapSampler records the peak of the live Go heap, sampled with
// runtime/metrics, which unlike ReadMemStats does not stop the world.
func heapSampler(ctx context.Context, peak *atomic.Uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		metrics.Read(sample)
		if v := sample[0].Value.Uint64(); v > peak.Load() {
			peak.Store(v)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func maxRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss * 1024 // kilobytes on Linux
}

// raiseFileLimit lifts the soft limit on open files to the hard limit: a
// hundred keep-alive connections fit the usual 1024, but a slow server can
// make the transport open more.
func raiseFileLimit() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("get file limit: %w", err)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, fmt.Errorf("raise file limit: %w", err)
		}
	}
	return lim.Cur, nil
}

func run(ctx context.Context, c config, out io.Writer) error {
	if c.sources <= 0 || c.hosts <= 0 || c.interval <= 0 || c.duration <= 0 {
		return errors.New("sources, hosts, interval and duration must be positive")
	}
	files, err := raiseFileLimit()
	if err != nil {
		return err
	}
	bases, stopServer, err := startServer(c)
	if err != nil {
		return err
	}
	defer stopServer()

	poller, err := newPoller(c)
	if err != nil {
		return err
	}
	sources := loadSources(c, bases)
	t := &tally{lags: make([]time.Duration, 0, int(float64(c.sources)*(c.duration.Seconds()/c.interval.Seconds()+1))), errSamples: map[string]int{}}
	s := feeds.NewScheduler(poller, t.consume, feeds.SchedulerOptions{
		Concurrency: c.concurrency,
		PerHost:     c.perHost,
		Logger:      slog.New(slog.DiscardHandler),
	})

	if c.cpuProfile != "" {
		f, err := os.Create(c.cpuProfile)
		if err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}

	fmt.Fprintf(out, "loadtest: %d sources at %v on %d hosts (%.0f%% answering 304), poller %s, concurrency %d, per host %d, for %v; open files limit %d\n",
		c.sources, c.interval, c.hosts, c.notModified*100, c.poller, c.concurrency, c.perHost, c.duration, files)

	runCtx, cancel := context.WithTimeout(ctx, c.duration)
	defer cancel()
	var peakHeap atomic.Uint64
	go heapSampler(runCtx, &peakHeap)

	// Run returns when the polls in flight at the end have finished.
	var doneAt atomic.Int64
	defer context.AfterFunc(runCtx, func() { doneAt.Store(time.Now().UnixNano()) })()
	load0 := loadAverage()
	cpu0, wall0 := cpuTime(), time.Now()
	s.Set(sources)
	if err := s.Run(runCtx); err != nil {
		return fmt.Errorf("run scheduler: %w", err)
	}
	cpu, wall := cpuTime()-cpu0, time.Since(wall0)
	shutdown := time.Since(time.Unix(0, doneAt.Load()))
	serverCPU := stopServer()

	t.report(out, measures{wall: wall, shutdown: shutdown, cpu: cpu, serverCPU: serverCPU, load0: load0, peakHeap: peakHeap.Load()})
	return nil
}

// loadSources returns c.sources sources spread over the server's hosts.
func loadSources(c config, bases []string) []feeds.Source {
	sources := make([]feeds.Source, c.sources)
	for i := range sources {
		sources[i] = feeds.Source{
			ID:       fmt.Sprintf("src-%05d", i),
			URL:      fmt.Sprintf("%s/feed/%d", bases[i%len(bases)], i),
			Interval: c.interval,
		}
	}
	return sources
}

// measures are what a run measured besides the tally.
type measures struct {
	wall, shutdown, cpu, serverCPU time.Duration
	load0                          string
	peakHeap                       uint64
}

// report prints the run's cost and the tally of its polls.
func (t *tally) report(out io.Writer, m measures) {
	t.mu.Lock()
	defer t.mu.Unlock()
	ncpu := runtime.NumCPU()
	wall, cpu, serverCPU := m.wall, m.cpu, m.serverCPU
	fmt.Fprintf(out, "wall %v (of which shutdown %v), cpu %v (user+sys); load average before %s, after %s\n",
		wall.Round(time.Millisecond), m.shutdown.Round(time.Millisecond), cpu.Round(time.Millisecond), m.load0, loadAverage())
	fmt.Fprintf(out, "cpu share: %.2f%% of the machine (%d cores), %.2f%% of one core\n",
		100*cpu.Seconds()/wall.Seconds()/float64(ncpu), ncpu, 100*cpu.Seconds()/wall.Seconds())
	fmt.Fprintf(out, "feed server (child process, not counted above): cpu %v, %.2f%% of the machine\n",
		serverCPU.Round(time.Millisecond), 100*serverCPU.Seconds()/wall.Seconds()/float64(ncpu))
	fmt.Fprintf(out, "peak rss: %.1f MB; peak go heap (live objects): %.1f MB\n",
		float64(maxRSS())/1e6, float64(m.peakHeap)/1e6)
	fmt.Fprintf(out, "polls: %d (%.1f/s), 304: %d, errors: %d, items parsed: %d, mean poll time %v\n",
		t.polls, float64(t.polls)/wall.Seconds(), t.notModified, t.errs, t.items, meanDuration(t.pollTime, t.polls))
	for msg, n := range t.errSamples {
		fmt.Fprintf(out, "  error ×%d: %s\n", n, msg)
	}
	slices.Sort(t.lags)
	fmt.Fprintf(out, "lag (start − due): p50 %v, p90 %v, p99 %v, max %v\n",
		pct(t.lags, 50), pct(t.lags, 90), pct(t.lags, 99), pct(t.lags, 100))
}

// loadAverage returns the 1-minute load average, to tell a busy machine
// (other processes competing for the cores, inflating lags) from a quiet
// one.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

func meanDuration(total time.Duration, n int64) time.Duration {
	if n == 0 {
		return 0
	}
	return (total / time.Duration(n)).Round(time.Microsecond)
}

// pct returns the p-th percentile of sorted (nearest rank).
func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p/100*float64(len(sorted))+0.5) - 1
	i = min(max(i, 0), len(sorted)-1)
	return sorted[i].Round(time.Microsecond)
}
