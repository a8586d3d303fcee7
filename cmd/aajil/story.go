package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aajil/aajil/alerts/story"
)

const storyUsage = `Usage: aajil story [--json] [--explain] [A B]

Tells whether two headlines report one story, as the bot decides before it
alerts. With two arguments it compares headline A with headline B; without,
it reads pairs from standard input, one a line as A<TAB>B. Blank lines and
lines starting with # are skipped. A line may have more TAB-separated
columns (an id, a source, a time): its last two columns are A and B.

For each pair it prints one line, VERDICT<TAB>SCORE<TAB>A<TAB>B:
  same       one story told again (nothing new would be alerted)
  update     one story with new figures (a death toll rose)
  different  two stories
SCORE, from 0 to 1, is how much the two headlines share. A TAB or line
break inside a headline is printed as a space, so each pair stays one line.
--explain adds, under each result, what the two share (matched), what makes
them two events (conflicts) and what each has alone (only A, only B).
The headlines are compared as if reported at unknown times.

Quote each headline for the shell, and put -- before the headlines when one
starts with a minus.

Examples:
  aajil story 'مقتل 3 في غارة إسرائيلية على دمشق' 'غارة على دمشق تقتل ثلاثة أشخاص'
  aajil story --explain 'ارتفاع حصيلة ضحايا زلزال تركيا إلى 120 قتيلا' 'زلزال تركيا: 85 قتيلا'
  aajil story 'Israeli strike on Damascus kills 3' 'مقتل 3 في غارة إسرائيلية على دمشق' --explain
  aajil story --json 'Earthquake hits eastern Turkey' 'Floods kill 12 in Pakistan'
  printf 'Gaza truce holds\tGaza ceasefire holds\n' | aajil story
  aajil story < pairs.tsv
  aajil story --json --explain < pairs.tsv | jq -c 'select(.verdict != "different")'

Exit status: 0 when every pair was compared; 1 when a line of the input has
fewer than two columns or an empty headline (it is reported on standard
error with its line number and skipped) or the input could not be read;
2 for a number of headlines other than none or two, or a malformed flag.

Flags:
`

// storyMaxLine is the longest input line `story` reads.
const storyMaxLine = 1 << 20

// storyLine is one line of `story --json`. The explanation's fields are
// present, always as arrays, only with --explain.
type storyLine struct {
	Verdict string  `json:"verdict"`
	Score   float64 `json:"score"`
	A       string  `json:"a"`
	B       string  `json:"b"`
	*storyReasons
}

// storyReasons is the explanation of a storyLine.
type storyReasons struct {
	Matched   []string `json:"matched"`
	Conflicts []string `json:"conflicts"`
	OnlyA     []string `json:"only_a"`
	OnlyB     []string `json:"only_b"`
}

// storyOutput writes the results of story in the form the flags chose.
type storyOutput struct {
	w       *bufio.Writer
	enc     *json.Encoder
	asJSON  bool
	explain bool
}

func storyCmd(ctx context.Context, e env, args []string) int {
	var asJSON, explain bool
	fs := e.flags("story", storyUsage)
	fs.BoolVar(&asJSON, "json", false, "print one JSON object per pair: verdict, score, a, b")
	fs.BoolVar(&explain, "explain", false, "say why: what the headlines share, what conflicts, what each has alone")
	headlines, err := parseInterspersed(fs, args)
	if err != nil {
		return exitUsage(err)
	}
	if len(headlines) != 0 && len(headlines) != 2 {
		fmt.Fprintf(e.stderr, "aajil story: want two headlines, or none to read pairs from standard input; got %d\n\n", len(headlines))
		fs.Usage()
		return 2
	}
	if len(headlines) == 2 {
		if empty := emptyHeadline(headlines[0], headlines[1]); empty != "" {
			fmt.Fprintf(e.stderr, "aajil story: headline %s is empty\n", empty)
			return 2
		}
	}

	out := &storyOutput{w: bufio.NewWriter(e.stdout), asJSON: asJSON, explain: explain}
	out.enc = json.NewEncoder(out.w)
	out.enc.SetEscapeHTML(false)

	code := 0
	if len(headlines) == 2 {
		if err := out.write(headlines[0], headlines[1]); err != nil {
			fmt.Fprintf(e.stderr, "aajil story: write: %v\n", err)
			return 1
		}
	} else {
		code = storyPairs(ctx, e, out)
	}
	if err := out.w.Flush(); err != nil {
		fmt.Fprintf(e.stderr, "aajil story: write: %v\n", err)
		return 1
	}
	return code
}

// storyPairs compares the pairs on standard input and returns the exit
// code: 0, or 1 when a line was malformed or the input or output failed.
// A CR before LF and a byte order mark on the first line are removed.
func storyPairs(ctx context.Context, e env, out *storyOutput) int {
	sc := bufio.NewScanner(e.stdin)
	sc.Buffer(make([]byte, 0, 64<<10), storyMaxLine)
	code := 0
	n := 0
	for sc.Scan() {
		n++
		if err := ctx.Err(); err != nil {
			fmt.Fprintf(e.stderr, "aajil story: read pairs: %v\n", err)
			return 1
		}
		line := sc.Text() // ScanLines has removed the CR of a CRLF
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) < 2 {
			fmt.Fprintf(e.stderr, "aajil story: line %d: want A<TAB>B, found no TAB; skipped\n", n)
			code = 1
			continue
		}
		a, b := cols[len(cols)-2], cols[len(cols)-1]
		if empty := emptyHeadline(a, b); empty != "" {
			fmt.Fprintf(e.stderr, "aajil story: line %d: headline %s is empty; skipped\n", n, empty)
			code = 1
			continue
		}
		if err := out.write(a, b); err != nil {
			fmt.Fprintf(e.stderr, "aajil story: write: %v\n", err)
			return 1
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			err = fmt.Errorf("line %d is longer than %d bytes", n+1, storyMaxLine)
		}
		fmt.Fprintf(e.stderr, "aajil story: read pairs: %v\n", err)
		return 1
	}
	return code
}

// write compares headlines a and b and writes the result.
func (o *storyOutput) write(a, b string) error {
	x := story.ExplainHeadlines(a, b)
	score := x.Score // Explain gives it to three decimals
	if o.asJSON {
		l := storyLine{Verdict: x.Verdict.String(), Score: score, A: a, B: b}
		if o.explain {
			l.storyReasons = &storyReasons{
				Matched:   nonNil(x.Matched),
				Conflicts: nonNil(x.Conflicts),
				OnlyA:     nonNil(x.OnlyA),
				OnlyB:     nonNil(x.OnlyB),
			}
		}
		return o.enc.Encode(l)
	}
	if _, err := fmt.Fprintf(o.w, "%s\t%.3f\t%s\t%s\n", x.Verdict, score, oneLine(a), oneLine(b)); err != nil {
		return err
	}
	if !o.explain {
		return nil
	}
	for _, r := range []struct {
		label string
		items []string
	}{
		{"matched", x.Matched},
		{"conflicts", x.Conflicts},
		{"only A", x.OnlyA},
		{"only B", x.OnlyB},
	} {
		if _, err := fmt.Fprintf(o.w, "  %s: %s\n", r.label, storyList(r.items)); err != nil {
			return err
		}
	}
	return nil
}

// storyList joins the items of an explanation for a person to read, each
// isolated so that an Arabic item does not reorder its neighbours; "none"
// when there are none.
func storyList(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = isolate(oneLine(it))
	}
	return strings.Join(parts, ", ")
}

// emptyHeadline returns "A" or "B" when that headline has nothing but
// spaces, and "" when both have text.
func emptyHeadline(a, b string) string {
	switch {
	case strings.TrimSpace(a) == "":
		return "A"
	case strings.TrimSpace(b) == "":
		return "B"
	}
	return ""
}

// oneLine replaces the TABs and line breaks of s with spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '\t', '\n', '\v', '\f', '\r', '\u0085', '\u2028', '\u2029':
			return ' '
		}
		return r
	}, s)
}

// nonNil returns s, or an empty slice for nil so that JSON has [] and not
// null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
