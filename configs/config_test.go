package configs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aajil/aajil/feeds"
)

// envOf returns a Getenv backed by a map.
func envOf(m map[string]string) Getenv {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestExampleIsValid(t *testing.T) {
	cfg, err := Parse(Example())
	if err != nil {
		t.Fatalf("Parse(example): %v", err)
	}
	want := []string{"sana", "sana-ticker", "aljazeera-ar", "bbc-arabic", "bbc-arabic-home", "skynews-arabia", "rt-arabic", "alarabiya", "asharq-alawsat", "bbc-world", "aljazeera-en"}
	var got []string
	kinds := map[feeds.Kind]int{}
	for _, s := range cfg.Sources {
		got = append(got, s.ID)
		kinds[s.EffectiveKind()]++
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("source ids = %v, want %v", got, want)
	}
	if kinds[feeds.KindHTML] < 2 {
		t.Errorf("example has %d html sources, want at least 2", kinds[feeds.KindHTML])
	}
	// The embedded example and the file in the repository are one.
	file, err := os.ReadFile("aajil.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if string(file) != string(Example()) {
		t.Error("Example() differs from configs/aajil.yaml")
	}
}

func TestParseOnlySources(t *testing.T) {
	cfg, err := Parse([]byte("sources:\n  - url: https://feeds.bbci.co.uk/news/world/rss.xml\n    name: BBC World\n"))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(cfg.Sources) != 1 {
		t.Fatalf("got %d sources, want 1", len(cfg.Sources))
	}
	s := cfg.Sources[0]
	if s.ID != "bbc-world" || s.EffectiveKind() != feeds.KindRSS || s.EffectiveInterval() != 60*time.Second {
		t.Errorf("source = %+v, want id bbc-world, kind rss, interval 60s", s)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // every fragment must appear in the error
	}{
		{
			name: "interval below minimum names source, field and line",
			yaml: "sources:\n  - id: a\n    url: https://a.example/\n  - id: b\n    url: https://b.example/\n  - id: c\n    url: https://c.example/\n  - id: sana-ticker\n    url: https://sana.sy/\n    kind: html\n    item: li\n    interval: 500ms\n",
			want: []string{`line 8: sources[3] "sana-ticker": interval 500ms is below the 1s minimum`},
		},
		{
			name: "unknown key in a source",
			yaml: "sources:\n  - id: a\n    url: https://a.example/\n    intreval: 30s\n",
			want: []string{"line 4", "intreval", "not found"},
		},
		{
			name: "unknown top-level key",
			yaml: "sourcez: []\n",
			want: []string{"sourcez", "not found"},
		},
		{
			name: "bad duration",
			yaml: "sources:\n  - id: a\n    url: https://a.example/\n    interval: soon\n",
			want: []string{"line 4", "time.Duration"},
		},
		{
			name: "every problem listed",
			yaml: "sources:\n  - id: Bad_ID\n    url: ftp://x\n    kind: xml\n  - id: ok\n    url: https://ok.example/\n    kind: html\n",
			want: []string{
				`sources[0] "Bad_ID": id "Bad_ID" must be lowercase`,
				`sources[0] "Bad_ID": url "ftp://x": unsupported URL scheme "ftp": only http and https`,
				`sources[0] "Bad_ID": kind "xml" is not one of rss, html, json`,
				`sources[1] "ok": kind html needs an item selector`,
			},
		},
		{
			name: "an unknown key hides no other problem",
			yaml: "sources:\n  - id: a\n    url: https://a.example/\n    intreval: 30s\n  - id: b\n    url: ftp://b.example/\n  - id: c\n    url: https://c.example/\n    kind: html\nsourcez: []\n",
			want: []string{
				"line 4: field intreval not found",
				`line 5: sources[1] "b": url "ftp://b.example/": unsupported URL scheme "ftp": only http and https`,
				`line 7: sources[2] "c": kind html needs an item selector`,
				"line 10: field sourcez not found",
			},
		},
		{
			name: "duplicate ids",
			yaml: "sources:\n  - url: https://sana.sy/feed/\n  - id: sana-sy\n    url: https://sana.sy/\n",
			want: []string{`sources[1] "sana-sy": id "sana-sy" is already used by sources[0]`},
		},
		{
			name: "selector on rss",
			yaml: "sources:\n  - id: a\n    url: https://a.example/\n    item: li\n",
			want: []string{"item is only for kind html or json"},
		},
		{
			name: "bad css selector",
			yaml: "sources:\n  - id: a\n    url: https://a.example/\n    kind: html\n    item: 'li[['\n",
			want: []string{`sources[0] "a"`, "item"},
		},
		{
			name: "unknown charset",
			yaml: "sources:\n  - id: a\n    url: https://a.example/\n    charset: klingon-8\n",
			want: []string{`charset "klingon-8" is unknown`},
		},
		{
			name: "bad log level",
			yaml: "sources: []\nlog_level: loud\n",
			want: []string{`log_level "loud"`},
		},
		{
			name: "bad delivery settings, each named",
			yaml: "sources: []\ndelivery:\n  rate: -3\n  timezone: Mars/Olympus\n  dead_after: 10s\n  workers: 5000\n",
			want: []string{"delivery rate -3", `timezone "Mars/Olympus"`, "dead_after 10s is below 1m", "workers 5000"},
		},
		{
			name: "unknown delivery key",
			yaml: "sources: []\ndelivery:\n  speed: 3\n",
			want: []string{"line 3", "speed", "not found"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml))
			if err == nil {
				t.Fatalf("Parse succeeded, want an error containing %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error = %q\nwant it to contain %q", err, w)
				}
			}
		})
	}
}

func TestLoadEnvironmentOverrides(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "aajil.yaml")
	doc := "sources:\n  - id: a\n    url: https://a.example/\nredis_url: redis://file:6379/0\nhttp_addr: 127.0.0.1:9000\nadmins: [1]\n"
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(envOf(map[string]string{
		"AAJIL_CONFIG":                path,
		"AAJIL_REDIS_URL":             "redis://env:6379/1",
		"AAJIL_ADMINS":                "42, 7",
		"AAJIL_ALLOW_PRIVATE_SOURCES": "true",
		"AAJIL_TELEGRAM_TOKEN":        "123:abc",
	}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if cfg.RedisURL != "redis://env:6379/1" {
		t.Errorf("RedisURL = %q, want the environment's", cfg.RedisURL)
	}
	if cfg.HTTPAddr != "127.0.0.1:9000" {
		t.Errorf("HTTPAddr = %q, want the file's", cfg.HTTPAddr)
	}
	if len(cfg.Admins) != 2 || cfg.Admins[0] != 42 || cfg.Admins[1] != 7 {
		t.Errorf("Admins = %v, want [42 7]", cfg.Admins)
	}
	if !cfg.AllowPrivateSources || cfg.TelegramToken != "123:abc" {
		t.Errorf("AllowPrivateSources = %v, TelegramToken set = %v; want both from the environment", cfg.AllowPrivateSources, cfg.TelegramToken != "")
	}
	if cfg.Path != path {
		t.Errorf("Path = %q, want %q", cfg.Path, path)
	}
}

func TestDeliverySettings(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		env  map[string]string
		want Delivery
	}{
		{
			name: "defaults",
			yaml: "sources: []\n",
			want: Delivery{Rate: DefaultRate, Timezone: "Asia/Damascus", DeadAfter: 6 * time.Hour, EditMaxAge: time.Hour, Workers: 16},
		},
		{
			name: "from the file",
			yaml: "sources: []\ndelivery:\n  rate: 1000\n  timezone: Africa/Cairo\n  link_preview: true\n  dead_after: 2h\n  edit_max_age: 30m\n  workers: 64\n",
			want: Delivery{Rate: 1000, Timezone: "Africa/Cairo", LinkPreview: true, DeadAfter: 2 * time.Hour, EditMaxAge: 30 * time.Minute, Workers: 64},
		},
		{
			name: "the environment wins",
			yaml: "sources: []\ndelivery:\n  rate: 1000\n  timezone: Africa/Cairo\n",
			env: map[string]string{"AAJIL_TELEGRAM_RATE": "12.5", "AAJIL_TIMEZONE": "UTC", "AAJIL_LINK_PREVIEW": "true",
				"AAJIL_DEAD_AFTER": "90m", "AAJIL_EDIT_MAX_AGE": "10m"},
			want: Delivery{Rate: 12.5, Timezone: "UTC", LinkPreview: true, DeadAfter: 90 * time.Minute, EditMaxAge: 10 * time.Minute, Workers: 16},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "aajil.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			env := map[string]string{"AAJIL_CONFIG": path}
			for k, v := range tt.env {
				env[k] = v
			}
			cfg, err := Load(envOf(env))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if cfg.Delivery != tt.want {
				t.Errorf("Delivery = %+v, want %+v", cfg.Delivery, tt.want)
			}
		})
	}
	t.Run("bad environment values", func(t *testing.T) {
		t.Chdir(t.TempDir())
		_, err := Load(envOf(map[string]string{"AAJIL_TELEGRAM_RATE": "fast", "AAJIL_DEAD_AFTER": "forever", "AAJIL_LINK_PREVIEW": "maybe"}))
		for _, w := range []string{"AAJIL_TELEGRAM_RATE", "AAJIL_DEAD_AFTER", "AAJIL_LINK_PREVIEW"} {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("err = %v, want it to name %s", err, w)
			}
		}
	})
}

func TestLoadDefaults(t *testing.T) {
	t.Run("embedded example when the default file is absent", func(t *testing.T) {
		t.Chdir(t.TempDir())
		cfg, err := Load(envOf(nil))
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if cfg.Path != "(embedded example)" || len(cfg.Sources) == 0 || cfg.HTTPAddr != DefaultHTTPAddr {
			t.Errorf("got path %q, %d sources, http %q; want the embedded example with defaults", cfg.Path, len(cfg.Sources), cfg.HTTPAddr)
		}
	})
	t.Run("a named file that is missing is an error", func(t *testing.T) {
		_, err := Load(envOf(map[string]string{"AAJIL_CONFIG": filepath.Join(t.TempDir(), "nope.yaml")}))
		if err == nil || !strings.Contains(err.Error(), "nope.yaml") {
			t.Errorf("err = %v, want an error naming the missing file", err)
		}
	})
	t.Run("bad environment values", func(t *testing.T) {
		t.Chdir(t.TempDir())
		_, err := Load(envOf(map[string]string{"AAJIL_ADMINS": "12,bob", "AAJIL_ALLOW_PRIVATE_SOURCES": "perhaps"}))
		if err == nil || !strings.Contains(err.Error(), `"bob" is not a Telegram user id`) || !strings.Contains(err.Error(), "AAJIL_ALLOW_PRIVATE_SOURCES") {
			t.Errorf("err = %v, want both bad values named", err)
		}
	})
}

// TestLoadRefusesPrivateAddresses: a source whose host is a private
// address, in any way of writing one, is refused with the policy's
// message and its line, unless private sources are allowed.
func TestLoadRefusesPrivateAddresses(t *testing.T) {
	hosts := []string{"127.0.0.1", "2130706433", "0x7f.1", "127.1", "017700000001", "[::]", "[::ffff:10.0.0.1]", "[64:ff9b::7f00:1]"}
	var doc strings.Builder
	doc.WriteString("sources:\n  - id: public\n    url: https://public.example/\n")
	for i, h := range hosts {
		fmt.Fprintf(&doc, "  - id: s%d\n    url: http://%s/feed\n", i, h)
	}
	path := filepath.Join(t.TempDir(), "aajil.yaml")
	if err := os.WriteFile(path, []byte(doc.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(envOf(map[string]string{"AAJIL_CONFIG": path}))
	if err == nil {
		t.Fatal("Load succeeded, want every private source refused")
	}
	for i, h := range hosts {
		want := fmt.Sprintf(`line %d: sources[%d] "s%d": url "http://%s/feed": private address refused`, 4+2*i, i+1, i, h)
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error = %q\nwant it to contain %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "public") {
		t.Errorf("error = %q, names the public source", err)
	}
	if _, err := Load(envOf(map[string]string{"AAJIL_CONFIG": path, "AAJIL_ALLOW_PRIVATE_SOURCES": "true"})); err != nil {
		t.Errorf("Load with AAJIL_ALLOW_PRIVATE_SOURCES=true: %v", err)
	}
}

func TestRedisWait(t *testing.T) {
	tests := map[string]struct {
		yaml, env string
		want      time.Duration
		wantErr   string
	}{
		"default":           {"sources: []\n", "", DefaultRedisWait, ""},
		"from the file":     {"sources: []\nredis_wait: 2m\n", "", 2 * time.Minute, ""},
		"the variable wins": {"sources: []\nredis_wait: 2m\n", "90s", 90 * time.Second, ""},
		"not a duration":    {"sources: []\n", "soon", 0, "AAJIL_REDIS_WAIT"},
		"negative":          {"sources: []\n", "-1s", 0, "redis_wait -1s"},
		"over an hour":      {"sources: []\nredis_wait: 2h\n", "", 0, "redis_wait 2h0m0s"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "aajil.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			env := map[string]string{"AAJIL_CONFIG": path}
			if tt.env != "" {
				env["AAJIL_REDIS_WAIT"] = tt.env
			}
			cfg, err := Load(envOf(env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("Load: %v, want an error naming %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if cfg.RedisWait != tt.want {
				t.Errorf("RedisWait = %v, want %v", cfg.RedisWait, tt.want)
			}
		})
	}
}

func TestPprofOnlyFromTheEnvironment(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    bool
		wantErr string
	}{
		{name: "off by default", want: false},
		{name: "on", env: map[string]string{"AAJIL_PPROF": "true"}, want: true},
		{name: "off", env: map[string]string{"AAJIL_PPROF": "false"}, want: false},
		{name: "not a boolean", env: map[string]string{"AAJIL_PPROF": "yes please"}, wantErr: "AAJIL_PPROF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "aajil.yaml")
			if err := os.WriteFile(path, []byte("sources: []\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			env := map[string]string{"AAJIL_CONFIG": path}
			for k, v := range tt.env {
				env[k] = v
			}
			cfg, err := Load(envOf(env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Load: err = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if cfg.Pprof != tt.want {
				t.Errorf("Pprof = %v, want %v", cfg.Pprof, tt.want)
			}
		})
	}
	t.Run("the file cannot turn it on", func(t *testing.T) {
		if _, err := Parse([]byte("sources: []\npprof: true\n")); err == nil {
			t.Errorf("Parse accepted a pprof key; want it refused as unknown")
		}
	})
}

func TestWebSecretOnlyFromTheEnvironment(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aajil.yaml")
	if err := os.WriteFile(path, []byte("sources: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ env, want string }{{"", ""}, {"s3cret", "s3cret"}} {
		cfg, err := Load(envOf(map[string]string{"AAJIL_CONFIG": path, "AAJIL_WEB_SECRET": tt.env}))
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if cfg.WebSecret != tt.want {
			t.Errorf("AAJIL_WEB_SECRET=%q: WebSecret = %q, want %q", tt.env, cfg.WebSecret, tt.want)
		}
	}
	if _, err := Parse([]byte("sources: []\nweb_secret: x\n")); err == nil {
		t.Errorf("Parse accepted a web_secret key; want it refused as unknown")
	}
}
