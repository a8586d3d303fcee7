package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aajil/aajil/configs"
	"github.com/aajil/aajil/feeds"
)

const runUsage = `Usage: aajil run

Polls every configured source at its interval and prints each new urgent
item to standard output. The first poll of a source is a baseline: what it
already shows is not printed. Stop with Ctrl-C (SIGINT) or SIGTERM.

Configuration: $AAJIL_CONFIG (default configs/aajil.yaml; the embedded
example when that file does not exist) and the AAJIL_* variables.
`

func runCmd(ctx context.Context, e env, args []string) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() { fmt.Fprint(e.stderr, runUsage) }
	if err := fs.Parse(args); err != nil {
		return exitUsage(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "aajil run: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	cfg, err := configs.Load(e.getenv)
	if err != nil {
		fmt.Fprintf(e.stderr, "aajil run: %v\n", err)
		return 1
	}
	log := newLogger(e.stderr, cfg)
	det, err := cfg.Detector()
	if err != nil {
		fmt.Fprintf(e.stderr, "aajil run: %v\n", err)
		return 1
	}
	if cfg.TelegramToken != "" || cfg.RedisURL != "" {
		log.Warn("telegram delivery and redis state are not part of this build yet; printing alerts to stdout")
	}

	client := feeds.NewClient(feeds.ClientOptions{AllowPrivate: cfg.AllowPrivateSources, UserAgent: userAgent()})
	poller := feeds.NewPoller(feeds.NewFetcher(client, userAgent()), det)
	con := newConsole(e.stdout, log)
	sched := feeds.NewScheduler(poller, con.consume, feeds.SchedulerOptions{Logger: log})

	var active []feeds.Source
	for _, s := range cfg.Sources {
		if !s.Paused {
			active = append(active, s)
		}
	}
	sched.Set(active)
	log.Info("aajil running", slog.String("version", version), slog.String("config", cfg.Path),
		slog.Int("sources", len(active)), slog.String("mode", "console"))
	if err := sched.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		log.Error("scheduler stopped", slog.Any("error", err))
		return 1
	}
	log.Info("aajil stopped")
	return 0
}

func newLogger(w io.Writer, cfg *configs.Config) *slog.Logger {
	var level slog.Level
	switch strings.ToLower(cfg.LogLevel) {
	case "debug":
		level = slog.LevelDebug
	case "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	}
	opts := &slog.HandlerOptions{Level: level}
	if strings.ToLower(cfg.LogFormat) == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// seenTTL bounds the console's memory of items: an id not seen in a poll
// for this long is forgotten.
const seenTTL = 7 * 24 * time.Hour

// console prints new urgent items, remembering what each source showed.
// The first successful poll of a source is a baseline and prints nothing.
type console struct {
	mu   sync.Mutex
	out  io.Writer
	log  *slog.Logger
	seen map[string]map[string]time.Time // source id → item id → last seen
}

func newConsole(out io.Writer, log *slog.Logger) *console {
	return &console{out: out, log: log, seen: make(map[string]map[string]time.Time)}
}

func (c *console) consume(_ context.Context, r feeds.PollResult) {
	src := r.Source
	if r.Err != nil {
		c.log.Warn("poll failed", slog.String("source", src.ID),
			slog.String("class", string(feeds.ClassOf(r.Err))), slog.Any("error", r.Err),
			slog.Duration("retry_after", r.RetryAfter))
		return
	}
	if r.NotModified {
		c.log.Debug("not modified", slog.String("source", src.ID))
		return
	}
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	seen, known := c.seen[src.ID]
	if !known {
		seen = make(map[string]time.Time, len(r.Items))
		c.seen[src.ID] = seen
	}
	fresh := 0
	for _, it := range r.Items {
		_, old := seen[it.ID]
		seen[it.ID] = now
		if old || !known {
			continue
		}
		fresh++
		if it.Urgent {
			c.print(src, it)
		}
	}
	for id, t := range seen {
		if now.Sub(t) > seenTTL {
			delete(seen, id)
		}
	}
	c.log.Debug("polled", slog.String("source", src.ID), slog.Int("items", len(r.Items)),
		slog.Int("new", fresh), slog.Bool("baseline", !known))
}

func (c *console) print(src feeds.Source, it feeds.Item) {
	name := src.Name
	if name == "" {
		name = src.ID
	}
	line := fmt.Sprintf("%s🔴 %s · %s", lrm, isolate(name), isolate(it.Title))
	if !it.Published.IsZero() {
		line += fmt.Sprintf(" · %s ago", formatAge(time.Since(it.Published)))
	}
	fmt.Fprintln(c.out, line)
	if it.Link != "" {
		fmt.Fprintf(c.out, "%s   %s\n", lrm, it.Link)
	}
}
