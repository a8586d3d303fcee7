// Package schedule is a chat's digest schedule: hourly, or daily at a
// time of day, in the form store.Subscriber.Digest keeps it ("hourly",
// "daily 08:00"), and the next time it is due in a time zone. Package
// bot writes it, package delivery reads it.
package schedule

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Schedule is a digest schedule; the zero Schedule is off.
type Schedule struct {
	// Daily: once a day at Hour:Minute; otherwise, when not zero, every
	// hour on the hour.
	Daily        bool
	Hour, Minute int
	hourly       bool
}

// Hourly is the hourly schedule.
var Hourly = Schedule{hourly: true}

// Daily is the schedule of once a day at hour:minute.
func Daily(hour, minute int) Schedule { return Schedule{Daily: true, Hour: hour, Minute: minute} }

// Off reports whether s is no schedule.
func (s Schedule) Off() bool { return !s.Daily && !s.hourly }

// String is the stored form: "hourly", "daily HH:MM", or "" when off.
func (s Schedule) String() string {
	switch {
	case s.Daily:
		return fmt.Sprintf("daily %02d:%02d", s.Hour, s.Minute)
	case s.hourly:
		return "hourly"
	}
	return ""
}

// Parse reads the stored form (String); "" is off.
func Parse(v string) (Schedule, error) {
	switch v = strings.TrimSpace(v); {
	case v == "":
		return Schedule{}, nil
	case v == "hourly":
		return Hourly, nil
	}
	if rest, ok := strings.CutPrefix(v, "daily "); ok {
		h, m, err := ParseClock(rest)
		if err != nil {
			return Schedule{}, err
		}
		return Daily(h, m), nil
	}
	return Schedule{}, fmt.Errorf("digest schedule %q: want hourly or daily HH:MM", v)
}

// ParseClock reads a time of day, "8", "08:00" or "8:30", in 24 hours.
// Arabic-Indic digits are read too.
func ParseClock(s string) (hour, minute int, err error) {
	s = westernDigits(strings.TrimSpace(s))
	hs, ms, hasMin := strings.Cut(s, ":")
	if !hasMin {
		ms = "0"
	}
	h, err1 := strconv.Atoi(hs)
	m, err2 := strconv.Atoi(ms)
	if err1 != nil || err2 != nil || len(hs) > 2 || len(ms) > 2 || h < 0 || h > 23 || m < 0 || m > 59 || (hasMin && len(ms) != 2) {
		return 0, 0, fmt.Errorf("time of day %q: want HH:MM", s)
	}
	return h, m, nil
}

// westernDigits replaces Arabic-Indic and Eastern Arabic-Indic digits
// with 0-9.
func westernDigits(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '٠' && r <= '٩':
			return '0' + (r - '٠')
		case r >= '۰' && r <= '۹':
			return '0' + (r - '۰')
		}
		return r
	}, s)
}

// Next is when the digest is next due strictly after now, in loc (UTC
// when nil): the next full hour, or the next Hour:Minute. Off gives the
// zero time.
func (s Schedule) Next(now time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	t := now.In(loc)
	switch {
	case s.Daily:
		at := time.Date(t.Year(), t.Month(), t.Day(), s.Hour, s.Minute, 0, 0, loc)
		if !at.After(now) {
			at = time.Date(t.Year(), t.Month(), t.Day()+1, s.Hour, s.Minute, 0, 0, loc)
		}
		return at
	case s.hourly:
		return now.Truncate(time.Minute).Add(-time.Duration(t.Minute()) * time.Minute).Add(time.Hour)
	}
	return time.Time{}
}
