package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aajil/aajil/alerts/match"
)

const matchUsage = `Usage: aajil match [--json] RULE...

Reads headlines from standard input, one a line, and prints those that some
RULE matches, each followed by the rules that matched. A rule has the syntax
of the chat command /add: words and "quoted phrases" that must all appear,
and -word or -"phrase" to exclude. Arabic proclitics are understood («حمص»
matches «بحمص» and «والحمص», not «الحمصي»), the article ال is optional, and
case, diacritics and tatweel do not matter. Quote each rule for the shell,
and put -- before the rules when one starts with a minus.

Examples:
  aajil probe --json https://www.aljazeera.net/aljazeerarss | jq -r .title | aajil match 'حمص' '"ريف دمشق" -مباراة'
  aajil match 'الجيش لبنان' '«وقف إطلاق النار»' < headlines.txt
  aajil match --json Gaza '"West Bank" -football' < headlines.txt
  printf 'Israel attacks Syria’s Homs\n' | aajil match Homs
  aajil match -- '-مباراة حمص' < headlines.txt

Exit status: 0 when the input was read (whether or not anything matched),
1 when it could not be read, 2 for a malformed rule or flag.

Flags:
`

// matchLine is one line of `match --json`.
type matchLine struct {
	Line  int      `json:"line"`
	Text  string   `json:"text"`
	Rules []string `json:"rules"`
}

// matchSubscriber is the one subscriber of the command's matcher.
const matchSubscriber = "cli"

func matchCmd(ctx context.Context, e env, args []string) int {
	var asJSON bool
	fs := e.flags("match", matchUsage)
	fs.BoolVar(&asJSON, "json", false, "print one JSON object per matched line: line, text, rules")
	ruleArgs, err := parseInterspersed(fs, args)
	if err != nil {
		return exitUsage(err)
	}
	if len(ruleArgs) == 0 {
		fmt.Fprint(e.stderr, "aajil match: at least one RULE is required\n\n")
		fs.Usage()
		return 2
	}
	rules := make([]match.Rule, 0, len(ruleArgs))
	for _, a := range ruleArgs {
		r, err := match.ParseRule(a)
		if err != nil {
			fmt.Fprintf(e.stderr, "aajil match: rule %s: %v\n", isolate(fmt.Sprintf("%q", a)), err)
			return 2
		}
		rules = append(rules, r)
	}
	m := match.NewMatcher()
	m.Set(matchSubscriber, rules)

	if err := matchLines(ctx, e.stdin, e.stdout, m, asJSON); err != nil {
		fmt.Fprintf(e.stderr, "aajil match: %v\n", err)
		return 1
	}
	return 0
}

// matchLines reads headlines from r and writes the matched ones to w.
// Lines may be of any length; CR before LF and a byte order mark on the
// first line are removed.
func matchLines(ctx context.Context, r io.Reader, w io.Writer, m *match.Matcher, asJSON bool) error {
	in := bufio.NewReaderSize(r, 64<<10)
	out := bufio.NewWriter(w)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("read headlines: %w", err)
		}
		line, err := in.ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read headlines: %w", err)
		}
		if line == "" && err != nil {
			break
		}
		line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		if res := m.Match(line); len(res) > 0 {
			if werr := writeMatch(out, enc, n, line, res[0].Rules, asJSON); werr != nil {
				return fmt.Errorf("write: %w", werr)
			}
		}
		if err != nil { // EOF after a last line without a newline
			break
		}
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

func writeMatch(w io.Writer, enc *json.Encoder, n int, line string, rules []string, asJSON bool) error {
	if asJSON {
		return enc.Encode(matchLine{Line: n, Text: line, Rules: rules})
	}
	// The headline, then one rule a line: bidi isolation keeps an Arabic
	// rule or headline from reordering the rest of the line.
	if _, err := fmt.Fprintf(w, "%s%s\n", lrm, isolate(line)); err != nil {
		return err
	}
	for _, r := range rules {
		if _, err := fmt.Fprintf(w, "%s    ↳ %s\n", lrm, isolate(r)); err != nil {
			return err
		}
	}
	return nil
}
