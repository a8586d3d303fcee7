package store

import "time"

// MinutesPerDay is the length of a day in the minutes of Quiet.
const MinutesPerDay = 24 * 60

// Quiet is a chat's quiet hours (/quiet): alerts sent from From up to,
// not including, To are delivered silently (Telegram's
// disable_notification), in the chat's time zone. Both are minutes after
// midnight, 0 to 1439; From > To is a range across midnight (23:00–07:00).
type Quiet struct {
	From int `json:"from"`
	To   int `json:"to"`
	// Urgent: urgent alerts still ring during quiet hours.
	Urgent bool `json:"urgent,omitempty"`
}

// Valid reports whether q is a range the sender can use: both ends within
// a day and not equal (an empty range, or the whole day).
func (q Quiet) Valid() bool {
	return q.From >= 0 && q.From < MinutesPerDay && q.To >= 0 && q.To < MinutesPerDay && q.From != q.To
}

// Contains reports whether the wall clock of t, in loc (UTC when nil),
// is within the quiet hours.
func (q Quiet) Contains(t time.Time, loc *time.Location) bool {
	if !q.Valid() {
		return false
	}
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	m := t.Hour()*60 + t.Minute()
	if q.From < q.To {
		return m >= q.From && m < q.To
	}
	return m >= q.From || m < q.To
}

// Silent reports whether an alert sent at t is to be delivered silently:
// q is set, t is within it, and the alert is not an urgent one that q
// lets ring.
func (q *Quiet) Silent(t time.Time, loc *time.Location, urgent bool) bool {
	if q == nil || urgent && q.Urgent {
		return false
	}
	return q.Contains(t, loc)
}

// ChatLocation is the time zone a subscriber chose with /tz (its TZ, an
// IANA name), or def when it chose none or the name no longer loads.
func ChatLocation(tz string, def *time.Location) *time.Location {
	if tz == "" {
		return def
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return def
	}
	return loc
}
