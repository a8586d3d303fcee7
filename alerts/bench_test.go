package alerts

import (
	"testing"

	"github.com/aajil/aajil/internal/corpus"
)

// benchCorpus returns real headlines: "ar" the Arabic-script ones of
// testdata/urgency_labels.tsv, "en" the Al Jazeera English titles,
// "mixed" both.
func benchCorpus(tb testing.TB, kind string) []string {
	tb.Helper()
	var ar []string
	for _, l := range readLabels(tb) {
		if Script(l.Title) == "ar" {
			ar = append(ar, l.Title)
		}
	}
	if kind == "ar" {
		return ar
	}
	en, err := corpus.Titles(corpus.AlJazeeraEnglish)
	if err != nil {
		tb.Fatal(err)
	}
	if kind == "en" {
		return en
	}
	return append(ar, en...)
}

// benchHeadlines runs fn on one headline an iteration, over the corpus of
// each kind in turn, and reports headlines per second.
func benchHeadlines(b *testing.B, fn func(headline string)) {
	for _, kind := range []string{"ar", "en", "mixed"} {
		headlines := benchCorpus(b, kind)
		b.Run(kind, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				fn(headlines[n%len(headlines)])
				n++
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "headlines/s")
		})
	}
}

func BenchmarkNormalize(b *testing.B) {
	benchHeadlines(b, func(s string) { _ = Normalize(s) })
}

func BenchmarkAppendNormalized(b *testing.B) {
	buf := make([]byte, 0, 1024)
	benchHeadlines(b, func(s string) { buf = AppendNormalized(buf[:0], s) })
}

func BenchmarkDetect(b *testing.B) {
	d := newDefaultDetector(b)
	benchHeadlines(b, func(s string) { _ = d.Detect(s) })
}

func BenchmarkNormalizeAndDetect(b *testing.B) {
	d := newDefaultDetector(b)
	benchHeadlines(b, func(s string) {
		_ = Normalize(s)
		_ = d.Detect(s)
	})
}
