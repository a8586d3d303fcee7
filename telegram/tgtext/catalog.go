package tgtext

import (
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"
)

// Lang is the language of a message.
type Lang string

// The languages of the project's messages.
const (
	LangAR Lang = "ar"
	LangEN Lang = "en"
)

// MsgID names a message of a catalogue.
type MsgID string

// HTML is an argument to Catalog.T that is already Telegram HTML, such as
// a line rendered by T itself: it is inserted as is, neither escaped nor
// isolated.
type HTML string

// MaxArgRunes is the most characters of a text argument that a message
// shows; longer text (a 4,000-character "rule") is cut with an ellipsis
// so that the message stays within Telegram's limit.
const MaxArgRunes = 300

// Catalog holds a set of messages in several languages. Templates hold
// {0}, {1}… placeholders for arguments. A Catalog is immutable and safe
// for concurrent use.
type Catalog struct {
	msgs map[Lang]map[MsgID]string
	def  Lang
	rtl  map[Lang]bool
	dur  func(Lang, time.Duration) string
}

// CatalogOption configures a Catalog.
type CatalogOption func(*Catalog)

// RightToLeft marks languages written right to left: in their messages
// every argument is put in a bidi isolate, while in the others only the
// arguments holding right-to-left letters are.
func RightToLeft(langs ...Lang) CatalogOption {
	return func(c *Catalog) {
		for _, l := range langs {
			c.rtl[l] = true
		}
	}
}

// DurationFormat sets how a time.Duration argument is written in each
// language; without it, as time.Duration.String does.
func DurationFormat(f func(Lang, time.Duration) string) CatalogOption {
	return func(c *Catalog) { c.dur = f }
}

// NewCatalog returns a catalogue of msgs, the templates of each language.
// def is the language used for any language msgs lacks, and the reference
// for NumArgs. The maps are kept, not copied: the caller must not change
// them afterwards.
func NewCatalog(def Lang, msgs map[Lang]map[MsgID]string, opts ...CatalogOption) *Catalog {
	c := &Catalog{msgs: msgs, def: def, rtl: map[Lang]bool{}}
	for _, o := range opts {
		o(c)
	}
	return c
}

// RightToLeft reports whether lang is marked right to left.
func (c *Catalog) RightToLeft(lang Lang) bool { return c.rtl[lang] }

// Messages returns the templates of lang: the default language's for a
// language the catalogue lacks. The map must not be changed.
func (c *Catalog) Messages(lang Lang) map[MsgID]string {
	if m, ok := c.msgs[lang]; ok {
		return m
	}
	return c.msgs[c.def]
}

// Lookup returns the template of id in lang, as written.
func (c *Catalog) Lookup(lang Lang, id MsgID) (string, bool) {
	tmpl, ok := c.Messages(lang)[id]
	return tmpl, ok
}

// T renders message id in lang as Telegram HTML. Every argument is made
// safe: strings (and errors and other values) have their control
// characters and bidi controls removed, are cut to MaxArgRunes and
// HTML-escaped; HTML values go in as they are; numbers are written in
// ASCII digits; time.Duration is written as DurationFormat says and
// time.Time as "2006-01-02 15:04 MST". In a right-to-left language every
// argument except HTML is put in a bidi isolate, and in the others every
// argument holding right-to-left letters is.
//
// Like fmt, T does not fail: a missing argument renders as
// "%!{n}(MISSING)", extra ones are appended as "%!(EXTRA …)", and an
// unknown id renders as "%!(NOMSG id)". Tests check the catalogues so
// that none of these reaches a user; see NumArgs.
func (c *Catalog) T(lang Lang, id MsgID, args ...any) string {
	return c.render(lang, id, true, args)
}

// Plain renders id like T but as plain text, for inline-keyboard button
// labels and callback answers, which Telegram does not parse as HTML:
// nothing is escaped. Arguments are still cleaned, cut and isolated.
func (c *Catalog) Plain(lang Lang, id MsgID, args ...any) string {
	return c.render(lang, id, false, args)
}

// NumArgs returns how many arguments message id takes in the default
// language (a test holds the others to it), or -1 for an unknown id.
func (c *Catalog) NumArgs(id MsgID) int {
	tmpl, ok := c.msgs[c.def][id]
	if !ok {
		return -1
	}
	n := 0
	ForEachPlaceholder(tmpl, func(_ string, i int) {
		n = max(n, i+1)
	})
	return n
}

// ForEachPlaceholder calls fn with the text before each {n} placeholder
// of tmpl and n, in order, then with the text after the last one and
// n = -1. A brace that starts no placeholder (of up to two digits) is
// text.
func ForEachPlaceholder(tmpl string, fn func(text string, n int)) {
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			break
		}
		j := i + 1
		for j < len(tmpl) && tmpl[j] >= '0' && tmpl[j] <= '9' {
			j++
		}
		if j == i+1 || j >= len(tmpl) || tmpl[j] != '}' || j-i > 3 {
			// Not a placeholder: a literal brace.
			fn(tmpl[:i+1], -1)
			tmpl = tmpl[i+1:]
			continue
		}
		n, _ := strconv.Atoi(tmpl[i+1 : j])
		fn(tmpl[:i], n)
		tmpl = tmpl[j+1:]
	}
	fn(tmpl, -1)
}

func (c *Catalog) render(lang Lang, id MsgID, escape bool, args []any) string {
	tmpl, ok := c.Lookup(lang, id)
	if !ok {
		return "%!(NOMSG " + html.EscapeString(string(id)) + ")"
	}
	var b strings.Builder
	used := 0
	ForEachPlaceholder(tmpl, func(text string, n int) {
		b.WriteString(text)
		if n < 0 {
			return
		}
		if n >= len(args) {
			fmt.Fprintf(&b, "%%!{%d}(MISSING)", n)
			return
		}
		used = max(used, n+1)
		b.WriteString(c.FormatArg(lang, args[n], escape))
	})
	if used < len(args) {
		b.WriteString("%!(EXTRA")
		for _, a := range args[used:] {
			b.WriteByte(' ')
			b.WriteString(c.FormatArg(c.def, a, escape))
		}
		b.WriteByte(')')
	}
	return b.String()
}

// FormatArg turns one argument into safe text for a message in lang, as
// T (escape true) or Plain (escape false) inserts it.
func (c *Catalog) FormatArg(lang Lang, a any, escape bool) string {
	if h, ok := a.(HTML); ok {
		return string(h)
	}
	s := c.argString(lang, a)
	// Explicit bidi controls go even where no isolate is added: a stray
	// RLO in user text would reverse the rest of the message.
	s = TruncateRunes(StripBidiControls(StripControls(s)), MaxArgRunes)
	if escape {
		s = html.EscapeString(s)
	}
	if c.rtl[lang] || HasRTL(s) {
		s = Isolate(s)
	}
	return s
}

// argString writes an argument other than HTML as text.
func (c *Catalog) argString(lang Lang, a any) string {
	switch v := a.(type) {
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case uint64:
		return strconv.FormatUint(v, 10)
	case time.Duration:
		if c.dur != nil {
			return c.dur(lang, v)
		}
		return v.String()
	case time.Time:
		return v.Format("2006-01-02 15:04 MST")
	case error:
		return v.Error()
	case fmt.Stringer:
		return v.String()
	}
	return fmt.Sprint(a)
}
