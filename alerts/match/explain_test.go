package match

import (
	"reflect"
	"testing"

	"github.com/aajil/aajil/alerts"
)

func TestExplain(t *testing.T) {
	tests := map[string]struct {
		rule, headline string
		wantOK         bool
		want           [][]string
	}{
		"one word":              {rule: "Homs", headline: "Shelling in Homs countryside", wantOK: true, want: [][]string{{"homs"}}},
		"a proclitic":           {rule: "حمص", headline: "قصف بريف حمص", wantOK: true, want: [][]string{{"حمص"}}},
		"with proclitic":        {rule: "دمشق", headline: "انفجار في حي المزة بدمشق", wantOK: true, want: [][]string{{"بدمشق"}}},
		"a phrase and a word":   {rule: `"ريف حمص" قصف`, headline: "قصف بريف حمص", wantOK: true, want: [][]string{{"بريف", "حمص"}, {"قصف"}}},
		"vetoed":                {rule: "Damascus -weather", headline: "Damascus weather today"},
		"no match":              {rule: "Aleppo", headline: "Shelling in Homs"},
		"every word must match": {rule: "Homs Aleppo", headline: "Shelling in Homs"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r, err := ParseRule(tc.rule)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := r.Explain(alerts.Normalize(tc.headline))
			if ok != tc.wantOK {
				t.Fatalf("Explain(%q) ok = %v, want %v", tc.headline, ok, tc.wantOK)
			}
			if !ok {
				return
			}
			if len(got.Terms) != len(tc.want) {
				t.Fatalf("Explain terms = %q, want %d", got.Terms, len(tc.want))
			}
			if !reflect.DeepEqual(got.Words, tc.want) {
				t.Errorf("Explain(%q, %q) words = %q, want %q", tc.rule, tc.headline, got.Words, tc.want)
			}
		})
	}
}
