package textclean_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/internal/textclean"
	"github.com/aajil/aajil/telegram/tgtext"
)

func dropZWJ(r rune) bool { return r == '\u200d' }

func TestLine(t *testing.T) {
	tests := map[string]struct {
		in, want string
	}{
		"empty":                   {"", ""},
		"clean":                   {"a b", "a b"},
		"only spaces":             {" \u00a0\n\t ", ""},
		"ends trimmed":            {"  a b  ", "a b"},
		"runs collapsed":          {"a \t\r\n\u00a0\u2028\u3000b", "a b"},
		"NEL is space":            {"a\u0085b", "a b"},
		"controls removed":        {"a\x00b\x1bc\x7fd\u0080e", "abcde"},
		"control keeps no space":  {"a \x00 b", "a b"},
		"dropped rune":            {"a\u200db \u200d c", "ab c"},
		"other format kept":       {"a\u200cb\u200e", "a\u200cb\u200e"},
		"invalid UTF-8":           {"a\xff\xfeb \xe2\x80", "a\uFFFDb \uFFFD"},
		"U+FFFD kept":             {"a\uFFFDb", "a\uFFFDb"},
		"invalid in clean ASCII":  {"ab\xff", "ab\uFFFD"},
		"dropped at the end only": {"a \u200d", "a"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := textclean.Line(tc.in, dropZWJ); got != tc.want {
				t.Errorf("Line(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestLineReturnsCleanTextItself(t *testing.T) {
	in := "عاجل | غارات على جنوب لبنان"
	if got := testing.AllocsPerRun(10, func() { _ = textclean.Line(in, dropZWJ) }); got != 0 {
		t.Errorf("Line of a clean line: got %v allocations, want 0", got)
	}
}

// TestCallersGolden holds the two users of Line to what they returned
// before they shared it: testdata/callers.golden.
func TestCallersGolden(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "callers.golden"))
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		var col [3]string
		fields := strings.Split(line, "\t")
		for j := range col {
			if len(fields) != len(col) {
				break
			}
			col[j], err = strconv.Unquote(fields[j])
			if err != nil {
				break
			}
		}
		if len(fields) != len(col) || err != nil {
			t.Fatalf("callers.golden:%d: want three quoted strings, got %q", i+1, line)
		}
		if got := feeds.CleanText(col[0]); got != col[1] {
			t.Errorf("feeds.CleanText(%q):\n got %q\nwant %q", col[0], got, col[1])
		}
		if got := tgtext.CleanLine(col[0]); got != col[2] {
			t.Errorf("tgtext.CleanLine(%q):\n got %q\nwant %q", col[0], got, col[2])
		}
	}
}

func FuzzLine(f *testing.F) {
	f.Add("a\u200d b\u00a0\u0085c\xff\xfe d\uFFFD")
	f.Add(" عاجل  |\tغارات ")
	f.Fuzz(func(t *testing.T, in string) {
		out := textclean.Line(in, dropZWJ)
		if again := textclean.Line(out, dropZWJ); again != out {
			t.Fatalf("not idempotent: %q → %q → %q", in, out, again)
		}
		// Removing, then splitting at white space, is Line the long way.
		want := strings.Join(strings.Fields(strings.Map(func(r rune) rune {
			if dropZWJ(r) || unicode.IsControl(r) && !unicode.IsSpace(r) {
				return -1
			}
			return r
		}, strings.ToValidUTF8(in, "\uFFFD"))), " ")
		if out != want {
			t.Fatalf("Line(%q) = %q, want %q", in, out, want)
		}
	})
}
