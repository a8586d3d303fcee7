package pipeline

import (
	"bytes"
	"testing"
	"time"

	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/telegram/tgtext"
)

func TestConsolePrint(t *testing.T) {
	published := time.Date(2026, 3, 1, 14, 5, 0, 0, time.FixedZone("Damascus", 3*3600))
	tests := []struct {
		name  string
		alert Alert
		want  string
	}{
		{
			name:  "named source, time and link",
			alert: Alert{Source: feeds.Source{ID: "wire", Name: "Wire"}, Item: feeds.Item{Title: "BREAKING: Quake", Link: "https://w.example/1", Published: published}},
			want:  lrm + "🔴 Wire · 2026-03-01 11:05 UTC\n" + lrm + "   BREAKING: Quake\n" + lrm + "   https://w.example/1\n",
		},
		{
			name:  "Arabic, no name, no time, no link",
			alert: Alert{Source: feeds.Source{ID: "sana"}, Item: feeds.Item{Title: "عاجل | خبر"}},
			want:  lrm + "🔴 sana\n" + lrm + "   " + tgtext.FSI + "عاجل | خبر" + tgtext.PDI + "\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			NewConsole(&out).Print(tc.alert)
			if got := out.String(); got != tc.want {
				t.Errorf("printed\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}
