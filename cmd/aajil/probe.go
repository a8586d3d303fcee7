package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aajil/aajil/alerts"
	"github.com/aajil/aajil/configs"
	"github.com/aajil/aajil/feeds"
)

const probeUsage = `Usage: aajil probe [flags] URL|FILE

Fetches (or reads) one source once and prints its items: title (as a reader
sees it, urgency banner removed), link, picture, id, urgency and its marker,
and the publication time. Nothing is stored. Flags may come before or after
URL.

Examples:
  aajil probe https://feeds.bbci.co.uk/arabic/rss.xml
  aajil probe --kind html --item '.news-ticker li' --marker '.urgent' https://sana.sy/
  aajil probe --kind json --item 'data.items' --text title --marker urgent URL
  aajil probe @channel_name    (a public Telegram channel: also t.me/NAME)
  aajil probe --json testdata/en_bbc_world_2026-08-13T0424Z.rss

Loopback and private addresses are refused unless AAJIL_ALLOW_PRIVATE_SOURCES=true.

Flags:
`

// probeItem is one line of `probe --json`.
type probeItem struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Link       string   `json:"link"`
	Image      string   `json:"image,omitempty"`
	Urgent     bool     `json:"urgent"`
	Marker     string   `json:"marker"`
	Published  string   `json:"published"`
	Lang       string   `json:"lang"`
	Summary    string   `json:"summary,omitempty"`
	Categories []string `json:"categories,omitempty"`
}

func probeCmd(ctx context.Context, e env, args []string) int {
	a, code, ok := parseProbeArgs(e, args)
	if !ok {
		return code
	}
	cfg, err := configs.Load(e.getenv)
	if err != nil {
		fmt.Fprintf(e.stderr, "aajil probe: %v\n", err)
		return 1
	}
	det, err := cfg.Detector()
	if err != nil {
		fmt.Fprintf(e.stderr, "aajil probe: %v\n", err)
		return 1
	}
	if code, ok := a.prepareSource(e, cfg.AllowPrivateSources); !ok {
		return code
	}

	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	var (
		res     feeds.PollResult
		charset = ""
	)
	if a.isFile() {
		res, charset = probeFile(a.target, a.base, a.src, det)
	} else {
		client := feeds.NewClient(feeds.ClientOptions{AllowPrivate: cfg.AllowPrivateSources, UserAgent: userAgent()})
		p := feeds.NewPoller(feeds.NewFetcher(client, userAgent()), det)
		res = p.Poll(ctx, a.src, feeds.Validators{})
	}
	if res.Err != nil {
		fmt.Fprintf(e.stderr, "aajil probe: %s: %v\n", a.target, res.Err)
		return 1
	}
	if a.asJSON {
		return printProbeJSON(e.stdout, e.stderr, res.Items)
	}
	printProbeTable(e.stdout, a.target, a.src, res, charset)
	return 0
}

// probeArgs are probe's flags and its one URL or FILE.
type probeArgs struct {
	src          feeds.Source
	target, base string
	asJSON       bool
	timeout      time.Duration
}

// isFile tells a FILE from a URL.
func (a *probeArgs) isFile() bool { return !strings.Contains(a.target, "://") }

// parseProbeArgs reads probe's flags; when they are wrong it says so on
// stderr and returns false with the exit code.
func parseProbeArgs(e env, args []string) (probeArgs, int, bool) {
	var a probeArgs
	src := &a.src
	var kind, markers string
	fs := e.flags("probe", probeUsage)
	fs.StringVar(&kind, "kind", "", "source kind: rss (default), html, json or telegram (inferred for @NAME and t.me links)")
	fs.StringVar(&src.Item, "item", "", "html: CSS selector of one item; json: path of the items array")
	fs.StringVar(&src.Item, "items", "", "alias of --item")
	fs.StringVar(&src.Text, "text", "", "html: selector of the headline in an item; json: path in an item")
	fs.StringVar(&src.Link, "link", "", "html: selector of the element whose href is the link; json: path")
	fs.StringVar(&src.Marker, "marker", "", "html: selector marking an item urgent; json: path of a boolean or label")
	fs.StringVar(&src.Image, "image", "", "html: selector of the element holding an item's picture (src, data-src, srcset); json: path")
	fs.BoolVar(&src.AllUrgent, "all-urgent", false, "treat every item as urgent")
	fs.StringVar(&src.Lang, "lang", "", "language of the items (default: detected per headline)")
	fs.StringVar(&src.Charset, "charset", "", "force a charset, e.g. windows-1256")
	fs.Int64Var(&src.MaxBytes, "max-bytes", 0, "response size cap in bytes (default 5 MiB)")
	fs.StringVar(&markers, "markers", "", "extra urgency markers, comma-separated")
	fs.StringVar(&a.base, "base", "", "base URL for relative links when reading a FILE")
	fs.DurationVar(&a.timeout, "timeout", 30*time.Second, "give up after this long")
	fs.BoolVar(&a.asJSON, "json", false, "print one JSON object per item")

	positional, err := parseInterspersed(fs, args)
	if err != nil {
		return a, exitUsage(err), false
	}
	if len(positional) != 1 {
		fmt.Fprintln(e.stderr, "aajil probe: give exactly one URL or FILE (see aajil probe -h)")
		return a, 2, false
	}
	a.target = positional[0]
	src.Kind = feeds.Kind(strings.ToLower(kind))
	if feeds.IsTelegramRef(a.target) && (src.Kind == "" || src.Kind == feeds.KindTelegram) {
		// @NAME and t.me/NAME are URLs, not files: the channel's preview.
		u, err := feeds.TelegramChannelURL(a.target)
		if err != nil {
			fmt.Fprintf(e.stderr, "aajil probe: %s: %v\n", a.target, err)
			return a, 2, false
		}
		a.target, src.Kind = u, feeds.KindTelegram
	}
	if markers != "" {
		src.Markers = strings.Split(markers, ",")
	}
	if src.Kind == "" && (src.Item != "" || src.Text != "" || src.Link != "" || src.Marker != "" || src.Image != "") {
		fmt.Fprintln(e.stderr, "aajil probe: selector flags need --kind html or --kind json")
		return a, 2, false
	}
	return a, 0, true
}

// prepareSource completes and validates the source to probe; when it is
// refused it says so on stderr and returns false with the exit code.
func (a *probeArgs) prepareSource(e env, allowPrivate bool) (int, bool) {
	src := &a.src
	if !a.isFile() {
		// Refused before any DNS or connection: a scheme other than http
		// and https, or a private address however it is written
		// (2130706433, 0x7f.1, [::]), with the same words as 127.0.0.1.
		if err := feeds.CheckURLPolicy(a.target, allowPrivate); err != nil {
			fmt.Fprintf(e.stderr, "aajil probe: %s: %v\n", a.target, err)
			return 1, false
		}
	}
	src.URL = a.target
	if a.isFile() {
		// A file has no URL of its own; the source is validated as if it
		// came from the --base URL (or a placeholder).
		src.URL = a.base
		if src.URL == "" {
			src.URL = "http://file.invalid/"
		}
	}
	src.Normalize()
	if a.isFile() {
		src.ID = "file"
	}
	if err := src.Validate(); err != nil {
		fmt.Fprintf(e.stderr, "aajil probe: %v\n", strings.ReplaceAll(err.Error(), "\n", "; "))
		return 2, false
	}
	return 0, true
}

// probeFile reads a local document as the source would have served it.
func probeFile(path, base string, src feeds.Source, det *alerts.Detector) (feeds.PollResult, string) {
	res := feeds.PollResult{Source: src, Started: time.Now()}
	raw, err := readCapped(path, src.EffectiveMaxBytes())
	if err != nil {
		res.Err = err
		return res, ""
	}
	body, charset, err := feeds.DecodeBody(raw, "", src.Charset)
	if err != nil {
		res.Err = err
		return res, ""
	}
	d, err := det.With(src.Markers)
	if err != nil {
		res.Err = err
		return res, ""
	}
	if base == "" {
		base = (&url.URL{Scheme: "file", Path: path}).String()
	}
	res.Items, res.Err = feeds.Parse(src, body, base, d)
	res.Duration = time.Since(res.Started)
	return res, charset
}

func readCapped(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("read %s: file is larger than the %d-byte cap (use --max-bytes)", path, max)
	}
	return data, nil
}

func printProbeJSON(stdout, stderr io.Writer, items []feeds.Item) int {
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	for _, it := range items {
		pi := probeItem{
			ID: it.ID, Title: it.Title, Link: it.Link, Image: it.Image, Urgent: it.Urgent, Marker: it.Marker,
			Lang: it.Lang, Summary: it.Summary, Categories: it.Categories,
		}
		if !it.Published.IsZero() {
			pi.Published = it.Published.UTC().Format(time.RFC3339)
		}
		if err := enc.Encode(pi); err != nil {
			fmt.Fprintf(stderr, "aajil probe: %v\n", err)
			return 1
		}
	}
	return 0
}

// parseInterspersed parses flags that may come before or after the
// positional arguments ("probe URL --json" as well as "probe --json URL").
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}
