package store

import (
	"strings"
	"testing"
)

func TestLuaSource(t *testing.T) {
	tests := map[string]struct {
		name    string
		values  []string
		wantErr string
		want    []string // parts the source must contain, in order
	}{
		"plain":                 {name: "lease_release", want: []string{"redis.call('DEL', KEYS[1])"}},
		"fragments first":       {name: "story_create", want: []string{"local function now_ms()", "local function rec(", "-- story_create:"}},
		"a value filled in":     {name: "enqueue", values: []string{"PER", "23"}, want: []string{"local per = 23\n"}},
		"a missing file":        {name: "nothing", wantErr: "lua script nothing"},
		"a value left unfilled": {name: "enqueue", wantErr: "no value for {{PER}}"},
		"values not in pairs":   {name: "enqueue", values: []string{"PER"}, wantErr: "not in pairs"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := luaSource(tc.name, tc.values...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("luaSource(%q) error = %v, want one containing %q", tc.name, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("luaSource(%q): %v", tc.name, err)
			}
			rest := got
			for _, part := range tc.want {
				i := strings.Index(rest, part)
				if i < 0 {
					t.Fatalf("luaSource(%q) lacks %q (in order):\n%s", tc.name, part, got)
				}
				rest = rest[i+len(part):]
			}
		})
	}
}

// TestDeliveryFields keeps the enqueue script's stride in step with the
// fields a delivery is written as.
func TestDeliveryFields(t *testing.T) {
	if got := len(deliveryArgs(Delivery{})); got != deliveryFields {
		t.Errorf("len(deliveryArgs) = %d, want deliveryFields = %d", got, deliveryFields)
	}
}
