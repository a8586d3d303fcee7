// Package configs holds Aajil's configuration: the commented example
// aajil.yaml (embedded, used when no config file is found) and the loader
// that reads a YAML file, applies the AAJIL_* environment overrides and
// validates every source, naming the source and field at fault.
package configs

import (
	"bytes"
	"cmp"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/aajil/aajil/alerts"
	"github.com/aajil/aajil/feeds"
)

// DefaultPath is where the config is read from when AAJIL_CONFIG is unset.
const DefaultPath = "configs/aajil.yaml"

// DefaultHTTPAddr is the default address of /healthz, /readyz, /metrics.
const DefaultHTTPAddr = "127.0.0.1:8080"

// DefaultWebSubPoll is the interval of a source whose WebSub pushes are
// healthy: polling stays as the safety net.
const DefaultWebSubPoll = 15 * time.Minute

// DefaultRedisWait is how long Redis may take to answer at start-up, and
// MaxRedisWait the longest wait that may be configured.
const (
	DefaultRedisWait = 60 * time.Second
	MaxRedisWait     = time.Hour
)

//go:embed aajil.yaml
var example []byte

// Example returns the embedded example configuration.
func Example() []byte { return bytes.Clone(example) }

// Config is the whole configuration. A YAML file holding only `sources:`
// is complete; every other field has a default.
type Config struct {
	Sources []feeds.Source `yaml:"sources"`
	// Markers are urgency markers added to the built-in list for every
	// source.
	Markers []string `yaml:"markers,omitempty"`

	TelegramToken string  `yaml:"telegram_token,omitempty"`
	TelegramAPI   string  `yaml:"telegram_api,omitempty"`
	RedisURL      string  `yaml:"redis_url,omitempty"`
	Admins        []int64 `yaml:"admins,omitempty"`
	HTTPAddr      string  `yaml:"http_addr,omitempty"`
	// WebhookURL, when set, makes Telegram push updates to this public
	// https URL (served on HTTPAddr, at its path) instead of long polling.
	WebhookURL string `yaml:"webhook_url,omitempty"`
	// PublicURL is the public base URL at which this instance is reached
	// (behind a reverse proxy, AAJIL_PUBLIC_URL). When set, sources that
	// announce a WebSub hub are subscribed to, and the hubs push to
	// PublicURL + "/websub/ID", served on HTTPAddr.
	PublicURL string `yaml:"public_url,omitempty"`
	// WebSubPoll is the interval at which a source whose pushes are
	// healthy is still polled, as a safety net (AAJIL_WEBSUB_POLL).
	// Default DefaultWebSubPoll.
	WebSubPoll time.Duration `yaml:"websub_poll,omitempty"`
	// AllowPrivateSources lets sources on loopback and private addresses
	// be polled (tests, intranets).
	AllowPrivateSources bool `yaml:"allow_private_sources,omitempty"`

	// RedisWait is how long `aajil run` keeps trying, with backoff, to
	// reach a Redis that does not answer at start-up before it exits 1
	// (AAJIL_REDIS_WAIT, `aajil run --redis-wait`): containers and pods
	// started together need not start in order. Default DefaultRedisWait.
	RedisWait time.Duration `yaml:"redis_wait,omitempty"`

	// Pprof serves Go's profiler (net/http/pprof, /debug/pprof/) on
	// HTTPAddr: AAJIL_PPROF=true only, never from the file, as the
	// profiles show the process's inner workings to whoever reaches the
	// address.
	Pprof bool `yaml:"-"`

	// WebSecret signs the admin console's login links
	// (AAJIL_WEB_SECRET, never from the file); when empty, one is made
	// once and kept in Redis, shared by every instance.
	WebSecret string `yaml:"-"`

	// Delivery tunes the sender; every field has a default.
	Delivery Delivery `yaml:"delivery,omitempty"`

	// LogLevel is debug, info, warn or error; LogFormat is text or json.
	LogLevel  string `yaml:"log_level,omitempty"`
	LogFormat string `yaml:"log_format,omitempty"`

	// Path is where the config was read from ("(embedded example)" for the
	// built-in one). Not part of the file.
	Path string `yaml:"-"`

	// lines maps each index of Sources to its line in the document.
	lines map[int]int
}

// Delivery configures how alerts are sent to Telegram.
type Delivery struct {
	// Rate is the most messages a second sent overall, by all instances
	// together (AAJIL_TELEGRAM_RATE). Default DefaultRate, a little under
	// Telegram's 30/s so that network jitter never makes 30 arrive in one
	// second; raise it for paid broadcasts.
	Rate float64 `yaml:"rate,omitempty"`
	// Timezone is the IANA zone of the times shown in alerts
	// (AAJIL_TIMEZONE). Default Asia/Damascus.
	Timezone string `yaml:"timezone,omitempty"`
	// LinkPreview shows Telegram's link previews under alerts
	// (AAJIL_LINK_PREVIEW). Default false: an alert is read at a glance.
	LinkPreview bool `yaml:"link_preview,omitempty"`
	// DeadAfter is how long a delivery that keeps failing (5xx, timeouts)
	// is retried before it goes to the dead letters (AAJIL_DEAD_AFTER).
	// Default 6h.
	DeadAfter time.Duration `yaml:"dead_after,omitempty"`
	// EditMaxAge is the age beyond which a sent alert is no longer edited
	// to name later sources (AAJIL_EDIT_MAX_AGE). Default 1h.
	EditMaxAge time.Duration `yaml:"edit_max_age,omitempty"`
	// Workers is how many sends may be in flight at once. Default 16.
	Workers int `yaml:"workers,omitempty"`
}

// Delivery defaults.
const (
	DefaultRate       = 28.5
	DefaultTimezone   = "Asia/Damascus"
	DefaultDeadAfter  = 6 * time.Hour
	DefaultEditMaxAge = time.Hour
	DefaultWorkers    = 16
)

// withDefaults returns d with its zero fields set to the defaults.
func (d Delivery) withDefaults() Delivery {
	if d.Rate == 0 {
		d.Rate = DefaultRate
	}
	if d.Timezone == "" {
		d.Timezone = DefaultTimezone
	}
	if d.DeadAfter == 0 {
		d.DeadAfter = DefaultDeadAfter
	}
	if d.EditMaxAge == 0 {
		d.EditMaxAge = DefaultEditMaxAge
	}
	if d.Workers == 0 {
		d.Workers = DefaultWorkers
	}
	return d
}

// Location returns the time zone of Timezone.
func (d Delivery) Location() (*time.Location, error) {
	loc, err := time.LoadLocation(d.Timezone)
	if err != nil {
		return nil, fmt.Errorf("delivery timezone %q: %w", d.Timezone, err)
	}
	return loc, nil
}

func (d Delivery) check() []error {
	var errs []error
	if d.Rate <= 0 || d.Rate > 10000 {
		errs = append(errs, fmt.Errorf("delivery rate %v is not between 0 and 10000 messages a second", d.Rate))
	}
	if _, err := d.Location(); err != nil {
		errs = append(errs, err)
	}
	if d.DeadAfter < time.Minute {
		errs = append(errs, fmt.Errorf("delivery dead_after %v is below 1m", d.DeadAfter))
	}
	if d.EditMaxAge < 0 {
		errs = append(errs, fmt.Errorf("delivery edit_max_age %v is negative", d.EditMaxAge))
	}
	if d.Workers < 1 || d.Workers > 1000 {
		errs = append(errs, fmt.Errorf("delivery workers %d is not between 1 and 1000", d.Workers))
	}
	return errs
}

// Getenv looks up an environment variable, like os.LookupEnv.
type Getenv func(key string) (string, bool)

// Load reads the config named by AAJIL_CONFIG (or DefaultPath), applies
// the environment overrides and validates it. When AAJIL_CONFIG is unset
// and DefaultPath does not exist, the embedded example is used.
func Load(getenv Getenv) (*Config, error) {
	path, set := getenv("AAJIL_CONFIG")
	if !set || path == "" {
		path = DefaultPath
	}
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist) && !set:
		data, path = Example(), "(embedded example)"
	default:
		return nil, fmt.Errorf("read config: %w", err)
	}
	cfg, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	cfg.Path = path
	if err := cfg.applyEnv(getenv); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	if err := cfg.CheckSourceAddresses(cfg.AllowPrivateSources); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// Parse decodes and validates a YAML config document. Unknown keys are an
// error. Every problem is reported, in the order of the document, each
// with its line and, for sources, the index and id of the source and the
// field at fault, e.g.
//
//	line 12: sources[3] "sana-ticker": interval 500ms is below the 1s minimum
//
// An unknown key or a value of the wrong type does not stop the rest of
// the document from being checked: the decoder reports them and goes on,
// and the sources are validated as decoded.
func Parse(data []byte) (*Config, error) {
	cfg, errs := parse(data)
	return done(cfg, errs)
}

// ParseSources is Parse followed by CheckSourceAddresses(allowPrivate),
// with the problems of both in one list, in the order of the document:
// for a sources file sent to the bot, whose every problem is reported at
// once.
func ParseSources(data []byte, allowPrivate bool) (*Config, error) {
	cfg, errs := parse(data)
	if cfg != nil {
		if err := cfg.CheckSourceAddresses(allowPrivate); err != nil {
			errs = append(errs, unjoin(err)...)
		}
	}
	return done(cfg, errs)
}

// done returns cfg, or every problem in errs in the order of the
// document.
func done(cfg *Config, errs []error) (*Config, error) {
	if len(errs) > 0 {
		slices.SortStableFunc(errs, func(a, b error) int { return cmp.Compare(errorLine(a), errorLine(b)) })
		return nil, errors.Join(errs...)
	}
	return cfg, nil
}

// parse decodes and validates data; cfg is nil only when the document
// is not YAML at all.
func parse(data []byte) (*Config, []error) {
	var cfg Config
	var errs []error
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return nil, []error{err}
		}
		for _, m := range te.Errors {
			errs = append(errs, errors.New(m))
		}
	}
	lines := sourceLines(data)
	cfg.lines = lines
	seen := make(map[string]int)
	for i := range cfg.Sources {
		s := &cfg.Sources[i]
		s.Normalize()
		where := fmt.Sprintf("sources[%d] %q", i, s.ID)
		if l, ok := lines[i]; ok {
			where = fmt.Sprintf("line %d: %s", l, where)
		}
		if err := s.Validate(); err != nil {
			for _, e := range unjoin(err) {
				errs = append(errs, fmt.Errorf("%s: %w", where, e))
			}
		}
		if j, dup := seen[s.ID]; dup && s.ID != "" {
			errs = append(errs, fmt.Errorf("%s: id %q is already used by sources[%d]", where, s.ID, j))
		} else {
			seen[s.ID] = i
		}
	}
	if _, err := alerts.NewDetector(append(alerts.DefaultMarkers(), cfg.Markers...)); err != nil {
		errs = append(errs, fmt.Errorf("markers: %w", err))
	}
	if err := cfg.check(); err != nil {
		errs = append(errs, err)
	}
	return &cfg, errs
}

// errorLine is the line an error of Parse starts with ("line 12: …"), or
// the largest int for an error of no line, which goes last.
func errorLine(err error) int {
	rest, ok := strings.CutPrefix(err.Error(), "line ")
	if !ok {
		return math.MaxInt
	}
	n, _, _ := strings.Cut(rest, ":")
	l, perr := strconv.Atoi(n)
	if perr != nil {
		return math.MaxInt
	}
	return l
}

// CheckSourceAddresses refuses, unless allowPrivate, every source whose
// URL host is an address off the public Internet however it is written
// (feeds.CheckURLPolicy: 127.0.0.1, 2130706433, 0x7f.1, [::]…), each
// error naming its line and source as Parse does. Load calls it once the
// environment has had its say on AAJIL_ALLOW_PRIVATE_SOURCES.
func (c *Config) CheckSourceAddresses(allowPrivate bool) error {
	var errs []error
	for i, s := range c.Sources {
		err := feeds.CheckURLPolicy(s.URL, allowPrivate)
		if err == nil || errors.Is(err, feeds.ErrUnsupportedScheme) {
			continue // the scheme is Validate's to report
		}
		where := fmt.Sprintf("sources[%d] %q", i, s.ID)
		if l, ok := c.lines[i]; ok {
			where = fmt.Sprintf("line %d: %s", l, where)
		}
		errs = append(errs, fmt.Errorf("%s: url %q: %w", where, s.URL, err))
	}
	return errors.Join(errs...)
}

func (c *Config) check() error {
	var errs []error
	c.Delivery = c.Delivery.withDefaults()
	errs = append(errs, c.Delivery.check()...)
	if c.RedisWait == 0 {
		c.RedisWait = DefaultRedisWait
	}
	if c.RedisWait < 0 || c.RedisWait > MaxRedisWait {
		errs = append(errs, fmt.Errorf("redis_wait %v is not between 0 and %v", c.RedisWait, MaxRedisWait))
	}
	switch strings.ToLower(c.LogLevel) {
	case "", "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log_level %q is not one of debug, info, warn, error", c.LogLevel))
	}
	switch strings.ToLower(c.LogFormat) {
	case "", "text", "json":
	default:
		errs = append(errs, fmt.Errorf("log_format %q is not one of text, json", c.LogFormat))
	}
	return errors.Join(errs...)
}

// applyEnv lets the AAJIL_* environment variables override the file.
func (c *Config) applyEnv(getenv Getenv) error {
	str := func(key string, dst *string) {
		if v, ok := getenv(key); ok && v != "" {
			*dst = v
		}
	}
	str("AAJIL_TELEGRAM_TOKEN", &c.TelegramToken)
	str("AAJIL_TELEGRAM_API", &c.TelegramAPI)
	str("AAJIL_REDIS_URL", &c.RedisURL)
	str("AAJIL_HTTP_ADDR", &c.HTTPAddr)
	str("AAJIL_WEBHOOK_URL", &c.WebhookURL)
	str("AAJIL_PUBLIC_URL", &c.PublicURL)
	str("AAJIL_LOG_LEVEL", &c.LogLevel)
	str("AAJIL_LOG_FORMAT", &c.LogFormat)
	str("AAJIL_WEB_SECRET", &c.WebSecret)
	var errs []error
	boolean := func(key string, dst *bool) {
		if v, ok := getenv(key); ok && v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q is not true or false", key, v))
			}
			*dst = b
		}
	}
	if v, ok := getenv("AAJIL_ADMINS"); ok && strings.TrimSpace(v) != "" {
		admins, err := parseAdmins(v)
		if err != nil {
			errs = append(errs, err)
		}
		c.Admins = admins
	}
	boolean("AAJIL_ALLOW_PRIVATE_SOURCES", &c.AllowPrivateSources)
	boolean("AAJIL_PPROF", &c.Pprof)
	str("AAJIL_TIMEZONE", &c.Delivery.Timezone)
	if v, ok := getenv("AAJIL_TELEGRAM_RATE"); ok && v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("AAJIL_TELEGRAM_RATE=%q is not a number of messages a second", v))
		}
		c.Delivery.Rate = f
	}
	boolean("AAJIL_LINK_PREVIEW", &c.Delivery.LinkPreview)
	for _, o := range []struct {
		key string
		dst *time.Duration
	}{{"AAJIL_DEAD_AFTER", &c.Delivery.DeadAfter}, {"AAJIL_EDIT_MAX_AGE", &c.Delivery.EditMaxAge}, {"AAJIL_REDIS_WAIT", &c.RedisWait}, {"AAJIL_WEBSUB_POLL", &c.WebSubPoll}} {
		if v, ok := getenv(o.key); ok && v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q is not a duration like 6h or 30m", o.key, v))
			}
			*o.dst = d
		}
	}
	if c.HTTPAddr == "" {
		c.HTTPAddr = DefaultHTTPAddr
	}
	if c.WebhookURL != "" {
		if u, err := url.Parse(c.WebhookURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, fmt.Errorf("AAJIL_WEBHOOK_URL %q is not an http(s) URL", c.WebhookURL))
		}
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, fmt.Errorf("AAJIL_PUBLIC_URL %q is not an http(s) URL", c.PublicURL))
		}
	}
	if c.WebSubPoll == 0 {
		c.WebSubPoll = DefaultWebSubPoll
	}
	if c.WebSubPoll < 0 {
		errs = append(errs, fmt.Errorf("websub_poll %v is negative", c.WebSubPoll))
	}
	if err := c.check(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func parseAdmins(v string) ([]int64, error) {
	var ids []int64
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("AAJIL_ADMINS: %q is not a Telegram user id", f)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// Detector builds the urgency detector for all sources: the built-in
// markers plus the config's own.
func (c *Config) Detector() (*alerts.Detector, error) {
	return alerts.NewDetector(append(alerts.DefaultMarkers(), c.Markers...))
}

// sourceLines maps each index of the top-level sources list to the line
// where that source starts, for error messages.
func sourceLines(data []byte) map[int]int {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "sources" || root.Content[i+1].Kind != yaml.SequenceNode {
			continue
		}
		lines := make(map[int]int)
		for j, n := range root.Content[i+1].Content {
			lines[j] = n.Line
		}
		return lines
	}
	return nil
}

// unjoin splits an errors.Join result into its parts.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
