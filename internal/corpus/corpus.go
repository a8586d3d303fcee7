// Package corpus reads the project's own testdata corpora for tests and
// benchmarks: the labelled urgency corpus (alerts/testdata/urgency_labels.tsv)
// and the real headline lists under testdata/derived. It is test support
// only: no package of the binary imports it.
//
// A corpus is named by its slash-separated path from the module's root
// (the folder holding go.mod, found from the working directory up), so a
// test in any package reads the same name; an absolute path is read as it
// is.
package corpus

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The corpora that tests of several packages read.
const (
	// Labels is the urgency corpus: one headline a line, labelled urgent
	// or not (see Label).
	Labels = "alerts/testdata/urgency_labels.tsv"
	// AlJazeeraEnglish holds the 19,813 Al Jazeera English headlines of
	// 2022-08 to 2023-12 (testdata/SOURCES.md counts 19,812 unique
	// titles), each with its link.
	AlJazeeraEnglish = "testdata/derived/en_aljazeera_unique_titles_gonews_2022-08_to_2023-12.tsv"
	// Reuters holds the 394 Reuters agency headlines of the same
	// period, each with its link.
	Reuters = "testdata/derived/en_reuters_agency_unique_titles_gonews_2022-08_to_2023-12.tsv"
)

// maxLine is the longest line a corpus may hold.
const maxLine = 1 << 20

// Path returns the file a corpus name denotes: name itself when it is
// absolute, else name under the module's root.
func Path(name string) (string, error) {
	if filepath.IsAbs(name) {
		return name, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("corpus %s: %w", name, err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, filepath.FromSlash(name)), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("corpus %s: no go.mod above the working directory", name)
		}
		dir = parent
	}
}

// eachLine calls fn with every line of the named corpus and its 1-based
// number, and stops at fn's first error.
func eachLine(name string, fn func(n int, line string) error) error {
	path, err := Path(name)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("corpus: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, maxLine)
	for n := 1; sc.Scan(); n++ {
		if err := fn(n, sc.Text()); err != nil {
			return fmt.Errorf("%s:%d: %w", name, n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("corpus %s: %w", name, err)
	}
	return nil
}

// Row is one line of a TSV corpus.
type Row struct {
	Line   int // 1-based
	Fields []string
}

// ReadTSV reads a corpus of TAB-separated lines, skipping blank lines and
// # comments. With columns above zero a line of another number of fields
// is an error naming it.
func ReadTSV(name string, columns int) ([]Row, error) {
	var rows []Row
	err := eachLine(name, func(n int, line string) error {
		if line == "" || strings.HasPrefix(line, "#") {
			return nil
		}
		f := strings.Split(line, "\t")
		if columns > 0 && len(f) != columns {
			return fmt.Errorf("%d fields, want %d: %q", len(f), columns, line)
		}
		rows = append(rows, Row{Line: n, Fields: f})
		return nil
	})
	return rows, err
}

// Label is one line of the urgency corpus (Labels): whether the headline
// is urgent, where it comes from, the headline as published, and the
// banner the detector must find in it and what is left without it (both
// empty when it has none).
type Label struct {
	Line                        int // 1-based
	Urgent                      bool
	Source, Title, Marker, Rest string
}

// labelColumns is the number of fields of a line of the urgency corpus.
const labelColumns = 5

// ReadLabels reads an urgency corpus: lines of five TAB-separated fields
// (urgent or not, source, title, marker, rest), with blank lines and #
// comments skipped.
func ReadLabels(name string) ([]Label, error) {
	rows, err := ReadTSV(name, labelColumns)
	if err != nil {
		return nil, err
	}
	out := make([]Label, 0, len(rows))
	for _, r := range rows {
		f := r.Fields
		if f[0] != "urgent" && f[0] != "not" {
			return nil, fmt.Errorf("%s:%d: label %q, want urgent or not", name, r.Line, f[0])
		}
		out = append(out, Label{Line: r.Line, Urgent: f[0] == "urgent", Source: f[1], Title: f[2], Marker: f[3], Rest: f[4]})
	}
	return out, nil
}

// Headline is one line of a headline list: the title and, when the line
// has one, the link after it.
type Headline struct {
	Title, Link string
}

// ReadHeadlines reads a headline list: a title a line, then a TAB and
// its link. Lines without a title are skipped; there are no comments,
// since a headline may begin with '#'.
func ReadHeadlines(name string) ([]Headline, error) {
	var out []Headline
	err := eachLine(name, func(_ int, line string) error {
		title, rest, _ := strings.Cut(line, "\t")
		if title == "" {
			return nil
		}
		link, _, _ := strings.Cut(rest, "\t")
		out = append(out, Headline{Title: title, Link: link})
		return nil
	})
	return out, err
}

// Titles returns the titles of a headline list (see ReadHeadlines).
func Titles(name string) ([]string, error) {
	hs, err := ReadHeadlines(name)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.Title
	}
	return out, nil
}
