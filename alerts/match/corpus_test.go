package match

import (
	"testing"

	"github.com/aajil/aajil/internal/corpus"
)

// labelTitles returns the title of every line of the urgency corpus of
// package alerts (alerts/testdata/urgency_labels.tsv).
func labelTitles(tb testing.TB) []string {
	tb.Helper()
	labels, err := corpus.ReadLabels(corpus.Labels)
	if err != nil {
		tb.Fatal(err)
	}
	out := make([]string, len(labels))
	for i, l := range labels {
		out[i] = l.Title
	}
	return out
}

// readTitles returns the titles of a headline list of internal/corpus.
func readTitles(tb testing.TB, name string) []string {
	tb.Helper()
	titles, err := corpus.Titles(name)
	if err != nil {
		tb.Fatal(err)
	}
	return titles
}
