package alerts

import "testing"

// benchCorpus returns real headlines: "ar" the Arabic-script ones of
// testdata/urgency_labels.tsv, "en" the 19,812 Al Jazeera English titles,
// "mixed" both.
func benchCorpus(tb testing.TB, kind string) []string {
	tb.Helper()
	var ar []string
	for _, l := range readLabels(tb) {
		if Script(l.title) == "ar" {
			ar = append(ar, l.title)
		}
	}
	switch kind {
	case "ar":
		return ar
	case "en":
		return readFirstFields(tb, englishFile)
	}
	return append(ar, readFirstFields(tb, englishFile)...)
}

var benchKinds = []string{"ar", "en", "mixed"}

func reportHeadlines(b *testing.B, n int) {
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "headlines/s")
}

func BenchmarkNormalize(b *testing.B) {
	for _, kind := range benchKinds {
		corpus := benchCorpus(b, kind)
		b.Run(kind, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				_ = Normalize(corpus[n%len(corpus)])
				n++
			}
			reportHeadlines(b, n)
		})
	}
}

func BenchmarkAppendNormalized(b *testing.B) {
	for _, kind := range benchKinds {
		corpus := benchCorpus(b, kind)
		b.Run(kind, func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]byte, 0, 1024)
			n := 0
			for b.Loop() {
				buf = AppendNormalized(buf[:0], corpus[n%len(corpus)])
				n++
			}
			reportHeadlines(b, n)
		})
	}
}

func BenchmarkDetect(b *testing.B) {
	d := newDefaultDetector(b)
	for _, kind := range benchKinds {
		corpus := benchCorpus(b, kind)
		b.Run(kind, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				_ = d.Detect(corpus[n%len(corpus)])
				n++
			}
			reportHeadlines(b, n)
		})
	}
}

func BenchmarkNormalizeAndDetect(b *testing.B) {
	d := newDefaultDetector(b)
	for _, kind := range benchKinds {
		corpus := benchCorpus(b, kind)
		b.Run(kind, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				s := corpus[n%len(corpus)]
				_ = Normalize(s)
				_ = d.Detect(s)
				n++
			}
			reportHeadlines(b, n)
		})
	}
}
