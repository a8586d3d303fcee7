package report_test

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/a-h/templ"

	"github.com/aajil/aajil/web/report"
)

// page renders one page's content with a t that gives keys back
// (recording those asked for).
func page(t *testing.T, content func(t func(string) string) templ.Component) (string, map[string]bool) {
	t.Helper()
	asked := map[string]bool{}
	tr := func(key string) string { asked[key] = true; return "[" + key + "]" }
	var b bytes.Buffer
	if err := content(tr).Render(t.Context(), &b); err != nil {
		t.Fatalf("render: %v", err)
	}
	return b.String(), asked
}

// TestTemplates renders each page on the fixture's data: hostile text
// is escaped, every string key exists in both languages, and the markup
// holds no inline style or script.
func TestTemplates(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	stories, err := f.rep.Stories(ctx)
	if err != nil {
		t.Fatal(err)
	}
	delivery, err := f.rep.Delivery(ctx)
	if err != nil {
		t.Fatal(err)
	}
	delivery.CSRFToken = `"><script>`
	subs, err := f.rep.Subscribers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		content func(t func(string) string) templ.Component
		want    []string
	}{
		{"stories", func(t func(string) string) templ.Component { return report.StoriesContent(t, stories) }, []string{"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;", headA2, "reuters", `<th scope="row">`, "1.5s"}},
		{"delivery", func(t func(string) string) templ.Component { return report.DeliveryContent(t, delivery) }, []string{"can&#39;t parse entities", `name="id" value="` + f.deadLetter + `"`, "&#34;&gt;&lt;script&gt;", "inst-1", "2.00/s"}},
		{"subscribers", func(t func(string) string) templ.Component { return report.SubscribersContent(t, subs) }, []string{"[state.paused]", "دمشق", `<th scope="col">`}},
	}
	for _, tt := range tests {
		out, asked := page(t, tt.content)
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: output lacks %q", tt.name, w)
			}
		}
		if strings.Contains(out, "<script") || strings.Contains(out, "style=") {
			t.Errorf("%s: output has a script or an inline style:\n%s", tt.name, out)
		}
		for key := range asked {
			for lang, strs := range report.Strings {
				if strs[key] == "" {
					t.Errorf("%s: key %q has no %s text", tt.name, key, lang)
				}
			}
		}
	}
}

// TestStrings: both languages have the same keys, and every key a page
// names literally is one of them.
func TestStrings(t *testing.T) {
	ar, en := slices.Sorted(maps.Keys(report.Strings["ar"])), slices.Sorted(maps.Keys(report.Strings["en"]))
	if !slices.Equal(ar, en) {
		t.Errorf("keys differ:\nar %q\nen %q", ar, en)
	}
	literal := regexp.MustCompile(`\bt\("([^"]+)"\)`)
	pages, err := filepath.Glob("*.templ")
	if err != nil || len(pages) == 0 {
		t.Fatalf("no *.templ page (%v)", err)
	}
	for _, path := range pages {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			if _, ok := report.Strings["en"][m[1]]; !ok {
				t.Errorf("%s: key %q not in Strings", path, m[1])
			}
		}
	}
	if got := report.T("fr", "state.active"); got != "active" {
		t.Errorf(`T("fr", "state.active") = %q, want the English "active"`, got)
	}
	if got := report.T("ar", "no.such.key"); got != "no.such.key" {
		t.Errorf("T of an unknown key = %q, want the key", got)
	}
}
