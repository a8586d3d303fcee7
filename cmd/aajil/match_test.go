package main

import (
	"bufio"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aajil/aajil/alerts"
	"github.com/aajil/aajil/alerts/match"
	"github.com/aajil/aajil/telegram/tgtext"
)

// labelsTSV holds real Arabic and English headlines (third column).
const labelsTSV = "../../alerts/testdata/urgency_labels.tsv"

// runMatch runs `aajil match args…` through cli with input on standard
// input.
func runMatch(t *testing.T, input string, args ...string) (int, string, string) {
	t.Helper()
	return runCLIInput(t, nil, input, append([]string{"match"}, args...)...)
}

// realHeadlines returns the headlines of urgency_labels.tsv.
func realHeadlines(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(labelsTSV)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Split(line, "\t"); len(f) == 5 && !strings.HasPrefix(line, "#") {
			out = append(out, f[2])
		}
	}
	if len(out) < 100 {
		t.Fatalf("read %d headlines from %s, want over 100", len(out), labelsTSV)
	}
	return out
}

func TestMatchUsageAndErrors(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"help", []string{"-h"}, 0, "Usage: aajil match"},
		{"help shows arabic example", []string{"-h"}, 0, "'«وقف إطلاق النار»'"},
		{"help shows english example", []string{"--help"}, 0, `'"West Bank" -football'`},
		{"no rule", nil, 2, "at least one RULE"},
		{"only a flag", []string{"--json"}, 2, "at least one RULE"},
		{"unknown flag", []string{"--frobnicate", "Gaza"}, 2, "flag provided but not defined"},
		{"rule that looks like a flag", []string{"-مباراة"}, 2, "flag provided but not defined"},
		{"unbalanced quote", []string{"Gaza", `"ريف حمص`}, 2, `rule ` + tgtext.FSI + `"\"ريف حمص"` + tgtext.PDI + `: rule has an unbalanced quote at character 1`},
		{"empty rule", []string{"Gaza", " "}, 2, `rule " ": rule is empty`},
		{"only vetoes", []string{"--", "-Gaza"}, 2, "only excluded terms"},
		{"punctuation term", []string{"حمص !!!"}, 2, `term "!!!" at character 5 has no letters or digits`},
		{"too long", []string{strings.Repeat("Gaza ", 41)}, 2, "longer than 200 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runMatch(t, "Gaza\n", tt.args...)
			wantExit(t, code, errOut, tt.wantCode, tt.wantErr)
			if out != "" {
				t.Errorf("stdout = %q, want nothing", out)
			}
		})
	}
}

func TestMatchText(t *testing.T) {
	tests := []struct {
		name  string
		input string
		rules []string
		want  string
	}{
		{
			name:  "arabic headline and rules isolated",
			input: "قصف بريف حمص الشمالي\nنشرة الطقس\n",
			rules: []string{`"ريف حمص"`, "حمص -قصف", "Homs"},
			want:  lrm + tgtext.FSI + "قصف بريف حمص الشمالي" + tgtext.PDI + "\n" + lrm + "    ↳ " + tgtext.FSI + `"ريف حمص"` + tgtext.PDI + "\n",
		},
		{
			name:  "english headline, rules in the order given",
			input: "Israel attacks Syria’s Homs, wounds five soldiers: Ministry\n",
			rules: []string{"Syria", "HOMS", "Idlib"},
			want:  lrm + "Israel attacks Syria’s Homs, wounds five soldiers: Ministry\n" + lrm + "    ↳ Syria\n" + lrm + "    ↳ HOMS\n",
		},
		{
			name:  "BOM, CRLF and no final newline",
			input: "\ufeffGaza City\r\nWest Bank\r\nGaza’s truce",
			rules: []string{"Gaza"},
			want:  lrm + "Gaza City\n" + lrm + "    ↳ Gaza\n" + lrm + "Gaza’s truce\n" + lrm + "    ↳ Gaza\n",
		},
		{
			name:  "BOM only removed from the first line",
			input: "x\n\ufeffGaza\n",
			rules: []string{"Gaza"},
			want:  lrm + "\ufeffGaza\n" + lrm + "    ↳ Gaza\n",
		},
		{
			name:  "veto after --",
			input: "Gaza football final\nGaza truce\n",
			rules: []string{"--", "-football Gaza"},
			want:  lrm + "Gaza truce\n" + lrm + "    ↳ -football Gaza\n",
		},
		{name: "empty input", input: "", rules: []string{"Gaza"}, want: ""},
		{name: "blank lines", input: "\n\r\n\n", rules: []string{"Gaza"}, want: ""},
		{name: "nothing matches", input: "West Bank\n", rules: []string{"Gaza"}, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runMatch(t, tt.input, tt.rules...)
			if code != 0 {
				t.Fatalf("exit code %d, stderr %q", code, errOut)
			}
			if out != tt.want {
				t.Errorf("stdout =\n%q\nwant\n%q", out, tt.want)
			}
		})
	}
}

// TestMatchLongLine feeds a line far longer than bufio.Scanner's default
// limit, with the matching word at its end.
func TestMatchLongLine(t *testing.T) {
	long := strings.Repeat("كلام ", 300_000) + "بحمص"
	code, out, errOut := runMatch(t, "قبل\n"+long+"\nبعد حمص\n", "--json", "حمص")
	if code != 0 {
		t.Fatalf("exit code %d, stderr %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d output lines, want 2", len(lines))
	}
	var first matchLine
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if first.Line != 2 || first.Text != long {
		t.Errorf("first match: line %d, text of %d bytes; want line 2, %d bytes", first.Line, len(first.Text), len(long))
	}
}

// TestMatchJSONRealHeadlines runs the real headlines through the command
// and checks each output line against the reference matcher.
func TestMatchJSONRealHeadlines(t *testing.T) {
	headlines := realHeadlines(t)
	ruleTexts := []string{"لبنان", "إيران -النفط", `"ريف دمشق"`, "سانا", "الجيش", "Gaza", `"breaking news"`}
	var rules []match.Rule
	for _, s := range ruleTexts {
		r, err := match.ParseRule(s)
		if err != nil {
			t.Fatal(err)
		}
		rules = append(rules, r)
	}
	var want []matchLine
	for i, h := range headlines {
		var matched []string
		for _, r := range rules {
			if r.Matches(alerts.Normalize(h)) {
				matched = append(matched, r.Text)
			}
		}
		if matched != nil {
			want = append(want, matchLine{Line: i + 1, Text: h, Rules: matched})
		}
	}
	if len(want) < 10 {
		t.Fatalf("only %d headlines match the rules: the test checks too little", len(want))
	}

	code, out, errOut := runMatch(t, strings.Join(headlines, "\n")+"\n", append([]string{"--json"}, ruleTexts...)...)
	if code != 0 {
		t.Fatalf("exit code %d, stderr %q", code, errOut)
	}
	var got []matchLine
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var m matchLine
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q is not JSON: %v", sc.Text(), err)
		}
		got = append(got, m)
	}
	if !slices.EqualFunc(got, want, func(a, b matchLine) bool {
		return a.Line == b.Line && a.Text == b.Text && slices.Equal(a.Rules, b.Rules)
	}) {
		t.Errorf("got %d matched lines, want %d:\ngot  %+v\nwant %+v", len(got), len(want), got, want)
	}
	if strings.Contains(out, `\u003c`) || strings.Contains(out, `\u0026`) {
		t.Errorf("JSON output escapes HTML characters: %q", out)
	}
}
