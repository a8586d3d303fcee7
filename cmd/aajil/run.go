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
	tgapi "github.com/aajil/aajil/telegram"
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

// statesEvery is how often the sources' poll state is saved to Redis, in
// watch periods: 10 s in production.
const statesEvery = 10

// resyncEvery is how often the registries are read again in case a change
// notice was missed (store.WatchSources), in watch periods: 30 s in
// production. Changes are announced, and seen at once, in between.
const resyncEvery = 30

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
	if err := run(ctx, cfg, log, e.stdout, e.watchEvery); err != nil {
		log.Error("aajil stopped", slog.Any("error", err))
		return 1
	}
	log.Info("aajil stopped")
	return 0
}

// watchEvery is the period of the watchers' work: the poll state saved
// every statesEvery of it, the registries read again every resyncEvery
// (their changes are announced and seen at once in between).
const watchEvery = time.Second

// run wires the pieces and runs until ctx is done, checking the registries
// every watch (watchEvery when zero).
func run(ctx context.Context, cfg *configs.Config, log *slog.Logger, stdout io.Writer, watch time.Duration) error {
	if watch == 0 {
		watch = watchEvery
	}
	det, err := cfg.Detector()
	if err != nil {
		return err
	}
	st, closeStore, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeStore()

	client := feeds.NewClient(feeds.ClientOptions{AllowPrivate: cfg.AllowPrivateSources, UserAgent: userAgent()})
	poller := feeds.NewPoller(feeds.NewFetcher(client, userAgent()), det)
	instance := instanceName()
	m := metrics.New()
	stories := st.Stories(store.StoryOptions{})
	names := pipeline.NewSourceNames(cfg.Sources)

	webConsole, err := newConsole(ctx, cfg, st, poller, log)
	if err != nil {
		return err
	}
	// A refused token is found before anything else is touched.
	mode := "console"
	var tg *telegram
	if cfg.TelegramToken != "" {
		mode = "telegram"
		if tg, err = startTelegram(ctx, cfg, st, stories, names, poller, loginLinks(webConsole), m, instance, log); err != nil {
			return err
		}
	}
	if err := seed(ctx, st, cfg, log); err != nil {
		return err
	}
	endpoint, err := listenHTTP(cfg.HTTPAddr, cfg.Pprof, m, readiness(st))
	if err != nil {
		return err
	}
	m.SetQueue(queueGauge(st))
	mountConsole(webConsole, endpoint)

	ws := newWebSub(cfg, st, client, poller, m, instance, watch, log)
	eng := newEngine(st, stories, poller, names, m, instance, tg == nil, stdout, watch, log, ws.hooks())
	eng.states.Restore(ctx)
	// The scheduler's first Set is its initial load, spread over the
	// interval; updates are taken only after it (sources.Loaded), so that
	// a source added in chat right after start-up is polled at once.
	if err := serveWebhook(tg, endpoint, eng.sources.Loaded(), log); err != nil {
		return err
	}
	if err := ws.serve(endpoint, eng.pipe.Submit); err != nil {
		return err
	}

	var w workers
	defer w.stop()
	watchCtx := eng.start(ctx, &w, st, m, watch)
	ws.start(watchCtx, &w, eng.sched)
	// The endpoint answers until the very end, so /healthz stays up while
	// the work in hand is finished.
	httpCtx := w.httpCtx(ctx)
	w.http.Go(func() { endpoint.serve(httpCtx, log) })
	startTelegramWork(ctx, watchCtx, tg, eng.sources.Loaded(), &w, log)

	log.Info("aajil running", slog.String("version", version), slog.String("config", cfg.Path),
		slog.Int("sources", len(cfg.Sources)), slog.String("mode", mode), slog.String("instance", instance))
	err = eng.sched.Run(ctx)
	eng.shutdown(ctx, &w)
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// shutdown runs once the scheduler's polls have stopped: the pipeline
// finishes the work in hand and the sender finishes or hands back its
// sends, then the poll state is saved once more, the source leases are
// released, and the HTTP endpoint stops last.
func (e *engine) shutdown(ctx context.Context, w *workers) {
	w.stopWatchers()
	w.stopPipe()
	// One second: the sender may have used most of the 10 s a stop gets.
	saveCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	e.states.Save(saveCtx)
	e.counted.Flush(saveCtx)
	e.leased.Release(saveCtx)
	w.stopHTTP()
}

// engine is what polls the sources and turns their items into alerts.
type engine struct {
	pipe    *pipeline.Pipeline
	leased  *feeds.LeasedPoller
	sched   *feeds.Scheduler
	states  *feeds.StateSaver
	sources *pipeline.SourceSync
	// counted counts the sources' new items for the console.
	counted *pipeline.ItemCounter
}

// engineHooks are optional additions to the scheduler: an interval
// override and an observer of every poll's result.
type engineHooks struct {
	intervalFor func(feeds.Source) time.Duration
	observe     func(context.Context, feeds.PollResult)
}

// forgetter returns what the poller keeps of a removed source to drop,
// when it keeps anything (*feeds.Poller: the items of the last document).
func forgetter(p feeds.SourcePoller) func(id string) {
	if f, ok := p.(interface{ Forget(id string) }); ok {
		return f.Forget
	}
	return nil
}

// newEngine builds the pipeline (its alerts counted and, in console mode,
// printed to stdout) and the scheduler that polls the sources through the
// lease, logs, counts and hands each poll to the pipeline, kept in step
// with the registry every watch.
func newEngine(st *store.Store, stories *store.Stories, poller feeds.SourcePoller, names *pipeline.SourceNames, m *metrics.Metrics,
	instance string, console bool, stdout io.Writer, watch time.Duration, log *slog.Logger, hooks engineHooks) *engine {
	alerted := &pipeline.AlertCounter{Store: st, Metric: m.Alert, Log: log, Recent: st}
	if console {
		// Console mode: the alert a subscriber without rules gets.
		alerted.Next = pipeline.NewConsole(stdout).Print
	}
	// The scheduler hands polls to the pipeline, which asks it for
	// cascades: pipe is set before the scheduler runs.
	var pipe *pipeline.Pipeline
	health := feeds.NewPollLog(log)
	leased := feeds.NewLeasedPoller(poller, st, instance, log)
	sched := feeds.NewScheduler(leased, func(ctx context.Context, r feeds.PollResult) {
		m.Poll(r)
		health.Observe(r)
		if hooks.observe != nil {
			hooks.observe(ctx, r)
		}
		pipe.Consume(ctx, r)
	}, feeds.SchedulerOptions{Logger: log, IntervalFor: hooks.intervalFor, OnCascade: m.Cascade, Scheduled: leased.Scheduled, Removed: forgetter(poller)})
	counted := &pipeline.ItemCounter{Store: st, Log: log}
	pipe = pipeline.New(pipeline.Options{
		Seen: st, Stories: stories, Outbox: pipeline.CountQueued(st, m.Queued),
		Edits: st, OnMerged: func(string, feeds.Source, bool) { m.StoriesMerged(1) },
		OnAlert: alerted.OnAlert, Cascade: sched, Log: log,
		OnFresh: counted.OnFresh,
	})
	return &engine{
		pipe: pipe, leased: leased, sched: sched, counted: counted,
		states: feeds.NewStateSaver(st, sched, statesEvery*watch, log),
		sources: pipeline.NewSourceSync(pipeline.SourceSyncOptions{
			Watch: st, Rebaser: pipeline.NewRebaser(st, log), Scheduler: sched, Names: names, Metrics: m, Every: resyncEvery * watch,
		}),
	}
}

// start starts the pipeline and the watchers (the source and subscriber
// registries, the state saver) in w, and returns the watchers' context.
func (e *engine) start(ctx context.Context, w *workers, st *store.Store, m *metrics.Metrics, watch time.Duration) context.Context {
	pipeCtx := w.pipeCtx(ctx)
	w.pipe.Go(func() { e.pipe.Run(pipeCtx, 5*time.Second) })
	watchCtx := w.watchCtx(ctx)
	w.watchers.Go(func() { e.sources.Run(watchCtx) })
	w.watchers.Go(func() {
		st.WatchSubscribers(watchCtx, resyncEvery*watch, func(u store.SubscriberUpdate) {
			e.pipe.ApplySubscribers(u)
			m.SetSubscribers(e.pipe.SubscriberCounts())
		})
	})
	w.watchers.Go(func() { e.states.Run(watchCtx) })
	w.watchers.Go(func() { e.leased.Run(watchCtx) })
	return watchCtx
}

// workers are the goroutines of a run, in the three groups that stop one
// after the other: the watchers (registries, state saver, Telegram
// updates), then the pipeline and the sender, then the HTTP endpoint.
type workers struct {
	watchers, pipe, http                sync.WaitGroup
	cancelWatch, cancelPipe, cancelHTTP context.CancelFunc
}

// watchCtx is the watchers' context: done with ctx.
func (w *workers) watchCtx(ctx context.Context) context.Context {
	c, cancel := context.WithCancel(ctx)
	w.cancelWatch = cancel
	return c
}

// pipeCtx is the pipeline's context: not done with ctx, so that it
// finishes the work in hand after the polls have stopped.
func (w *workers) pipeCtx(ctx context.Context) context.Context {
	c, cancel := context.WithCancel(context.WithoutCancel(ctx))
	w.cancelPipe = cancel
	return c
}

// httpCtx is the HTTP endpoint's context: not done with ctx.
func (w *workers) httpCtx(ctx context.Context) context.Context {
	c, cancel := context.WithCancel(context.WithoutCancel(ctx))
	w.cancelHTTP = cancel
	return c
}

// stopWatchers cancels the watchers and waits for them.
func (w *workers) stopWatchers() {
	if w.cancelWatch != nil {
		w.cancelWatch()
	}
	w.watchers.Wait()
}

// stopPipe cancels the pipeline and waits for it and the sender.
func (w *workers) stopPipe() {
	if w.cancelPipe != nil {
		w.cancelPipe()
	}
	w.pipe.Wait()
}

// stopHTTP cancels the HTTP endpoint and waits for it.
func (w *workers) stopHTTP() {
	if w.cancelHTTP != nil {
		w.cancelHTTP()
	}
	w.http.Wait()
}

// stop stops every group, in order; a group already stopped stays so.
func (w *workers) stop() {
	w.stopWatchers()
	w.stopPipe()
	w.stopHTTP()
}

// openStore opens the store at AAJIL_REDIS_URL, waiting for Redis up to
// AAJIL_REDIS_WAIT, or on an embedded in-memory Redis when it is not set.
// The function returned closes both.
func openStore(ctx context.Context, cfg *configs.Config, log *slog.Logger) (*store.Store, func(), error) {
	redisURL := cfg.RedisURL
	closeEmb := func() {}
	if redisURL == "" {
		emb, err := store.StartEmbedded(log)
		if err != nil {
			return nil, nil, err
		}
		closeEmb = func() { emb.Close() }
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
		closeEmb()
		return nil, nil, err
	}
	if waited {
		log.Info("redis reachable")
	}
	return st, func() { st.Close(); closeEmb() }, nil
}

// readiness is /readyz: Redis answers. With a token, getMe succeeded at
// start, or run would have stopped.
func readiness(st *store.Store) metrics.ReadyFunc {
	return func(ctx context.Context) error {
		if err := st.Ping(ctx); err != nil {
			return fmt.Errorf("redis: %w", err)
		}
		return nil
	}
}

// queueGauge reads the outbox depth, its pending entries and the dead
// letters, for /metrics.
func queueGauge(st *store.Store) func(ctx context.Context) (depth, pending, dead int64, err error) {
	return func(ctx context.Context) (depth, pending, dead int64, err error) {
		if depth, pending, err = st.OutboxDepth(ctx); err != nil {
			return 0, 0, 0, err
		}
		dead, err = st.DeadLetterCount(ctx)
		return depth, pending, dead, err
	}
}

// serveWebhook serves the Telegram webhook on the HTTP endpoint, in
// webhook mode. As with long polling, updates wait for loaded.
func serveWebhook(tg *telegram, endpoint *httpEndpoint, loaded <-chan struct{}, log *slog.Logger) error {
	if tg == nil || tg.webhook == nil {
		return nil
	}
	if endpoint == nil {
		return errors.New("webhook mode needs AAJIL_HTTP_ADDR to serve the webhook on; it is off")
	}
	webhook := tg.webhook
	endpoint.mux.Handle("POST "+tg.path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-loaded:
			webhook.ServeHTTP(w, r)
		case <-r.Context().Done():
			http.Error(w, "starting", http.StatusServiceUnavailable)
		}
	}))
	log.Info("telegram webhook served", slog.String("path", tg.path))
	return nil
}

// startTelegramWork starts the Telegram side: long polling for updates
// (a watcher, once loaded is closed) and the sender.
func startTelegramWork(ctx, watchCtx context.Context, tg *telegram, loaded <-chan struct{}, w *workers, log *slog.Logger) {
	if tg == nil {
		return
	}
	if tg.poller != nil {
		w.watchers.Go(func() {
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
	w.pipe.Go(func() {
		if err := tg.sender.Run(ctx); err != nil {
			log.Error("sender stopped", slog.Any("error", err))
		}
	})
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
func startTelegram(ctx context.Context, cfg *configs.Config, st *store.Store, stories *store.Stories, names *pipeline.SourceNames, prober bot.Prober,
	links bot.LoginLinks, m *metrics.Metrics, instance string, log *slog.Logger) (*telegram, error) {
	api, err := tgapi.NewAPI(ctx, cfg.TelegramToken, cfg.TelegramAPI, &http.Client{Timeout: 60 * time.Second})
	if err != nil {
		return nil, err
	}
	log.Info("telegram bot ready", slog.String("username", api.Self.UserName))
	if err := tgapi.SetCommands(ctx, api, bot.Menus()); err != nil {
		log.Warn("telegram command menu not set", slog.Any("error", tgapi.RedactToken(err, cfg.TelegramToken)))
	}
	loc, err := cfg.Delivery.Location()
	if err != nil {
		return nil, err
	}
	// Alerts and command replies go through one client with a shorter
	// timeout than long polling's.
	sendAPI := tgapi.WithClient(api, &http.Client{Timeout: 15 * time.Second})
	sender := delivery.New(delivery.NewBotAPI(sendAPI), delivery.RedisStore{Store: st}, delivery.Options{
		Instance:    instance,
		Workers:     cfg.Delivery.Workers,
		Global:      store.Limit{Interval: time.Duration(float64(time.Second) / cfg.Delivery.Rate), Burst: 1},
		DeadAfter:   cfg.Delivery.DeadAfter,
		Location:    loc,
		LinkPreview: cfg.Delivery.LinkPreview,
		EditMaxAge:  cfg.Delivery.EditMaxAge,
		SourceName:  names.Name,
		Stories:     stories,
		Metrics:     m,
		Logger:      log,
	})
	b := bot.New(sendAPI, st, bot.Options{Admins: cfg.Admins, Logger: log, Prober: prober, ConfigFile: cfg.Path,
		FileEndpoint: bot.FileEndpoint(cfg.TelegramAPI), Limiter: sender, AllowPrivateSources: cfg.AllowPrivateSources,
		Location: loc, LoginLinks: links})
	tg := &telegram{sender: sender}
	if cfg.WebhookURL != "" {
		secret := webhookSecret(cfg.TelegramToken)
		if err := tgapi.SetWebhook(ctx, api, cfg.WebhookURL, secret, bot.DefaultAllowedUpdates()); err != nil {
			return nil, fmt.Errorf("set telegram webhook: %w", tgapi.RedactToken(err, cfg.TelegramToken))
		}
		u, _ := url.Parse(cfg.WebhookURL)
		tg.path = u.Path
		if tg.path == "" {
			tg.path = "/"
		}
		tg.webhook = bot.WebhookHandler(secret, b, st.MarkUpdate)
		return tg, nil
	}
	if err := tgapi.DeleteWebhook(ctx, api); err != nil {
		log.Warn("telegram webhook not removed; getUpdates may be refused", slog.Any("error", tgapi.RedactToken(err, cfg.TelegramToken)))
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
