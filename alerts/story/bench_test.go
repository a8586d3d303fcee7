package story

import (
	"encoding/json"
	"testing"
)

// benchTitles returns real Arabic and English headlines.
func benchTitles(b *testing.B) []string {
	b.Helper()
	var titles []string
	for _, row := range readTSV(b, "../testdata/urgency_labels.tsv") {
		if len(row) >= 3 {
			titles = append(titles, row[2])
		}
	}
	for i, row := range readTSV(b, titlesFile) {
		if i%10 == 0 {
			titles = append(titles, row[0])
		}
	}
	return titles
}

// BenchmarkFingerprint: headlines fingerprinted per second (Arabic and
// English, one in ten of the English corpus).
func BenchmarkFingerprint(b *testing.B) {
	titles := benchTitles(b)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		NewFingerprint(titles[i%len(titles)])
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "headlines/s")
}

// BenchmarkCompare: one candidate decision, over the labelled pairs.
func BenchmarkCompare(b *testing.B) {
	var pairs [][2]Fingerprint
	for _, f := range []string{"testdata/hard_negatives.tsv", "testdata/rewordings.tsv"} {
		for _, row := range readTSV(b, f) {
			pairs = append(pairs, [2]Fingerprint{NewFingerprint(row[2]), NewFingerprint(row[3])})
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		p := pairs[i%len(pairs)]
		Compare(p[0], p[1])
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "compares/s")
}

// BenchmarkCompareCorpus: one decision over the real pairs of the story
// corpus (two newsrooms' headlines, with their times).
func BenchmarkCompareCorpus(b *testing.B) {
	pairs := evaluateStoryCorpus(b)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		p := pairs[i%len(pairs)]
		Compare(p.aFP, p.bFP)
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "compares/s")
}

// BenchmarkCompareStored: what the pipeline pays per candidate story: the
// stored fingerprint read back from JSON, then compared.
func BenchmarkCompareStored(b *testing.B) {
	pairs := evaluateStoryCorpus(b)
	stored := make([][]byte, len(pairs))
	for i, p := range pairs {
		data, err := json.Marshal(p.bFP)
		if err != nil {
			b.Fatal(err)
		}
		stored[i] = data
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		k := i % len(pairs)
		var fp Fingerprint
		if err := json.Unmarshal(stored[k], &fp); err != nil {
			b.Fatal(err)
		}
		Compare(pairs[k].aFP, fp)
		i++
	}
}
