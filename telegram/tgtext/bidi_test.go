package tgtext

import "testing"

func TestIsolate(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"latin", "BBC", "\u2068BBC\u2069"},
		{"stray pdi removed", "a\u2069b", "\u2068ab\u2069"},
		{"override removed", "\u202eabc", "\u2068abc\u2069"},
		{"marks kept", "\u200fحمص", "\u2068\u200fحمص\u2069"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Isolate(tt.in); got != tt.want {
				t.Errorf("Isolate(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestHasRTL(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"", false},
		{"BBC 24", false},
		{"حمص", true},
		{"שלום", true},
		{"a ܐ", true},    // Syriac
		{"٣", false},     // an Arabic-Indic digit is no letter
		{"\u200f", true}, // RLM is a right-to-left character too
	}
	for _, tt := range tests {
		if got := HasRTL(tt.in); got != tt.want {
			t.Errorf("HasRTL(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}

func TestStripBidiControls(t *testing.T) {
	tests := []struct{ in, want string }{
		{"abc", "abc"},
		{"a\u202ab\u202ec\u2066d\u2069", "abcd"},
		{"\u200e\u200f\u061c", "\u200e\u200f\u061c"},
	}
	for _, tt := range tests {
		if got := StripBidiControls(tt.in); got != tt.want {
			t.Errorf("StripBidiControls(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
