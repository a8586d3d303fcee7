package main

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aajil/aajil/alerts"
	"github.com/aajil/aajil/feeds"
)

// Split names which models a figure is made of: tune holds the feeds
// whose timings were looked at while choosing the policy's constants,
// report the frozen rest, only reported on.
type Split string

// The two splits.
const (
	Tune   Split = "tune"
	Report Split = "report"
)

// maxGap is the longest gap between two publications that counts as the
// feed's rhythm. Longer ones are an old item the feed keeps on top (The
// Guardian's, the New York Times') or two scrapes days apart merged into
// one file (Asharq Al-Awsat, SANA); they are dropped.
const maxGap = 24 * time.Hour

// Gap is the time from one publication of a feed to the next, and
// whether that next item was urgent.
type Gap struct {
	D      time.Duration
	Urgent bool
}

// Model is one real feed's publication rhythm: the gaps between its
// items' publication times, in publication order.
type Model struct {
	Name  string
	Split Split
	Files []string // under the testdata directory
	Gaps  []Gap
	// Items is the number of dated items the gaps were taken from,
	// Dropped the gaps longer than maxGap left out.
	Items, Dropped int
}

// Mean is the mean gap, the feed's mean time between publications.
func (m Model) Mean() time.Duration {
	if len(m.Gaps) == 0 {
		return 0
	}
	var sum time.Duration
	for _, g := range m.Gaps {
		sum += g.D
	}
	return sum / time.Duration(len(m.Gaps))
}

// feedSpec says where a model's timings are: the files (several
// snapshots of one feed are merged by item id), how to read them, and
// which items belong to it.
type feedSpec struct {
	name  string
	split Split
	files []string
	// gonews: a headline listing rendered by ngnhng/gonews, whose dates
	// are in <small>on … Asia/Saigon</small> (not read by feeds.Parse).
	gonews bool
	// host keeps only the items whose link is on this host.
	host string
}

// specs are the feeds of the repository's fixtures that carry
// publication times. Each split has a fast agency or ticker feed, a
// bursty one, one of a few items a day and one in between, in Arabic and
// other languages. Left out: sana.fi (five items days apart in
// ar_fi_sana_…, no gap under maxGap), the synthetic ticker JSON and
// Telegram preview (invented times), and the pages without dates.
var specs = []feedSpec{
	{name: "aljazeera.net (ar)", split: Tune, files: []string{"ar_aljazeera_net_scraped_2026-02-15_with_3ajil.rss"}},
	{name: "sana.sy (ar)", split: Tune, files: []string{"ar_fi_sana_name_collision_scraped_2026-03-24.rss"}, host: "sana.sy"},
	{name: "jn.pt últimas (pt)", split: Tune, files: []string{"pt_jn_ultimas_iso8859-1_feedburner.rss"}},
	{name: "nytimes home (en)", split: Tune, files: []string{"en_nyt_homepage_2026-08-13T0927Z.rss"}},
	{name: "bbc world (en)", split: Tune, files: []string{"en_bbc_world_2026-08-13T0424Z.rss", "en_bbc_world_2026-08-13T0927Z.rss"}},
	{name: "aljazeera.com listing, 7 Oct 2023 (en)", split: Tune, gonews: true, files: []string{"en_aljazeera_listing_gonews_2023-10-07T0104Z.html", "en_aljazeera_listing_gonews_2023-10-07T1226Z.html"}},

	{name: "aawsat.com (ar)", split: Report, files: []string{"ar_asharq_alawsat_scraped_2026-03-24_04-02.rss"}},
	{name: "amarbanglabd (bn)", split: Report, files: []string{"bn_amarbanglabd_atom_rfc822dates_U+FFFD_2026-08-13T0927Z.atom"}},
	{name: "uol notícias (pt)", split: Report, files: []string{"pt_uol_noticias_noprolog_latin1.rss"}},
	{name: "guardian us (en)", split: Report, files: []string{"en_guardian_us_2018.rss"}},
	{name: "aljazeera.com all (en)", split: Report, files: []string{"en_aljazeera_english_all_2026-08-13T0424Z.rss", "en_aljazeera_english_all_2026-08-13T0500Z.rss"}},
	{name: "reutersagency best (en)", split: Report, gonews: true, files: []string{"en_reuters_agency_listing_gonews_2023-12-02.html"}},
}

// dated is one item of a feed: its id and publication time, and whether
// it is urgent.
type dated struct {
	id     string
	at     time.Time
	urgent bool
}

// LoadModels reads the models of the fixtures under dir (the repository's
// testdata directory).
func LoadModels(dir string) ([]Model, error) {
	det, err := alerts.NewDetector(alerts.DefaultMarkers())
	if err != nil {
		return nil, fmt.Errorf("detector: %w", err)
	}
	poller := feeds.NewPoller(nil, det)
	models := make([]Model, 0, len(specs))
	for _, sp := range specs {
		byID := map[string]dated{}
		for _, f := range sp.files {
			raw, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				return nil, fmt.Errorf("model %s: %w", sp.name, err)
			}
			var items []dated
			if sp.gonews {
				items, err = readGonews(raw)
			} else {
				items, err = readFeed(poller, raw, sp.host)
			}
			if err != nil {
				return nil, fmt.Errorf("model %s: %s: %w", sp.name, f, err)
			}
			for _, it := range items {
				byID[it.id] = it
			}
		}
		m := Model{Name: sp.name, Split: sp.split, Files: sp.files}
		m.Gaps, m.Items, m.Dropped = gapsOf(byID)
		if len(m.Gaps) == 0 {
			return nil, fmt.Errorf("model %s: no gap between publications under %v", sp.name, maxGap)
		}
		models = append(models, m)
	}
	return models, nil
}

// gapsOf sorts the items by publication time and returns the gaps between
// them (those longer than maxGap dropped), the items and the dropped gaps.
func gapsOf(byID map[string]dated) (gaps []Gap, items, dropped int) {
	all := make([]dated, 0, len(byID))
	for _, it := range byID {
		all = append(all, it)
	}
	slices.SortFunc(all, func(a, b dated) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	for i := 1; i < len(all); i++ {
		d := all[i].at.Sub(all[i-1].at)
		if d > maxGap {
			dropped++
			continue
		}
		gaps = append(gaps, Gap{D: d, Urgent: all[i].urgent})
	}
	return gaps, len(all), dropped
}

// readFeed parses an RSS or Atom document the way a poll would (charset,
// parser, urgency) and returns its dated items, those on host only when
// host is set.
func readFeed(p *feeds.Poller, raw []byte, host string) ([]dated, error) {
	src := feeds.Source{ID: "model", URL: "http://feed.invalid/"}
	r := p.Document(src, raw, "", src.URL)
	if r.Err != nil {
		return nil, r.Err
	}
	var out []dated
	for _, it := range r.Items {
		if it.Published.IsZero() {
			continue
		}
		if host != "" {
			u, err := url.Parse(it.Link)
			if err != nil || u.Hostname() != host {
				continue
			}
		}
		out = append(out, dated{id: it.ID, at: it.Published, urgent: it.Urgent})
	}
	return out, nil
}

// gonewsArticle matches one article of a gonews listing: its link and the
// time shown under it.
var gonewsArticle = regexp.MustCompile(`(?s)<article>\s*<h2>\s*<a href="([^"]+)".*?<small>\s*on ([^<]+?) Asia/Saigon\s*</small>`)

// readGonews returns the dated articles of a gonews listing. Its times
// are local to Asia/Saigon (UTC+7 all year), which only shifts them all.
func readGonews(raw []byte) ([]dated, error) {
	saigon := time.FixedZone("Asia/Saigon", 7*3600)
	var out []dated
	for _, m := range gonewsArticle.FindAllSubmatch(raw, -1) {
		at, err := time.ParseInLocation("Mon, 02 Jan 2006 15:04", string(m[2]), saigon)
		if err != nil {
			return nil, fmt.Errorf("date %q: %w", m[2], err)
		}
		out = append(out, dated{id: string(m[1]), at: at.UTC()})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no dated article")
	}
	return out, nil
}
