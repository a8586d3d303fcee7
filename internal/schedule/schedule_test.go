package schedule

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    Schedule
		wantErr bool
	}{
		{in: "", want: Schedule{}},
		{in: "hourly", want: Hourly},
		{in: "daily 08:00", want: Daily(8, 0)},
		{in: "daily 23:59", want: Daily(23, 59)},
		{in: "daily 24:00", wantErr: true},
		{in: "daily 8:5", wantErr: true},
		{in: "weekly", wantErr: true},
	}
	for _, tc := range tests {
		got, err := Parse(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
		if err == nil && got.String() != tc.in {
			t.Errorf("Parse(%q).String() = %q", tc.in, got.String())
		}
	}
}

func TestParseClock(t *testing.T) {
	tests := []struct {
		in     string
		h, m   int
		wantOK bool
	}{
		{"08:00", 8, 0, true}, {"8", 8, 0, true}, {"٠٨:٣٠", 8, 30, true}, {"21:15", 21, 15, true},
		{"25:00", 0, 0, false}, {"8:60", 0, 0, false}, {"x", 0, 0, false}, {"", 0, 0, false}, {"123", 0, 0, false},
	}
	for _, tc := range tests {
		h, m, err := ParseClock(tc.in)
		if (err == nil) != tc.wantOK || h != tc.h || m != tc.m {
			t.Errorf("ParseClock(%q) = %d, %d, %v; want %d, %d, ok %v", tc.in, h, m, err, tc.h, tc.m, tc.wantOK)
		}
	}
}

func TestNext(t *testing.T) {
	damascus := time.FixedZone("Damascus", 3*3600)
	kathmandu := time.FixedZone("Kathmandu", 5*3600+45*60)
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name string
		s    Schedule
		now  string
		loc  *time.Location
		want string
	}{
		{"hourly", Hourly, "2026-12-05T13:51:52Z", damascus, "2026-12-05T14:00:00Z"},
		{"hourly on the hour", Hourly, "2026-12-05T14:00:00Z", damascus, "2026-12-05T15:00:00Z"},
		{"hourly, a zone with 45 minutes", Hourly, "2026-12-05T13:51:52Z", kathmandu, "2026-12-05T14:15:00Z"},
		{"daily later today", Daily(20, 0), "2026-12-05T13:00:00Z", damascus, "2026-12-05T17:00:00Z"},
		{"daily tomorrow", Daily(8, 0), "2026-12-05T13:00:00Z", damascus, "2026-12-06T05:00:00Z"},
		{"daily at the time: the next day", Daily(8, 0), "2026-12-06T05:00:00Z", damascus, "2026-12-07T05:00:00Z"},
		{"off", Schedule{}, "2026-12-05T13:00:00Z", damascus, "0001-01-01T00:00:00Z"},
	}
	for _, tc := range tests {
		got := tc.s.Next(at(tc.now), tc.loc)
		if want := at(tc.want); !got.Equal(want) {
			t.Errorf("%s: Next(%s) = %v, want %v", tc.name, tc.now, got.UTC(), want)
		}
	}
}
