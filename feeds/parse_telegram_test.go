package feeds

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aajil/aajil/internal/wait"
)

// The Telegram preview fixtures are in feeds/testdata (see
// testdata/SOURCES.md).
const (
	tgFixture          = "telegram_preview_synthetic.html"
	tgNoPreviewFixture = "telegram_no_preview_synthetic.html"
	tgChannel          = "example_news"
)

// tgPage reads a Telegram preview fixture of feeds/testdata.
func tgPage(tb testing.TB, name string) []byte {
	tb.Helper()
	return fixture(tb, filepath.Join("..", "feeds", "testdata", name))
}

func TestTelegramChannelURL(t *testing.T) {
	tests := map[string]struct {
		ref, want string
		wantErr   error // nil: any error when want is ""
	}{
		"preview URL":        {ref: "https://t.me/s/example_news", want: "https://t.me/s/example_news"},
		"channel URL":        {ref: "https://t.me/example_news", want: "https://t.me/s/example_news"},
		"no scheme":          {ref: "t.me/example_news", want: "https://t.me/s/example_news"},
		"no scheme, preview": {ref: "t.me/s/example_news", want: "https://t.me/s/example_news"},
		"at name":            {ref: "@example_news", want: "https://t.me/s/example_news"},
		"spaces":             {ref: "  @AJA_Breaking  ", want: "https://t.me/s/AJA_Breaking"},
		"http and slash":     {ref: "http://t.me/example_news/", want: "https://t.me/s/example_news"},
		"telegram.me":        {ref: "https://telegram.me/example_news", want: "https://t.me/s/example_news"},
		"www, query":         {ref: "https://www.t.me/example_news?embed=1#x", want: "https://t.me/s/example_news"},
		"other host kept":    {ref: "http://127.0.0.1:8080/s/example_news", want: "http://127.0.0.1:8080/s/example_news"},
		"other host, /NAME":  {ref: "http://127.0.0.1:8080/example_news", want: "http://127.0.0.1:8080/s/example_news"},
		"four letters":       {ref: "@abcd", wantErr: ErrChannelName},
		"33 letters":         {ref: "@" + strings.Repeat("a", 33), wantErr: ErrChannelName},
		"leading digit":      {ref: "t.me/1abcde", wantErr: ErrChannelName},
		"leading underscore": {ref: "@_abcde", wantErr: ErrChannelName},
		"dash":               {ref: "https://t.me/abc-def", wantErr: ErrChannelName},
		"arabic":             {ref: "@عاجل_الأخبار", wantErr: ErrChannelName},
		"a post link":        {ref: "https://t.me/example_news/123"},
		"no name":            {ref: "https://t.me/"},
		"empty":              {ref: ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := TelegramChannelURL(tt.ref)
			if tt.want != "" {
				if err != nil || got != tt.want {
					t.Errorf("TelegramChannelURL(%q) = %q, %v; want %q", tt.ref, got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("TelegramChannelURL(%q) = %q, want an error", tt.ref, got)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("TelegramChannelURL(%q) error = %v, want %v", tt.ref, err, tt.wantErr)
			}
		})
	}
}

func TestNormalizeTelegramSource(t *testing.T) {
	tests := map[string]struct {
		in                 Source
		wantURL, wantID    string
		wantKind           Kind
		wantInterval       time.Duration
		wantErrIn, wantErr string // the field of the error, a substring of it
	}{
		"at name, no kind": {
			in:      Source{URL: "@example_news"},
			wantURL: "https://t.me/s/example_news", wantID: "tg-example-news", wantKind: KindTelegram,
			wantInterval: 15 * time.Second,
		},
		"t.me link, no kind, named": {
			in:      Source{URL: "t.me/AJA_Breaking", Name: "Al Jazeera Breaking"},
			wantURL: "https://t.me/s/AJA_Breaking", wantID: "al-jazeera-breaking", wantKind: KindTelegram,
			wantInterval: 15 * time.Second,
		},
		"kind given, interval given": {
			in:      Source{URL: "https://t.me/example_news", Kind: "Telegram", Interval: 30 * time.Second},
			wantURL: "https://t.me/s/example_news", wantID: "tg-example-news", wantKind: KindTelegram,
			wantInterval: 30 * time.Second,
		},
		"test server": {
			in:      Source{ID: "tg", URL: "http://127.0.0.1:9/s/example_news", Kind: KindTelegram},
			wantURL: "http://127.0.0.1:9/s/example_news", wantID: "tg", wantKind: KindTelegram,
			wantInterval: 15 * time.Second,
		},
		"explicit html kind wins": {
			in:      Source{ID: "page", URL: "https://t.me/example_news", Kind: KindHTML, Item: ".x"},
			wantURL: "https://t.me/example_news", wantID: "page", wantKind: KindHTML,
			wantInterval: 60 * time.Second,
		},
		"bad channel name": {
			in:       Source{ID: "tg", URL: "@abc"},
			wantKind: KindTelegram, wantErrIn: "url", wantErr: "5 to 32 letters",
		},
		"not a channel": {
			in:       Source{ID: "tg", URL: "https://example.com/news/today", Kind: KindTelegram},
			wantKind: KindTelegram, wantErrIn: "url", wantErr: "not a channel link",
		},
		"selectors refused": {
			in:       Source{URL: "@example_news", Item: ".tgme_widget_message"},
			wantKind: KindTelegram, wantErrIn: "item", wantErr: "not telegram",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			s := tt.in
			s.Normalize()
			if s.Kind != tt.wantKind {
				t.Errorf("kind = %q, want %q", s.Kind, tt.wantKind)
			}
			err := s.Validate()
			if tt.wantErr != "" {
				var fe *FieldError
				if !errors.As(err, &fe) || fe.Field != tt.wantErrIn || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("Validate() = %v, want a %s error containing %q", err, tt.wantErrIn, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Validate() = %v", err)
			}
			if s.URL != tt.wantURL || s.ID != tt.wantID {
				t.Errorf("url, id = %q, %q; want %q, %q", s.URL, s.ID, tt.wantURL, tt.wantID)
			}
			if got := s.EffectiveInterval(); got != tt.wantInterval {
				t.Errorf("interval = %v, want %v", got, tt.wantInterval)
			}
		})
	}
}

func TestParseTelegramPreview(t *testing.T) {
	src := Source{ID: "tg", URL: "https://t.me/s/" + tgChannel, Kind: KindTelegram}
	items, err := Parse(src, tgPage(t, tgFixture), src.URL, detector(t))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	post := func(n string) string { return "https://t.me/" + tgChannel + "/" + n }
	wantIDs := []string{post("1001"), post("1003"), post("1004"), post("1006"), post("1007"), post("1008"), post("1009")}
	var gotIDs []string
	for _, it := range items {
		gotIDs = append(gotIDs, it.ID)
	}
	if strings.Join(gotIDs, " ") != strings.Join(wantIDs, " ") {
		// 1002 is a service message, 1005 a photo without a caption.
		t.Fatalf("ids:\n got %v\nwant %v", gotIDs, wantIDs)
	}
	checkItems(t, items, []wantItem{
		{index: 0, title: "📰 غارات إسرائيلية على عدة مناطق في جنوب لبنان", link: post("1001"),
			published: "2026-02-15T05:10:00Z", lang: "ar", summary: "في الساعات الأولى من صباح اليوم الأحد"},
		// Forwarded: the post's own text, not the name of the origin.
		{index: 1, title: "ترامب ومودي يناقشان أهمية إبقاء مضيق هرمز مفتوحاً", published: "2026-02-15T05:31:00Z"},
		// A photo's caption.
		{index: 2, title: "Ebola outbreak on track to be deadliest ever, WHO chief says", lang: "en"},
		// Entities decoded once: &quot; and the &amp; of the link.
		{index: 3, title: `قطر للطاقة تعلن حالة "القوة القاهرة" في بعض عقود الغاز المسال`,
			summary: "https://aawsat.com/node/5254780?utm_source=telegram&utm_medium=post"},
		{index: 4, title: "يسرائيل هيوم عن مصادر: حكومة إسرائيل تسعى لإقرار بدء تسجيل أراض بالضفة الغربية تمهيدا لتحويلها إلى أملاك دولة",
			urgent: true, marker: "عاجل", summary: "التفاصيل بعد قليل.."},
		// A reply: its own text, not the quoted post's.
		{index: 5, title: "ماكرون يدعو للهدوء بعد مقتل شاب من اليمين المتطرف", summary: `ضحية "انفجار عنف غير مسبوق".`},
		{index: 6, title: "Major Russian grain export terminals hit in Ukraine Black Sea port attack", urgent: true, marker: "🔴"},
	})
	if items[3].Summary != "https://aawsat.com/node/5254780?utm_source=telegram&utm_medium=post" {
		t.Errorf("summary of 1006 = %q", items[3].Summary)
	}

	// all_urgent: every post urgent, the banner post keeping its marker.
	src.AllUrgent = true
	all, err := Parse(src, tgPage(t, tgFixture), src.URL, detector(t))
	if err != nil {
		t.Fatalf("Parse all_urgent: %v", err)
	}
	for _, it := range all {
		if !it.Urgent {
			t.Errorf("all_urgent: %q not urgent", it.Title)
		}
	}
	if all[0].Marker != "all_urgent" || all[4].Marker != "عاجل" {
		t.Errorf("all_urgent markers = %q, %q; want all_urgent, عاجل", all[0].Marker, all[4].Marker)
	}
}

func TestParseTelegramNotAPreview(t *testing.T) {
	src := Source{ID: "tg", URL: "https://t.me/s/" + tgChannel, Kind: KindTelegram}
	tests := map[string]struct {
		body, base string
		noPreview  bool // ErrNoPreview; otherwise another parse error
		empty      bool // no error and no items
	}{
		"redirected to /NAME":   {body: string(tgPage(t, tgFixture)), base: "https://t.me/" + tgChannel, noPreview: true},
		"the channel page":      {body: string(tgPage(t, tgNoPreviewFixture)), base: src.URL, noPreview: true},
		"some other page":       {body: "<html><body><p>hello</p></body></html>", base: src.URL},
		"a preview of no posts": {body: `<main><section class="tgme_channel_history js-message_history"></section></main>`, base: src.URL, empty: true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			items, err := Parse(src, []byte(tt.body), tt.base, detector(t))
			switch {
			case tt.empty:
				if err != nil || len(items) != 0 {
					t.Errorf("Parse = %d items, %v; want none, nil", len(items), err)
				}
			case tt.noPreview:
				var pe *ParseError
				if !errors.Is(err, ErrNoPreview) || !errors.As(err, &pe) || !strings.Contains(err.Error(), "this channel has no public preview") {
					t.Errorf("Parse error = %v, want a ParseError wrapping ErrNoPreview", err)
				}
			default:
				if err == nil || errors.Is(err, ErrNoPreview) {
					t.Errorf("Parse error = %v, want another parse error", err)
				}
			}
		})
	}
}

func TestSplitPost(t *testing.T) {
	long := strings.Repeat("كلمة ", 60) // 300 runes, no sentence end
	tests := map[string]struct {
		text, headline, rest string
	}{
		"one line":            {text: "Headline", headline: "Headline"},
		"lines":               {text: "\n Headline \n\n body one\nbody two\n", headline: "Headline", rest: "body one\nbody two"},
		"banner line":         {text: "عاجل\nانفجار في الميناء\nالتفاصيل", headline: "عاجل انفجار في الميناء", rest: "التفاصيل"},
		"emoji line":          {text: "🔴🔴\nExplosion at the port", headline: "🔴🔴 Explosion at the port"},
		"sentence cut":        {text: "First sentence ends here. " + long, headline: "First sentence ends here.", rest: strings.TrimSpace(long)},
		"arabic question cut": {text: "هل انتهت الحرب؟ " + long, headline: "هل انتهت الحرب؟", rest: strings.TrimSpace(long)},
		"word cut":            {text: long, headline: strings.TrimSpace(strings.Repeat("كلمة ", 40)) + "…", rest: strings.TrimSpace(strings.Repeat("كلمة ", 20))},
	}
	det := detector(t)
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			h, r := splitPost(tt.text, det)
			if h != tt.headline || r != tt.rest {
				t.Errorf("splitPost:\n got %q | %q\nwant %q | %q", h, r, tt.headline, tt.rest)
			}
		})
	}
}

// tgServer serves the fixtures as t.me does: the preview at /s/NAME, a
// channel without one redirected from /s/private_example to
// /private_example, and a 429 with Retry-After at /s/busy_channel.
func tgServer(t *testing.T) *httptest.Server {
	t.Helper()
	preview, channelPage := tgPage(t, tgFixture), tgPage(t, tgNoPreviewFixture)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/s/" + tgChannel:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(preview)
		case "/s/private_example":
			http.Redirect(w, r, "/private_example", http.StatusFound)
		case "/private_example":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(channelPage)
		case "/s/busy_channel":
			w.Header().Set("Retry-After", "7")
			http.Error(w, "Too Many Requests", http.StatusTooManyRequests)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestPollTelegram(t *testing.T) {
	srv := tgServer(t)
	p := NewPoller(testFetcher(ClientOptions{}), detector(t))
	poll := func(channel string) PollResult {
		src := Source{URL: srv.URL + "/" + channel, Kind: KindTelegram}
		src.Normalize()
		if err := src.Validate(); err != nil {
			t.Fatalf("Validate: %v", err)
		}
		return p.Poll(context.Background(), src, Validators{})
	}

	res := poll(tgChannel)
	if res.Err != nil || len(res.Items) != 7 {
		t.Fatalf("poll %s = %d items, %v; want 7, nil", tgChannel, len(res.Items), res.Err)
	}
	if again := poll(tgChannel); again.Items[4].ID != res.Items[4].ID {
		t.Errorf("ids differ between polls: %q, %q", again.Items[4].ID, res.Items[4].ID)
	}

	res = poll("private_example")
	if !errors.Is(res.Err, ErrNoPreview) || ClassOf(res.Err) != ClassParse {
		t.Errorf("poll private_example error = %v (class %s), want ErrNoPreview, class parse", res.Err, ClassOf(res.Err))
	}

	res = poll("busy_channel")
	var fe *FetchError
	if !errors.As(res.Err, &fe) || fe.Status != http.StatusTooManyRequests || res.RetryAfter != 7*time.Second {
		t.Errorf("poll busy_channel = %v, retry after %v; want a 429 with 7s", res.Err, res.RetryAfter)
	}
}

// TestSchedulerTelegramOneAtATime: t.me gets one preview request at a
// time, while another host keeps its PerHost.
func TestSchedulerTelegramOneAtATime(t *testing.T) {
	fp := newFakePoller(func(Source, int) (time.Duration, PollResult) {
		return 10 * time.Millisecond, PollResult{}
	})
	s := NewScheduler(fp, nil, SchedulerOptions{PerHost: 3, Concurrency: 64})
	var sources []Source
	for i := range 4 {
		tg := Source{URL: "@channel_" + string(rune('a'+i)), Interval: 5 * time.Millisecond}
		tg.Normalize()
		sources = append(sources, tg,
			Source{ID: "rss-" + tg.ID, URL: "https://feeds.test/" + tg.ID, Interval: 5 * time.Millisecond})
	}
	s.Set(sources)
	start(t, s)
	wait.For(t, "4 polls of every source", func() bool {
		for _, sc := range sources {
			if fp.Count(sc.ID) < 4 {
				return false
			}
		}
		return true
	})
	fp.mu.Lock()
	defer fp.mu.Unlock()
	if got := fp.maxHost["t.me:443"]; got != 1 {
		t.Errorf("max concurrent polls of t.me = %d, want 1", got)
	}
	if got := fp.maxHost["feeds.test:443"]; got != 3 {
		t.Errorf("max concurrent polls of feeds.test = %d, want 3", got)
	}
}

func FuzzParseTelegram(f *testing.F) {
	f.Add(tgPage(f, tgFixture), "https://t.me/s/"+tgChannel)
	f.Add(tgPage(f, tgNoPreviewFixture), "https://t.me/"+tgChannel)
	f.Add([]byte(`<div class="tgme_widget_message" data-post="abcde/1"><div class="tgme_widget_message_text">🔴<br><br></div></div>`), "")
	f.Add([]byte(`<div class="tgme_widget_message service_message" data-post="x/y"></div>`), "::")
	det := detector(f)
	src := Source{ID: "tg", Kind: KindTelegram}
	f.Fuzz(func(t *testing.T, body []byte, base string) {
		items, err := Parse(src, body, base, det)
		if err != nil {
			return
		}
		for _, it := range items {
			if it.Title == "" || !strings.HasPrefix(it.ID, "https://t.me/") {
				t.Fatalf("item %+v: empty title or id not a post link", it)
			}
		}
	})
}
