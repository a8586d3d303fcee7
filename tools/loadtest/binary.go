package main

// The -aajil mode: the real `aajil run` process, a real redis-server and
// the feed server, each a process of its own, measured from /proc.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aajil/aajil/tools/internal/procstat"
)

// serverCounts is what the feed server answered: 200s and 304s.
type serverCounts struct{ ok, notModified int64 }

func (a serverCounts) sub(b serverCounts) serverCounts {
	return serverCounts{ok: a.ok - b.ok, notModified: a.notModified - b.notModified}
}

// readCounts asks the feed server at base for its counts (GET /stats).
func readCounts(ctx context.Context, base string) (serverCounts, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/stats", nil)
	if err != nil {
		return serverCounts{}, fmt.Errorf("read server counts: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return serverCounts{}, fmt.Errorf("read server counts: %w", err)
	}
	defer resp.Body.Close()
	var c serverCounts
	if _, err := fmt.Fscanf(resp.Body, "200 %d 304 %d", &c.ok, &c.notModified); err != nil {
		return serverCounts{}, fmt.Errorf("read server counts: %w", err)
	}
	return c, nil
}

// freePort returns a port of 127.0.0.1 free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitListening waits until addr accepts connections, up to d.
func waitListening(ctx context.Context, addr string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not listening after %v: %w", addr, d, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// startRedis starts a redis-server without persistence on a free port of
// 127.0.0.1 and returns its process and URL.
func startRedis(ctx context.Context, bin, dir string) (*exec.Cmd, string, error) {
	port, err := freePort()
	if err != nil {
		return nil, "", err
	}
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir, "--logfile", filepath.Join(dir, "redis.log"))
	if err := cmd.Start(); err != nil {
		return nil, "", fmt.Errorf("start %s: %w", bin, err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	if err := waitListening(ctx, addr, 10*time.Second); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, "", fmt.Errorf("redis-server: %w", err)
	}
	return cmd, "redis://" + addr + "/0", nil
}

// writeAajilConfig writes the configuration of c.sources sources on the
// feed server's hosts, each at the fixed interval c.interval.
func writeAajilConfig(dir string, c config, bases []string) (string, error) {
	var b strings.Builder
	b.WriteString("sources:\n")
	for i := range c.sources {
		fmt.Fprintf(&b, "  - id: src-%05d\n    url: %s/feed/%d\n    interval: %s\n", i, bases[i%len(bases)], i, c.interval)
	}
	path := filepath.Join(dir, "aajil.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return "", fmt.Errorf("write config: %w", err)
	}
	return path, nil
}

// binaryRun is what runBinary measured over its window.
type binaryRun struct {
	window            time.Duration
	counts            serverCounts
	aajil, redis      procstat.CPU
	threads           procstat.Threads // aajil's threads: exact on-CPU time, switches
	mem               procstat.Memory
	load0, load1      string
	serverCPU         time.Duration
	logPath, profPath string
}

// runBinary runs the real `aajil run` (console mode) against the feed
// server and a redis-server of its own, lets it poll for c.warmup, then
// measures for c.duration: the polls the server answered, the CPU of aajil
// and of redis-server, and aajil's peak RSS.
func runBinary(ctx context.Context, c config, out io.Writer) error {
	if c.sources <= 0 || c.hosts <= 0 || c.interval <= 0 || c.duration <= 0 {
		return errors.New("sources, hosts, interval and duration must be positive")
	}
	if _, err := raiseFileLimit(); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "loadtest-aajil")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)

	bases, stopServer, err := startServer(c)
	if err != nil {
		return err
	}
	defer stopServer()
	redisCmd, redisURL, err := startRedis(ctx, c.redisServer, dir)
	if err != nil {
		return err
	}
	defer func() {
		redisCmd.Process.Signal(syscall.SIGTERM)
		redisCmd.Wait()
	}()
	cfgPath, err := writeAajilConfig(dir, c, bases)
	if err != nil {
		return err
	}

	fmt.Fprintf(out, "loadtest: aajil run (%s), %d sources at %v on %d hosts (%.0f%% answering 304, %d items a document), warm-up %v, measured for %v\n",
		c.aajil, c.sources, c.interval, c.hosts, c.notModified*100, c.items, c.warmup, c.duration)
	load0 := loadAverage()
	p, err := startAajilProc(c, dir, cfgPath, redisURL)
	if err != nil {
		return err
	}
	defer p.kill()
	if err := p.sleep(ctx, c.warmup); err != nil {
		return err
	}
	run, err := measure(ctx, c, p, redisCmd.Process.Pid, bases[0])
	if err != nil {
		return err
	}
	if err := p.stop(); err != nil {
		fmt.Fprintf(out, "aajil exited: %v (log: %s)\n", err, p.logPath)
	}
	serverCPU := stopServer()

	run.load0, run.load1, run.serverCPU = load0, loadAverage(), serverCPU
	run.logPath, run.profPath = p.logPath, c.cpuProfile
	run.report(out)
	return nil
}

// measure takes the window of c.duration: aajil's and redis-server's
// CPU, the polls the feed server at base answered, aajil's peak memory
// and, with -cpuprofile, its CPU and heap profiles.
func measure(ctx context.Context, c config, p *aajilProc, redisPid int, base string) (binaryRun, error) {
	// What the window measures: aajil's and redis-server's CPU, the
	// polls the feed server answered.
	snapshot := func() (aajil, redis procstat.CPU, th procstat.Threads, polls serverCounts, err error) {
		if aajil, err = procstat.ReadCPU(p.pid); err != nil {
			return
		}
		if th, err = procstat.ReadThreads(p.pid); err != nil {
			return
		}
		if redis, err = procstat.ReadCPU(redisPid); err != nil {
			return
		}
		polls, err = readCounts(ctx, base)
		return
	}
	a0, r0, th0, n0, err := snapshot()
	if err != nil {
		return binaryRun{}, err
	}
	t0 := time.Now()
	profDone := make(chan error, 1)
	if p.pprofAddr != "" {
		go func() { profDone <- fetchProfile(ctx, p.pprofAddr, c.duration, c.cpuProfile) }()
	}
	if err := p.sleep(ctx, c.duration); err != nil {
		return binaryRun{}, err
	}
	a1, r1, th1, n1, err := snapshot()
	if err != nil {
		return binaryRun{}, err
	}
	window := time.Since(t0)
	mem, err := procstat.ReadMemory(p.pid)
	if err != nil {
		return binaryRun{}, err
	}
	if p.pprofAddr != "" {
		if err := <-profDone; err != nil {
			return binaryRun{}, err
		}
		if err := fetchURL(ctx, "http://"+p.pprofAddr+"/debug/pprof/heap", c.cpuProfile+".heap"); err != nil {
			return binaryRun{}, err
		}
	}
	return binaryRun{window: window, counts: n1.sub(n0), aajil: a1.Sub(a0), redis: r1.Sub(r0), threads: th1.Sub(th0), mem: mem}, nil
}

// aajilProc is the aajil run under measurement.
type aajilProc struct {
	cmd       *exec.Cmd
	pid       int
	exited    chan error
	done      bool // exited has been received from
	logPath   string
	pprofAddr string // with -cpuprofile: the HTTP address serving pprof
	logFile   *os.File
}

// startAajilProc starts `aajil run` in console mode on cfgPath and
// redisURL, its output in a log file, with the profiler served when c
// asks for a profile.
func startAajilProc(c config, dir, cfgPath, redisURL string) (*aajilProc, error) {
	env := append(os.Environ(), "AAJIL_CONFIG="+cfgPath, "AAJIL_REDIS_URL="+redisURL,
		"AAJIL_ALLOW_PRIVATE_SOURCES=true", "AAJIL_TELEGRAM_TOKEN=", "AAJIL_HTTP_ADDR=off")
	p := &aajilProc{exited: make(chan error, 1), logPath: filepath.Join(c.logDir(dir), "aajil.log")}
	if c.cpuProfile != "" {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		p.pprofAddr = "127.0.0.1:" + strconv.Itoa(port)
		env = append(env, "AAJIL_HTTP_ADDR="+p.pprofAddr, "AAJIL_PPROF=true")
	}
	logFile, err := os.Create(p.logPath)
	if err != nil {
		return nil, fmt.Errorf("log file: %w", err)
	}
	p.logFile = logFile
	p.cmd = exec.Command(c.aajil, "run")
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	if err := p.cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", c.aajil, err)
	}
	p.pid = p.cmd.Process.Pid
	go func() { p.exited <- p.cmd.Wait() }()
	return p, nil
}

// sleep waits d, and fails if ctx ends or aajil exits first.
func (p *aajilProc) sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case err := <-p.exited:
		p.done = true
		return fmt.Errorf("aajil exited early (%v); its log: %s", err, p.logPath)
	case <-time.After(d):
		return nil
	}
}

// stop asks aajil to stop (SIGTERM) and returns how it exited.
func (p *aajilProc) stop() error {
	if p.done {
		return nil
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.done = true
	return <-p.exited
}

// kill ends aajil if it still runs, and closes its log.
func (p *aajilProc) kill() {
	if !p.done {
		p.cmd.Process.Kill()
		<-p.exited
		p.done = true
	}
	p.logFile.Close()
}

// fetchProfile takes a CPU profile of d from aajil's pprof endpoint at
// addr into path.
func fetchProfile(ctx context.Context, addr string, d time.Duration, path string) error {
	secs := max(int(d.Seconds())-1, 1)
	if err := waitListening(ctx, addr, 10*time.Second); err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	return fetchURL(ctx, fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, secs), path)
}

// fetchURL writes what GET url answers into path (a profile of aajil's
// pprof endpoint).
func fetchURL(ctx context.Context, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("profile %s: %s (is AAJIL_PPROF supported by this binary?)", url, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return fmt.Errorf("profile: %w", err)
	}
	return f.Close()
}

// logDir is where aajil's log is written: -logdir, or the run's own
// temporary directory (removed at the end).
func (c config) logDir(tmp string) string {
	if c.logs != "" {
		return c.logs
	}
	return tmp
}

func (r binaryRun) report(out io.Writer) {
	polls := r.counts.ok + r.counts.notModified
	secs := r.window.Seconds()
	fmt.Fprintf(out, "window %v; load average before %s, after %s\n", r.window.Round(time.Millisecond), r.load0, r.load1)
	fmt.Fprintf(out, "polls (counted by the feed server): %d (%.1f/s): 200 %d, 304 %d\n",
		polls, float64(polls)/secs, r.counts.ok, r.counts.notModified)
	perPoll := func(d time.Duration) string {
		if polls == 0 {
			return "-"
		}
		return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond)/float64(polls))
	}
	perSec := func(d time.Duration) string {
		return fmt.Sprintf("%.2f ms/s", float64(d)/float64(time.Millisecond)/secs)
	}
	for _, p := range []struct {
		name string
		cpu  procstat.CPU
	}{{"aajil", r.aajil}, {"redis-server", r.redis}} {
		fmt.Fprintf(out, "%s cpu: %v (user %v, sys %v): %s per poll, %s\n",
			p.name, p.cpu.Total(), p.cpu.User, p.cpu.Sys, perPoll(p.cpu.Total()), perSec(p.cpu.Total()))
	}
	if polls > 0 {
		fmt.Fprintf(out, "aajil threads: on-cpu %v (schedstat, exact): %s per poll, %s; context switches %d (%d voluntary): %.2f per poll, %.1f/s\n",
			r.threads.OnCPU.Round(time.Microsecond), perPoll(r.threads.OnCPU), perSec(r.threads.OnCPU),
			r.threads.Switches(), r.threads.Voluntary, float64(r.threads.Switches())/float64(polls), float64(r.threads.Switches())/secs)
	}
	fmt.Fprintf(out, "aajil memory: peak rss (VmHWM) %.1f MB, rss at the end %.1f MB\n", float64(r.mem.HWM)/1e6, float64(r.mem.RSS)/1e6)
	fmt.Fprintf(out, "feed server (not counted above): cpu %v over the whole run\n", r.serverCPU.Round(time.Millisecond))
	if r.profPath != "" {
		fmt.Fprintf(out, "cpu profile of the window: %s; heap profile at its end: %s.heap\n", r.profPath, r.profPath)
	}
}
