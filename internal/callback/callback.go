// Package callback is the callback data of the buttons under alerts,
// which package delivery draws and package bot answers: one format, in
// one place, within Telegram's 64 bytes.
package callback

import (
	"hash/fnv"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxData is the most bytes of callback data Telegram accepts.
const MaxData = 64

// Action is what an alert's button does.
type Action byte

// The actions of an alert's buttons. Every one but Why acts on the
// source named by the button (its SourceKey).
const (
	// MuteAsk asks to confirm muting the alert's source.
	MuteAsk Action = 'm'
	// MuteConfirm mutes it: the source leaves the chat's sources.
	MuteConfirm Action = 'M'
	// MuteCancel puts the alert's buttons back.
	MuteCancel Action = 'c'
	// Unmute undoes a mute.
	Unmute Action = 'u'
	// Why explains the alert: its argument is the story id.
	Why Action = 'w'
)

// prefix starts every alert button's data; the bot's other buttons use
// other prefixes ("clr:", "src:", "ch:", …).
const prefix = "a"

// Alert is the data of one alert button.
type Alert struct {
	Action Action
	// Arg is a SourceKey, or a story id for Why.
	Arg string
}

// Data is the button's callback data: "a", the action, ":", the
// argument. ParseAlert reads it back.
func (a Alert) Data() string { return prefix + string(rune(a.Action)) + ":" + a.Arg }

// maxArg is the longest argument that keeps Data within MaxData.
const maxArg = MaxData - len(prefix) - 2

// ParseAlert reads the data of an alert button; ok is false for anything
// else (another button's data, or data not made by Data).
func ParseAlert(data string) (Alert, bool) {
	rest, ok := strings.CutPrefix(data, prefix)
	if !ok || len(rest) < 3 || rest[1] != ':' {
		return Alert{}, false
	}
	a := Alert{Action: Action(rest[0]), Arg: rest[2:]}
	switch a.Action {
	case MuteAsk, MuteConfirm, MuteCancel, Unmute, Why:
	default:
		return Alert{}, false
	}
	if len(a.Arg) > maxArg || !utf8.ValidString(a.Arg) || strings.ContainsFunc(a.Arg, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return Alert{}, false
	}
	return a, true
}

// SourceKey is how a button names a source: its id, or "#" and a hash of
// it when the id is longer than 40 bytes.
func SourceKey(id string) string {
	if len(id) <= 40 {
		return id
	}
	h := fnv.New64a()
	h.Write([]byte(id))
	return "#" + strconv.FormatUint(h.Sum64(), 36)
}
