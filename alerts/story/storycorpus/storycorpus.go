// Package storycorpus reads the story corpus of alerts/story/testdata/stories:
// real headline pairs of different newsrooms, labelled same, update or
// different, and its frozen split into a tuning and a test part. The
// tests of alerts/story, pipeline and cmd/aajil measure and check story dedup on
// it; the format is in the corpus's README.
package storycorpus

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Columns is the number of TAB-separated columns of a pair line.
const Columns = 15

// SplitFile is the name of the split's file in the corpus folder.
const SplitFile = "split.tsv"

// Pair is one labelled pair.
type Pair struct {
	File  string // the file's base name
	Line  int    // 1-based
	Group string // the news cluster; the split is by group
	Label string // same, update or different

	ALang, AOutlet, ATime, AURL, ASource, ATitle string
	BLang, BOutlet, BTime, BURL, BSource, BTitle string

	Note string
}

// Read reads every pair file of the corpus in dir (every *.tsv but the
// split), skipping blank lines and # comments. A line with another number
// of columns is an error naming it.
func Read(dir string) ([]Pair, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.tsv"))
	if err != nil {
		return nil, err
	}
	var out []Pair
	for _, f := range files {
		if filepath.Base(f) == SplitFile {
			continue
		}
		err := eachLine(f, func(n int, line string) error {
			c := strings.Split(line, "\t")
			if len(c) != Columns {
				return fmt.Errorf("%s:%d: %d columns, want %d", filepath.Base(f), n, len(c), Columns)
			}
			out = append(out, Pair{
				File: filepath.Base(f), Line: n, Group: c[0], Label: c[1], ALang: c[2], BLang: c[3],
				AOutlet: c[4], ATime: c[5], AURL: c[6], ASource: c[7], ATitle: c[8],
				BOutlet: c[9], BTime: c[10], BURL: c[11], BSource: c[12], BTitle: c[13], Note: c[14],
			})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ReadSplit reads the split of the corpus in dir: group → part ("tune" or
// "test"). A missing file is an empty split.
func ReadSplit(dir string) (map[string]string, error) {
	split := map[string]string{}
	err := eachLine(filepath.Join(dir, SplitFile), func(n int, line string) error {
		g, part, ok := strings.Cut(line, "\t")
		if !ok || (part != "tune" && part != "test") {
			return fmt.Errorf("%s:%d: want group<TAB>tune|test", SplitFile, n)
		}
		split[g] = part
		return nil
	})
	if os.IsNotExist(err) {
		return split, nil
	}
	return split, err
}

// TestPart returns the pairs of the corpus in dir whose group is in the
// test part.
func TestPart(dir string) ([]Pair, error) {
	pairs, err := Read(dir)
	if err != nil {
		return nil, err
	}
	split, err := ReadSplit(dir)
	if err != nil {
		return nil, err
	}
	var out []Pair
	for _, p := range pairs {
		if split[p.Group] == "test" {
			out = append(out, p)
		}
	}
	return out, nil
}

// eachLine calls fn for every line of the file that is neither blank nor a
// # comment.
func eachLine(path string, fn func(n int, line string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := fn(n, line); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return nil
}
