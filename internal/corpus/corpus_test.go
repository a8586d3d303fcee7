package corpus

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// writeFile writes content to a file of a fresh folder and returns its
// absolute path.
func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "corpus.tsv")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadLabels(t *testing.T) {
	tests := map[string]struct {
		content string
		want    []Label
		wantErr string // a part of the error; "" for none
	}{
		"lines, comments and blanks": {
			content: "# header\n\nurgent\tsrc.rss\tعاجل: نص\tعاجل\tنص\nnot\tsrc.rss\tMarkets steady\t\t\n",
			want: []Label{
				{Line: 3, Urgent: true, Source: "src.rss", Title: "عاجل: نص", Marker: "عاجل", Rest: "نص"},
				{Line: 4, Source: "src.rss", Title: "Markets steady"},
			},
		},
		"no final newline": {
			content: "not\ts\tt\t\t",
			want:    []Label{{Line: 1, Source: "s", Title: "t"}},
		},
		"empty": {content: ""},
		"too few fields": {
			content: "# c\nnot\ts\tt\t\n",
			wantErr: ":2: 4 fields, want 5",
		},
		"unknown verdict": {
			content: "maybe\ts\tt\t\t\n",
			wantErr: `:1: label "maybe", want urgent or not`,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := ReadLabels(writeFile(t, tt.content))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ReadLabels() error = %v; want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ReadLabels() error = %v", err)
			}
			if len(got) != len(tt.want) || len(got) > 0 && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ReadLabels() =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestReadTSV(t *testing.T) {
	path := writeFile(t, "a\tb\n#c\td\n\ne\n")
	got, err := ReadTSV(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []Row{{Line: 1, Fields: []string{"a", "b"}}, {Line: 4, Fields: []string{"e"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ReadTSV(any columns) = %+v; want %+v", got, want)
	}
	if _, err := ReadTSV(path, 2); err == nil || !strings.Contains(err.Error(), ":4: 1 fields, want 2") {
		t.Errorf("ReadTSV(2 columns) error = %v; want line 4 named", err)
	}
}

func TestReadHeadlines(t *testing.T) {
	path := writeFile(t, "One\thttps://a/1\n#MeToo, a year on\thttps://a/2\textra\n\n\tno title\nBare title\n")
	got, err := ReadHeadlines(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []Headline{
		{Title: "One", Link: "https://a/1"},
		{Title: "#MeToo, a year on", Link: "https://a/2"},
		{Title: "Bare title"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ReadHeadlines() =\n%+v\nwant\n%+v", got, want)
	}
	titles, err := Titles(path)
	if err != nil {
		t.Fatal(err)
	}
	if wantTitles := []string{"One", "#MeToo, a year on", "Bare title"}; !reflect.DeepEqual(titles, wantTitles) {
		t.Errorf("Titles() = %q; want %q", titles, wantTitles)
	}
}

func TestMissingFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none.tsv")
	if _, err := ReadLabels(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadLabels(missing) error = %v; want a not-exist error", err)
	}
	if _, err := Titles(missing); err == nil {
		t.Error("Titles(missing) = nil error; want one")
	}
}

// TestProjectCorpora reads the project's corpora by their names from
// the module's root, as the tests of other packages do.
func TestProjectCorpora(t *testing.T) {
	tests := map[string]struct {
		read func() (int, error)
		want int
	}{
		Labels:           {func() (int, error) { l, err := ReadLabels(Labels); return len(l), err }, 156},
		AlJazeeraEnglish: {func() (int, error) { h, err := Titles(AlJazeeraEnglish); return len(h), err }, 19813},
		Reuters:          {func() (int, error) { h, err := ReadHeadlines(Reuters); return len(h), err }, 394},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := tt.read()
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("read %d lines of %s; want %d", got, name, tt.want)
			}
		})
	}
}
