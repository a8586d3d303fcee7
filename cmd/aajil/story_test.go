package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// Pairs whose verdict does not depend on how the comparison is tuned: a
// headline and itself, and two headlines with nothing in common.
const (
	storyAr         = "مقتل 3 أشخاص في غارة إسرائيلية على دمشق"
	storyEn         = "Israeli strike on Damascus kills 3"
	storyUnrelatedA = "Earthquake of magnitude 7 strikes northern Japan"
	storyUnrelatedB = "الأهلي يفوز على الزمالك في نهائي كأس مصر"
)

// runStory runs `aajil story args…` through cli with input on standard
// input.
func runStory(t *testing.T, input string, args ...string) (int, string, string) {
	t.Helper()
	return runCLIInput(t, nil, input, append([]string{"story"}, args...)...)
}

// storyResult is one parsed result line of `story` without --json.
type storyResult struct {
	verdict string
	score   float64
	a, b    string
}

// parseStoryLine splits a result line into its four columns and checks
// the verdict and score are well formed.
func parseStoryLine(t *testing.T, line string) storyResult {
	t.Helper()
	f := strings.Split(line, "\t")
	if len(f) != 4 {
		t.Fatalf("line %q has %d TAB-separated columns, want 4", line, len(f))
	}
	switch f[0] {
	case "same", "update", "different":
	default:
		t.Errorf("line %q: verdict %q, want same, update or different", line, f[0])
	}
	score, err := strconv.ParseFloat(f[1], 64)
	if err != nil || score < 0 || score > 1 {
		t.Errorf("line %q: score %q, want a number in [0,1]", line, f[1])
	}
	if i := strings.IndexByte(f[1], '.'); i < 0 || len(f[1])-i-1 != 3 {
		t.Errorf("line %q: score %q, want 3 decimals", line, f[1])
	}
	return storyResult{verdict: f[0], score: score, a: f[2], b: f[3]}
}

// outputLines splits output into lines, without the final newline.
func outputLines(t *testing.T, out string) []string {
	t.Helper()
	if out == "" {
		return nil
	}
	if !strings.HasSuffix(out, "\n") {
		t.Errorf("output %q does not end with a newline", out)
	}
	return strings.Split(strings.TrimSuffix(out, "\n"), "\n")
}

// storyLines runs `aajil story` on input with args, which must succeed
// and print n lines, and returns the lines.
func storyLines(t *testing.T, input string, n int, args ...string) []string {
	t.Helper()
	code, out, errOut := runStory(t, input, args...)
	if code != 0 {
		t.Fatalf("exit code = %d, want 0 (stderr %q)", code, errOut)
	}
	lines := outputLines(t, out)
	if len(lines) != n {
		t.Fatalf("got %d output lines, want %d:\n%s", len(lines), n, out)
	}
	return lines
}

func TestStoryTwoHeadlines(t *testing.T) {
	tests := []struct {
		name        string
		args        []string
		wantVerdict string // "" for any
		wantScore   string // "" for any
		wantA       string
		wantB       string
	}{
		{"identical arabic", []string{storyAr, storyAr}, "same", "1.000", storyAr, storyAr},
		{"identical english", []string{storyEn, storyEn}, "same", "1.000", storyEn, storyEn},
		{"unrelated", []string{storyUnrelatedA, storyUnrelatedB}, "different", "", storyUnrelatedA, storyUnrelatedB},
		{"unrelated english", []string{storyUnrelatedA, "Central bank raises interest rates by half a point"}, "different", "", storyUnrelatedA, "Central bank raises interest rates by half a point"},
		{"cross-language, any verdict", []string{storyAr, storyEn}, "", "", storyAr, storyEn},
		{"headline starting with a minus after --", []string{"--", "-" + storyEn, storyEn}, "", "", "-" + storyEn, storyEn},
		{"TAB and line breaks become spaces", []string{"Israeli strike\ton Damascus\nkills 3", "Israeli strike on Damascus\r\nkills 3"}, "", "", "Israeli strike on Damascus kills 3", "Israeli strike on Damascus  kills 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runStory(t, "ignored\tinput\n", tt.args...)
			if code != 0 {
				t.Fatalf("exit code = %d, want 0 (stderr %q)", code, errOut)
			}
			if errOut != "" {
				t.Errorf("stderr = %q, want nothing", errOut)
			}
			lines := outputLines(t, out)
			if len(lines) != 1 {
				t.Fatalf("got %d output lines, want 1:\n%s", len(lines), out)
			}
			got := parseStoryLine(t, lines[0])
			if tt.wantVerdict != "" && got.verdict != tt.wantVerdict {
				t.Errorf("verdict = %q, want %q", got.verdict, tt.wantVerdict)
			}
			if tt.wantScore != "" && !strings.HasPrefix(lines[0], got.verdict+"\t"+tt.wantScore+"\t") {
				t.Errorf("line = %q, want score %s", lines[0], tt.wantScore)
			}
			if got.a != tt.wantA || got.b != tt.wantB {
				t.Errorf("headlines = %q, %q; want %q, %q", got.a, got.b, tt.wantA, tt.wantB)
			}
		})
	}
}

func TestStoryStdin(t *testing.T) {
	input := "# id\tsource\tA\tB\n" +
		"\n" +
		storyAr + "\t" + storyAr + "\n" +
		"  \n" +
		"only one column\n" +
		"17\taljazeera\t" + storyUnrelatedA + "\t" + storyUnrelatedB + "\r\n" +
		"#" + storyEn + "\t" + storyEn + "\n" +
		"18\t\t" + storyEn + "\n" +
		storyAr + "\t" + storyEn // no final newline
	code, out, errOut := runStory(t, input)
	if code != 1 {
		t.Errorf("exit code = %d, want 1 (stderr %q)", code, errOut)
	}
	for _, want := range []string{"line 5:", "line 8:"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr = %q, want it to name %q", errOut, want)
		}
	}
	for _, notWant := range []string{"line 1:", "line 2:", "line 3:", "line 4:", "line 6:", "line 7:", "line 9:"} {
		if strings.Contains(errOut, notWant) {
			t.Errorf("stderr = %q, want it not to name %q", errOut, notWant)
		}
	}
	want := []storyResult{
		{verdict: "same", score: 1, a: storyAr, b: storyAr},
		{verdict: "different", a: storyUnrelatedA, b: storyUnrelatedB},
		{a: storyAr, b: storyEn},
	}
	lines := outputLines(t, out)
	if len(lines) != len(want) {
		t.Fatalf("got %d output lines, want %d:\n%s", len(lines), len(want), out)
	}
	for i, w := range want {
		got := parseStoryLine(t, lines[i])
		if w.verdict != "" && got.verdict != w.verdict {
			t.Errorf("pair %d: verdict = %q, want %q", i+1, got.verdict, w.verdict)
		}
		if w.verdict == "same" && got.score != w.score {
			t.Errorf("pair %d: score = %v, want %v", i+1, got.score, w.score)
		}
		if got.a != w.a || got.b != w.b {
			t.Errorf("pair %d: headlines = %q, %q; want %q, %q", i+1, got.a, got.b, w.a, w.b)
		}
	}
}

func TestStoryStdinClean(t *testing.T) {
	tests := []struct {
		name      string
		input     string
		wantLines int
	}{
		{"empty input", "", 0},
		{"only comments and blank lines", "# A\tB\n\n\r\n#\n", 0},
		{"byte order mark", "\ufeff" + storyEn + "\t" + storyEn + "\n", 1},
		{"two pairs", storyEn + "\t" + storyEn + "\n" + storyAr + "\t" + storyAr + "\n", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := storyLines(t, tt.input, tt.wantLines)
			for _, l := range lines {
				if got := parseStoryLine(t, l); got.verdict != "same" || got.a != got.b || strings.HasPrefix(got.a, "\ufeff") {
					t.Errorf("line %q: want same, with identical headlines and no byte order mark", l)
				}
			}
		})
	}
}

// TestStoryLongLine feeds a pair longer than bufio.Scanner's default
// limit of 64 KiB.
func TestStoryLongLine(t *testing.T) {
	long := strings.Repeat("غارة على دمشق ", 10_000) // about 250 KB
	code, out, errOut := runStory(t, storyEn+"\t"+storyEn+"\n"+long+"\t"+long+"\n")
	if code != 0 {
		t.Fatalf("exit code = %d, want 0 (stderr %q)", code, errOut)
	}
	lines := outputLines(t, out)
	if len(lines) != 2 {
		t.Fatalf("got %d output lines, want 2", len(lines))
	}
	if got := parseStoryLine(t, lines[1]); got.a != long || got.b != long || got.verdict != "same" {
		t.Errorf("long pair: verdict %q, headlines of %d and %d bytes; want same, %d bytes each", got.verdict, len(got.a), len(got.b), len(long))
	}
}

func TestStoryTooLongLine(t *testing.T) {
	long := strings.Repeat("x", storyMaxLine+1)
	code, out, errOut := runStory(t, storyEn+"\t"+storyEn+"\n"+long+"\t"+long+"\n")
	if code != 1 {
		t.Errorf("exit code = %d, want 1 (stderr %q)", code, errOut)
	}
	if !strings.Contains(errOut, "line 2 is longer than") {
		t.Errorf("stderr = %q, want it to name line 2 as too long", errOut)
	}
	if lines := outputLines(t, out); len(lines) != 1 {
		t.Errorf("got %d output lines, want the 1 before the long line", len(lines))
	}
}

func TestStoryJSON(t *testing.T) {
	explainKeys := []string{"matched", "conflicts", "only_a", "only_b"}
	tests := []struct {
		name        string
		input       string
		args        []string
		explain     bool
		wantVerdict []string // "" for any
		wantA       []string
		wantB       []string
	}{
		{
			name:        "two headlines",
			args:        []string{"--json", storyAr, storyAr},
			wantVerdict: []string{"same"},
			wantA:       []string{storyAr},
			wantB:       []string{storyAr},
		},
		{
			name:        "two headlines explained, flags after them",
			args:        []string{storyUnrelatedA, storyUnrelatedB, "--json", "--explain"},
			explain:     true,
			wantVerdict: []string{"different"},
			wantA:       []string{storyUnrelatedA},
			wantB:       []string{storyUnrelatedB},
		},
		{
			name:        "pairs, headlines kept as given",
			input:       "# comment\n1\t" + storyEn + "\t" + storyEn + "\n" + storyUnrelatedA + "\t" + storyUnrelatedB + "\n",
			args:        []string{"--json"},
			wantVerdict: []string{"same", "different"},
			wantA:       []string{storyEn, storyUnrelatedA},
			wantB:       []string{storyEn, storyUnrelatedB},
		},
		{
			name:        "pairs explained",
			input:       storyEn + "\t" + storyEn + "\n" + storyAr + "\t" + storyEn + "\n" + storyUnrelatedA + "\t" + storyUnrelatedB + "\n",
			args:        []string{"--explain", "--json"},
			explain:     true,
			wantVerdict: []string{"same", "", "different"},
			wantA:       []string{storyEn, storyAr, storyUnrelatedA},
			wantB:       []string{storyEn, storyEn, storyUnrelatedB},
		},
		{
			name:        "TAB and newline kept, escaped",
			args:        []string{"--json", "a\tb", "c\nd"},
			wantVerdict: []string{""},
			wantA:       []string{"a\tb"},
			wantB:       []string{"c\nd"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := storyLines(t, tt.input, len(tt.wantA), tt.args...)
			for i, line := range lines {
				var raw map[string]json.RawMessage
				if err := json.Unmarshal([]byte(line), &raw); err != nil {
					t.Fatalf("line %d %q: %v", i+1, line, err)
				}
				var got struct {
					Verdict string  `json:"verdict"`
					Score   float64 `json:"score"`
					A       string  `json:"a"`
					B       string  `json:"b"`
				}
				if err := json.Unmarshal([]byte(line), &got); err != nil {
					t.Fatalf("line %d %q: %v", i+1, line, err)
				}
				for _, k := range []string{"verdict", "score", "a", "b"} {
					if _, ok := raw[k]; !ok {
						t.Errorf("line %d %q lacks %q", i+1, line, k)
					}
				}
				if w := tt.wantVerdict[i]; w != "" && got.Verdict != w {
					t.Errorf("line %d: verdict = %q, want %q", i+1, got.Verdict, w)
				}
				switch got.Verdict {
				case "same", "update", "different":
				default:
					t.Errorf("line %d: verdict = %q, want same, update or different", i+1, got.Verdict)
				}
				if got.Score < 0 || got.Score > 1 {
					t.Errorf("line %d: score = %v, want it in [0,1]", i+1, got.Score)
				}
				if got.A == got.B && got.Score != 1 {
					t.Errorf("line %d: score of identical headlines = %v, want 1", i+1, got.Score)
				}
				if got.A != tt.wantA[i] || got.B != tt.wantB[i] {
					t.Errorf("line %d: a, b = %q, %q; want %q, %q", i+1, got.A, got.B, tt.wantA[i], tt.wantB[i])
				}
				for _, k := range explainKeys {
					v, ok := raw[k]
					switch {
					case !tt.explain && ok:
						t.Errorf("line %d has %q without --explain: %s", i+1, k, line)
					case tt.explain && !ok:
						t.Errorf("line %d lacks %q with --explain: %s", i+1, k, line)
					case tt.explain:
						var arr []string
						if string(v) == "null" || json.Unmarshal(v, &arr) != nil {
							t.Errorf("line %d: %q = %s, want an array of strings", i+1, k, v)
						}
					}
				}
				if want := 4; !tt.explain && len(raw) != want {
					t.Errorf("line %d has %d keys, want %d: %s", i+1, len(raw), want, line)
				}
			}
		})
	}
}

func TestStoryExplainText(t *testing.T) {
	labels := []string{"  matched: ", "  conflicts: ", "  only A: ", "  only B: "}
	tests := []struct {
		name        string
		input       string
		args        []string
		wantVerdict []string // "" for any
	}{
		{"identical", "", []string{"--explain", storyAr, storyAr}, []string{"same"}},
		{"unrelated, flag after the headlines", "", []string{storyUnrelatedA, storyUnrelatedB, "--explain"}, []string{"different"}},
		{"pairs", storyEn + "\t" + storyEn + "\n" + storyAr + "\t" + storyEn + "\n", []string{"--explain"}, []string{"same", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			per := 1 + len(labels)
			lines := storyLines(t, tt.input, per*len(tt.wantVerdict), tt.args...)
			for i, wv := range tt.wantVerdict {
				got := parseStoryLine(t, lines[i*per])
				if wv != "" && got.verdict != wv {
					t.Errorf("pair %d: verdict = %q, want %q", i+1, got.verdict, wv)
				}
				for j, label := range labels {
					l := lines[i*per+1+j]
					if !strings.HasPrefix(l, label) || len(l) == len(label) {
						t.Errorf("pair %d, explanation line %d = %q, want %q followed by a list or none", i+1, j+1, l, label)
					}
					if strings.Contains(l, "\t") {
						t.Errorf("pair %d, explanation line %d = %q has a TAB", i+1, j+1, l)
					}
				}
				if wv == "same" && got.a == got.b {
					if l := lines[i*per+2]; l != "  conflicts: none" {
						t.Errorf("pair %d: %q, want %q for identical headlines", i+1, l, "  conflicts: none")
					}
				}
			}
		})
	}
}

func TestStoryUsageAndErrors(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"help", []string{"-h"}, 0, "Usage: aajil story"},
		{"help shows arabic example", []string{"-h"}, 0, "'مقتل 3 في غارة إسرائيلية على دمشق'"},
		{"help shows english example", []string{"--help"}, 0, "'Israeli strike on Damascus kills 3'"},
		{"help shows pairs file example", []string{"-h"}, 0, "aajil story < pairs.tsv"},
		{"help lists flags", []string{"-h"}, 0, "-explain"},
		{"one headline", []string{storyEn}, 2, "want two headlines"},
		{"one headline and a flag", []string{"--json", storyEn}, 2, "got 1"},
		{"three headlines", []string{storyEn, storyEn, storyEn}, 2, "got 3"},
		{"three headlines after --", []string{"--", "-a", "b", "c"}, 2, "got 3"},
		{"unknown flag", []string{"--frobnicate", storyEn, storyEn}, 2, "flag provided but not defined: -frobnicate"},
		{"unknown flag after the headlines", []string{storyEn, storyEn, "-v"}, 2, "flag provided but not defined: -v"},
		{"headline that looks like a flag", []string{"-مقتل", storyAr}, 2, "flag provided but not defined"},
		{"bad flag value", []string{"--json=maybe"}, 2, "invalid boolean value"},
		{"empty headline", []string{storyEn, " "}, 2, "headline B is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runStory(t, storyEn+"\t"+storyEn+"\n", tt.args...)
			wantExit(t, code, errOut, tt.wantCode, tt.wantErr)
			if out != "" {
				t.Errorf("stdout = %q, want nothing", out)
			}
		})
	}
}

func TestStoryListedInUsage(t *testing.T) {
	code, out, _ := runCLI(t, nil, "-h")
	if code != 0 || !strings.Contains(out, "\n  story ") {
		t.Errorf("aajil -h: exit %d, output lacks the story command:\n%s", code, out)
	}
}
