package feeds

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"golang.org/x/net/idna"
	"golang.org/x/text/encoding/htmlindex"
)

// Limits on source fields.
const (
	MaxSourceBytes = 50 << 20 // the largest max_bytes a source may ask for
	maxIDLen       = 64
)

var (
	idPattern   = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)
	langPattern = regexp.MustCompile(`^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$`)
)

// FieldError is a problem with one field of a source definition.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Msg }

func fieldErr(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Normalize fills the derived defaults of a source in place: an id made
// from the name or host when none is given, and a lowercased kind. A
// Telegram channel (kind telegram, or no kind and a URL such as @NAME or
// t.me/NAME) gets kind telegram and its preview URL, https://t.me/s/NAME
// (see TelegramChannelURL), and when nameless the id tg-NAME.
func (s *Source) Normalize() {
	s.ID = strings.TrimSpace(s.ID)
	s.URL = strings.TrimSpace(s.URL)
	s.Kind = Kind(strings.ToLower(strings.TrimSpace(string(s.Kind))))
	if s.Kind == KindTelegram || (s.Kind == "" && IsTelegramRef(s.URL)) {
		s.Kind = KindTelegram
		if u, err := TelegramChannelURL(s.URL); err == nil {
			s.URL = u
		}
		if s.ID == "" && slug(s.Name) == "" {
			s.ID = telegramID(s.URL)
		}
	}
	if s.ID == "" {
		s.ID = MakeID(s.Name, s.URL)
	}
}

// Validate checks a source definition and returns every problem found,
// each a *FieldError naming the field, joined with errors.Join. Call
// Normalize first.
func (s *Source) Validate() error {
	var errs []error
	add := func(e *FieldError) { errs = append(errs, e) }

	switch {
	case s.ID == "":
		add(fieldErr("id", "id is missing and cannot be made from the name or url"))
	case len(s.ID) > maxIDLen:
		add(fieldErr("id", "id %q is longer than %d characters", s.ID, maxIDLen))
	case !idPattern.MatchString(s.ID):
		add(fieldErr("id", "id %q must be lowercase letters, digits and single dashes ([a-z0-9-]+)", s.ID))
	}

	urlCheck := checkURL
	if s.EffectiveKind() == KindTelegram {
		urlCheck = checkTelegramURL
	}
	if err := urlCheck(s.URL); err != nil {
		add(fieldErr("url", "url %q: %v", s.URL, err))
	}

	switch kind := s.EffectiveKind(); kind {
	case KindRSS, KindTelegram:
		for _, f := range []struct{ name, v string }{{"item", s.Item}, {"text", s.Text}, {"link", s.Link}, {"marker", s.Marker}, {"image", s.Image}} {
			if f.v != "" {
				add(fieldErr(f.name, "%s is only for kind html or json, not %s", f.name, kind))
			}
		}
	case KindHTML, KindJSON:
		if strings.TrimSpace(s.Item) == "" {
			add(fieldErr("item", "kind %s needs an item selector", s.EffectiveKind()))
		} else if err := ValidateSelectors(*s); err != nil {
			field := "item"
			var se *SelectorError
			if errors.As(err, &se) {
				field = se.Field
			}
			add(fieldErr(field, "%v", err))
		}
	default:
		add(fieldErr("kind", "kind %q is not one of rss, html, json, telegram", s.Kind))
	}

	if s.Interval != 0 && s.Interval < MinInterval {
		add(fieldErr("interval", "interval %v is below the %v minimum", s.Interval, MinInterval))
	}
	for _, f := range []struct {
		name string
		v    time.Duration
	}{{"min_interval", s.MinInterval}, {"max_interval", s.MaxInterval}} {
		if f.v != 0 && f.v < MinInterval {
			add(fieldErr(f.name, "%s %v is below the %v minimum", f.name, f.v, MinInterval))
		}
	}
	if s.MinInterval > 0 && s.MaxInterval > 0 && s.MinInterval > s.MaxInterval {
		add(fieldErr("min_interval", "min_interval %v is above max_interval %v", s.MinInterval, s.MaxInterval))
	}
	if s.Interval > 0 && s.MinInterval > s.Interval {
		add(fieldErr("interval", "interval %v is below min_interval %v", s.Interval, s.MinInterval))
	}
	if s.Interval > 0 && s.MaxInterval > 0 && s.Interval > s.MaxInterval {
		add(fieldErr("interval", "interval %v is above max_interval %v", s.Interval, s.MaxInterval))
	}
	if s.MaxBytes < 0 || s.MaxBytes > MaxSourceBytes {
		add(fieldErr("max_bytes", "max_bytes %d is outside 1..%d", s.MaxBytes, MaxSourceBytes))
	}
	if s.Lang != "" && !langPattern.MatchString(s.Lang) {
		add(fieldErr("lang", "lang %q is not a language code such as ar or en", s.Lang))
	}
	if s.Charset != "" {
		if _, err := htmlindex.Get(s.Charset); err != nil {
			add(fieldErr("charset", "charset %q is unknown", s.Charset))
		}
	}
	for i, m := range s.Markers {
		if strings.TrimSpace(m) == "" {
			add(fieldErr("markers", "markers[%d] is empty", i))
		}
	}
	return errors.Join(errs...)
}

func checkURL(raw string) error {
	if raw == "" {
		return errors.New("is missing")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("is not a valid URL")
	}
	if err := checkScheme(u.Scheme); err != nil {
		return err
	}
	if u.Hostname() == "" {
		return errors.New("has no host")
	}
	if u.User != nil {
		return errors.New("must not carry a user name or password")
	}
	return nil
}

// MakeID derives a source id from its name (when it has Latin letters or
// digits) or else from the URL's host: "BBC World" → "bbc-world",
// "https://www.sana.sy/feed" → "sana-sy".
func MakeID(name, rawURL string) string {
	if id := slug(name); id != "" {
		return id
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if a, kind := hostAddr(host); kind == hostAddress && a.Is6() && !a.Is4In6() {
		// "::" and "::1" have no letters or digits to spare: the
		// expanded form gives every address an id.
		return slug(a.WithZone("").StringExpanded())
	}
	host = strings.TrimPrefix(host, "www.")
	if a, err := idna.ToASCII(host); err == nil {
		host = a
	}
	return slug(host)
}

// slug keeps ASCII letters and digits, turning every other run into one
// dash, and trims it to maxIDLen.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	out := b.String()
	if len(out) > maxIDLen {
		out = strings.TrimRight(out[:maxIDLen], "-")
	}
	return out
}
