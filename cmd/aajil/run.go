package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aajil/aajil/bot"
	"github.com/aajil/aajil/configs"
	"github.com/aajil/aajil/delivery"
	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/metrics"
	"github.com/aajil/aajil/pipeline"
	"github.com/aajil/aajil/store"
)

const runUsage = `Usage: aajil run

Polls every source at its interval, finds the new urgent items, merges the
same story told by several sources, matches every subscriber's rules and
queues the deliveries, all with state in Redis.

With AAJIL_TELEGRAM_TOKEN it is a Telegram bot: it answers commands
(AAJIL_ADMINS may also edit the sources) and sends each alert once, within
Telegram's limits. Without a token it runs in console mode: each alert that
a subscriber without rules would get is printed once to standard output.
Without AAJIL_REDIS_URL it uses an embedded in-memory Redis (state is lost
at exit). The first poll of a source is a baseline: what it already shows
is not alerted. /healthz, /readyz and /metrics are served on
AAJIL_HTTP_ADDR (default 127.0.0.1:8080; off for none). Several instances
may share one Redis. Stop with Ctrl-C (SIGINT) or SIGTERM.

Configuration: $AAJIL_CONFIG (default configs/aajil.yaml; the embedded
example when that file does not exist) and the AAJIL_* variables.
`

// statesEvery is how often the sources' poll state is saved to Redis.
const statesEvery = 10 * time.Second

func runCmd(ctx context.Context, e env, args []string) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprint(e.stderr, runUsage)
		fmt.Fprint(e.stderr, "\nFlags:\n")
		fs.PrintDefaults()
	}
	var redisWait time.Duration
	fs.DurationVar(&redisWait, "redis-wait", 0, "how long to keep trying to reach Redis at start-up before exiting 1 (overrides AAJIL_REDIS_WAIT; default 60s)")
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
	if redisWait < 0 || redisWait > configs.MaxRedisWait {
		fmt.Fprintf(e.stderr, "aajil run: --redis-wait %v is not between 0 and %v\n", redisWait, configs.MaxRedisWait)
		return 2
	}
	if redisWait > 0 {
		cfg.RedisWait = redisWait
	}
	log := newLogger(e.stderr, cfg)
	// go-redis logs through one logger for the whole process: set here,
	// once, as run is the only command that keeps a Redis client.
	store.SetLogger(log)
	if err := run(ctx, cfg, log, e.stdout); err != nil {
		log.Error("aajil stopped", slog.Any("error", err))
		return 1
	}
	log.Info("aajil stopped")
	return 0
}

// run wires the pieces and runs until ctx is done.
func run(ctx context.Context, cfg *configs.Config, log *slog.Logger, stdout io.Writer) error {
	det, err := cfg.Detector()
	if err != nil {
		return err
	}
	redisURL := cfg.RedisURL
	if redisURL == "" {
		emb, err := store.StartEmbedded(log)
		if err != nil {
			return err
		}
		defer emb.Close()
		redisURL = emb.URL()
	}
	waited := false
	st, err := store.Open(ctx, redisURL, store.Options{WatchErrors: func(watch string, err error) {
		if err != nil {
			log.Warn("redis unavailable: "+watch+" changes are picked up when it is back", slog.Any("error", err))
		} else {
			log.Info("redis reachable again", slog.String("watch", watch))
		}
	}, StartWait: cfg.RedisWait, StartWaiting: func(err error) {
		waited = true
		log.Warn("redis not reachable yet; waiting for it", slog.Duration("up_to", cfg.RedisWait), slog.Any("error", err))
	}})
	if err != nil {
		return err
	}
	if waited {
		log.Info("redis reachable")
	}
	defer st.Close()

	client := feeds.NewClient(feeds.ClientOptions{AllowPrivate: cfg.AllowPrivateSources, UserAgent: userAgent()})
	poller := feeds.NewPoller(feeds.NewFetcher(client, userAgent()), det)
	instance := instanceName()
	m := metrics.New()
	stories := st.Stories(store.StoryOptions{})
	names := newSourceNames(cfg.Sources)

	// A refused token is found before anything else is touched.
	mode := "console"
	var tg *telegram
	if cfg.TelegramToken != "" {
		mode = "telegram"
		if tg, err = startTelegram(ctx, cfg, st, stories, names, poller, m, instance, log); err != nil {
			return err
		}
	}
	if err := seed(ctx, st, cfg, log); err != nil {
		return err
	}
	ready := func(ctx context.Context) error {
		if err := st.Ping(ctx); err != nil {
			return fmt.Errorf("redis: %w", err)
		}
		// With a token, getMe succeeded at start, or run would have
		// stopped.
		return nil
	}
	endpoint, err := listenHTTP(cfg.HTTPAddr, m, ready)
	if err != nil {
		return err
	}
	// The scheduler's first Set is its initial load, spread over the
	// interval; updates are taken only after it (loaded), so that a source
	// added in chat right after start-up is polled at once.
	loaded := make(chan struct{})
	if tg != nil && tg.webhook != nil {
		if endpoint == nil {
			return errors.New("webhook mode needs AAJIL_HTTP_ADDR to serve the webhook on; it is off")
		}
		webhook := tg.webhook
		endpoint.mux.Handle("POST "+tg.path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// As with long polling, updates wait for the initial load.
			select {
			case <-loaded:
				webhook.ServeHTTP(w, r)
			case <-r.Context().Done():
				http.Error(w, "starting", http.StatusServiceUnavailable)
			}
		}))
		log.Info("telegram webhook served", slog.String("path", tg.path))
	}
	m.SetQueue(func(ctx context.Context) (depth, pending, dead int64, err error) {
		if depth, pending, err = st.OutboxDepth(ctx); err != nil {
			return 0, 0, 0, err
		}
		dead, err = st.DeadLetterCount(ctx)
		return depth, pending, dead, err
	})

	print := newConsole(stdout).print
	onAlert := func(a pipeline.Alert) {
		m.Alert()
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		if err := countAlert(cctx, st, a.Source.ID); err != nil {
			log.Debug("alert not counted", slog.Any("error", err))
		}
		if tg == nil {
			// Console mode: the alert a subscriber without rules gets.
			print(a)
		}
	}
	pipe := pipeline.New(pipeline.Options{
		Seen: st, Stories: stories, Outbox: countingOutbox{st: st, m: m},
		Edits: st, OnMerged: func(string, feeds.Source, bool) { m.StoriesMerged(1) },
		OnAlert: onAlert, Log: log,
	})
	health := newPollLog(log)
	leased := newLeasedPoller(poller, st, instance, log)
	sched := feeds.NewScheduler(leased, func(ctx context.Context, r feeds.PollResult) {
		m.Poll(r)
		health.observe(r)
		pipe.Consume(ctx, r)
	}, feeds.SchedulerOptions{Logger: log})
	if states, err := st.LoadStates(ctx); err != nil {
		log.Warn("poll state not restored; sources start afresh", slog.Any("error", err))
	} else {
		restored := make([]feeds.SourceState, 0, len(states))
		for _, s := range states {
			restored = append(restored, s)
		}
		sched.Restore(restored)
	}

	var wg sync.WaitGroup
	pipeCtx, stopPipe := context.WithCancel(context.WithoutCancel(ctx))
	defer stopPipe()
	wg.Go(func() { pipe.Run(pipeCtx, 5*time.Second) })
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	var watchers sync.WaitGroup
	watchers.Go(func() {
		known := make(map[string]bool)
		rebase := newRebaser(st, log)
		var first sync.Once
		st.WatchSources(watchCtx, time.Second, func(srcs []feeds.Source) {
			rebase.changed(watchCtx, srcs)
			sched.Set(srcs)
			first.Do(func() { close(loaded) })
			names.set(srcs)
			m.SetSources(len(srcs))
			// A deleted source's series go with it.
			now := make(map[string]bool, len(srcs))
			for _, s := range srcs {
				now[s.ID] = true
			}
			for id := range known {
				if !now[id] {
					m.RemoveSource(id)
				}
			}
			known = now
		})
	})
	watchers.Go(func() {
		st.WatchSubscribers(watchCtx, time.Second, func(u store.SubscriberUpdate) {
			pipe.ApplySubscribers(u)
			m.SetSubscribers(pipe.SubscriberCounts())
		})
	})
	watchers.Go(func() { saveStates(watchCtx, st, sched, log) })
	// The endpoint answers until the very end, so /healthz stays up while
	// the work in hand is finished.
	httpCtx, stopHTTP := context.WithCancel(context.WithoutCancel(ctx))
	defer stopHTTP()
	var httpDone sync.WaitGroup
	httpDone.Go(func() { endpoint.serve(httpCtx, log) })
	if tg != nil {
		if tg.poller != nil {
			watchers.Go(func() {
				select {
				case <-loaded:
				case <-watchCtx.Done():
					return
				}
				if err := tg.poller.Run(watchCtx); err != nil {
					log.Error("telegram updates stopped", slog.Any("error", err))
				}
			})
		}
		// The sender drains on its own when ctx is done (within 10 s),
		// at the same time as the pipeline.
		wg.Go(func() {
			if err := tg.sender.Run(ctx); err != nil {
				log.Error("sender stopped", slog.Any("error", err))
			}
		})
	}

	log.Info("aajil running", slog.String("version", version), slog.String("config", cfg.Path),
		slog.Int("sources", len(cfg.Sources)), slog.String("mode", mode), slog.String("instance", instance))
	err = sched.Run(ctx)

	// Shutdown: polls have stopped; the pipeline finishes the work in
	// hand and the sender finishes or hands back its sends, then the poll
	// state is saved once more and the source leases are released.
	stopWatch()
	watchers.Wait()
	stopPipe()
	wg.Wait()
	// One second: the sender may have used most of the 10 s a stop gets.
	saveCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	saveAll(saveCtx, st, sched, log)
	leased.release(saveCtx)
	stopHTTP()
	httpDone.Wait()
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// countAlert counts a new urgent story, overall and for its source, for
// /stats and /feeds.
func countAlert(ctx context.Context, st *store.Store, source string) error {
	if err := st.Count(ctx, "alerts", 1); err != nil {
		return err
	}
	return st.Count(ctx, "alerts:src:"+source, 1)
}

// telegram is the Telegram side of a run: commands and the sender.
type telegram struct {
	sender *delivery.Sender
	// Updates arrive by long polling (poller) or by a webhook served at
	// path on AAJIL_HTTP_ADDR.
	poller  *bot.Poller
	webhook http.Handler
	path    string
}

// startTelegram checks the token (getMe: a refused token is an error),
// sets the command menus (a failure is logged) and sets up the sender and
// how updates arrive: a webhook when AAJIL_WEBHOOK_URL is set, else long
// polling.
func startTelegram(ctx context.Context, cfg *configs.Config, st *store.Store, stories *store.Stories, names *sourceNames, prober bot.Prober,
	m *metrics.Metrics, instance string, log *slog.Logger) (*telegram, error) {
	api, err := bot.NewAPI(ctx, cfg.TelegramToken, cfg.TelegramAPI, &http.Client{Timeout: 60 * time.Second})
	if err != nil {
		return nil, err
	}
	log.Info("telegram bot ready", slog.String("username", api.Self.UserName))
	if err := bot.SetCommands(ctx, api, bot.Menus()); err != nil {
		log.Warn("telegram command menu not set", slog.Any("error", bot.RedactToken(err, cfg.TelegramToken)))
	}
	loc, err := cfg.Delivery.Location()
	if err != nil {
		return nil, err
	}
	// Alerts and command replies go through one client with a shorter
	// timeout than long polling's.
	sendAPI := bot.WithClient(api, &http.Client{Timeout: 15 * time.Second})
	sender := delivery.New(delivery.NewBotAPI(sendAPI), st, delivery.Options{
		Instance:    instance,
		Workers:     cfg.Delivery.Workers,
		Global:      store.Limit{Interval: time.Duration(float64(time.Second) / cfg.Delivery.Rate), Burst: 1},
		DeadAfter:   cfg.Delivery.DeadAfter,
		Location:    loc,
		LinkPreview: cfg.Delivery.LinkPreview,
		EditMaxAge:  cfg.Delivery.EditMaxAge,
		SourceName:  names.name,
		Stories:     stories,
		Metrics:     m,
		Logger:      log,
	})
	b := bot.New(sendAPI, st, bot.Options{Admins: cfg.Admins, Logger: log, Prober: prober, ConfigFile: cfg.Path,
		FileEndpoint: bot.FileEndpoint(cfg.TelegramAPI), Limiter: sender, AllowPrivateSources: cfg.AllowPrivateSources})
	tg := &telegram{sender: sender}
	if cfg.WebhookURL != "" {
		secret := webhookSecret(cfg.TelegramToken)
		if err := bot.SetWebhook(ctx, api, cfg.WebhookURL, secret); err != nil {
			return nil, fmt.Errorf("set telegram webhook: %w", bot.RedactToken(err, cfg.TelegramToken))
		}
		u, _ := url.Parse(cfg.WebhookURL)
		tg.path = u.Path
		if tg.path == "" {
			tg.path = "/"
		}
		tg.webhook = bot.WebhookHandler(secret, b, st.MarkUpdate)
		return tg, nil
	}
	if err := bot.DeleteWebhook(ctx, api); err != nil {
		log.Warn("telegram webhook not removed; getUpdates may be refused", slog.Any("error", bot.RedactToken(err, cfg.TelegramToken)))
	}
	tg.poller = bot.NewPoller(api, st, b, bot.PollerOptions{Logger: log})
	return tg, nil
}

// webhookSecret derives the webhook's secret token from the bot token, so
// every instance sets the same one and the token itself is never sent.
func webhookSecret(token string) string {
	sum := sha256.Sum256([]byte("aajil-webhook:" + token))
	return hex.EncodeToString(sum[:16])
}

// seed merges the config file's sources into the registry in Redis.
func seed(ctx context.Context, st *store.Store, cfg *configs.Config, log *slog.Logger) error {
	var mod time.Time
	if fi, err := os.Stat(cfg.Path); err == nil {
		mod = fi.ModTime()
	}
	rep, err := st.SeedSources(ctx, cfg.Sources, mod)
	if err != nil {
		return fmt.Errorf("seed sources: %w", err)
	}
	attrs := []any{slog.Int("unchanged", rep.Unchanged)}
	for name, ids := range map[string][]string{
		"added": rep.Added, "updated": rep.Updated, "removed": rep.Removed,
		"kept_chat_edit": rep.KeptChat, "kept_chat_delete": rep.KeptGone,
	} {
		if len(ids) > 0 {
			attrs = append(attrs, slog.String(name, strings.Join(ids, ",")))
		}
	}
	log.Info("sources seeded from the config file", attrs...)
	return nil
}

func saveStates(ctx context.Context, st *store.Store, sched *feeds.Scheduler, log *slog.Logger) {
	t := time.NewTicker(statesEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			saveAll(ctx, st, sched, log)
		}
	}
}

func saveAll(ctx context.Context, st *store.Store, sched *feeds.Scheduler, log *slog.Logger) {
	if err := st.SaveStates(ctx, sched.States()); err != nil {
		log.Debug("poll state not saved", slog.Any("error", err))
	}
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

// pollLog logs a source's failures when they start or change class and
// when the source recovers, not at every failed poll.
type pollLog struct {
	log  *slog.Logger
	mu   sync.Mutex
	fail map[string]feeds.ErrorClass
}

func newPollLog(log *slog.Logger) *pollLog {
	return &pollLog{log: log, fail: make(map[string]feeds.ErrorClass)}
}

func (p *pollLog) observe(r feeds.PollResult) {
	id := r.Source.ID
	p.mu.Lock()
	defer p.mu.Unlock()
	if r.Err == nil {
		if _, failing := p.fail[id]; failing {
			delete(p.fail, id)
			p.log.Info("source recovered", slog.String("source", id))
		}
		p.log.Debug("polled", slog.String("source", id), slog.Int("items", len(r.Items)),
			slog.Bool("not_modified", r.NotModified), slog.Duration("took", r.Duration))
		return
	}
	class := feeds.ClassOf(r.Err)
	if prev, failing := p.fail[id]; failing && prev == class {
		return
	}
	p.fail[id] = class
	p.log.Warn("poll failed", slog.String("source", id), slog.String("class", string(class)),
		slog.Any("error", r.Err), slog.Duration("retry_after", r.RetryAfter))
}

// console prints alerts to standard output, one block each.
type console struct {
	mu  sync.Mutex
	out io.Writer
}

func newConsole(out io.Writer) *console { return &console{out: out} }

func (c *console) print(a pipeline.Alert) {
	name := a.Source.Name
	if name == "" {
		name = a.Source.ID
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s🔴 %s", lrm, isolate(name))
	if !a.Item.Published.IsZero() {
		fmt.Fprintf(&b, " · %s UTC", a.Item.Published.UTC().Format("2006-01-02 15:04"))
	}
	fmt.Fprintf(&b, "\n%s   %s\n", lrm, isolate(a.Item.Title))
	if a.Item.Link != "" {
		fmt.Fprintf(&b, "%s   %s\n", lrm, a.Item.Link)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	io.WriteString(c.out, b.String())
}
