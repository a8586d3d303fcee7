package match

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// The real headline corpora the matcher is tested and measured on.
const (
	// labelsFile is the urgency corpus of package alerts: urgent or not,
	// source, title, marker, rest.
	labelsFile = "../testdata/urgency_labels.tsv"
	// englishFile holds the 19,812 Al Jazeera English titles, under the
	// repository's testdata/.
	englishFile = "derived/en_aljazeera_unique_titles_gonews_2022-08_to_2023-12.tsv"
)

// labelTitles returns the title of every line of labelsFile.
func labelTitles(tb testing.TB) []string {
	tb.Helper()
	data, err := os.ReadFile(labelsFile)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for i, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 5 {
			tb.Fatalf("%s:%d: malformed line %q", labelsFile, i+1, line)
		}
		out = append(out, f[2])
	}
	return out
}

// readFirstFields returns the first TAB field of every line of a file
// under the repository's testdata/.
func readFirstFields(tb testing.TB, name string) []string {
	tb.Helper()
	f, err := os.Open("../../testdata/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if title, _, _ := strings.Cut(sc.Text(), "\t"); title != "" {
			out = append(out, title)
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}
