package feeds

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// TelegramHost is the host of Telegram's public channel previews.
const TelegramHost = "t.me"

// ErrNoPreview is the error of a kind telegram source whose channel shows
// no public preview: t.me sends /s/NAME on to /NAME, a page that only
// offers to open the channel in the app. Private channels, groups, bots
// and names that do not exist all look like this.
var ErrNoPreview = errors.New("this channel has no public preview")

// ErrChannelName is wrapped by TelegramChannelURL for a channel name that
// breaks Telegram's rules.
var ErrChannelName = errors.New("a Telegram channel name is 5 to 32 letters, digits or underscores, starting with a letter")

// isTelegramHost reports whether a URL host is one whose URLs are
// Telegram channel references.
func isTelegramHost(host string) bool {
	switch strings.TrimSuffix(strings.ToLower(host), ".") {
	case "t.me", "www.t.me", "telegram.me", "www.telegram.me":
		return true
	}
	return false
}

// IsTelegramRef reports whether ref is written as a reference to a
// Telegram channel: @NAME, or a URL (with or without a scheme) on t.me or
// telegram.me. A source without a kind whose URL is one is of kind
// telegram (see Source.Normalize).
func IsTelegramRef(ref string) bool {
	ref = strings.TrimSpace(ref)
	if strings.HasPrefix(ref, "@") {
		return true
	}
	u, err := url.Parse(withScheme(ref))
	return err == nil && isTelegramHost(u.Hostname())
}

// TelegramChannelURL returns the preview URL of a Telegram channel,
// https://t.me/s/NAME, from any of the ways it is written: @NAME, t.me/NAME,
// https://t.me/NAME, https://t.me/s/NAME (telegram.me as well, a query or
// fragment dropped). Another host is kept, with its path made /s/NAME the
// same way (a mirror of the preview, or a test server). The channel name
// must follow Telegram's rules (ErrChannelName).
func TelegramChannelURL(ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	if name, ok := strings.CutPrefix(ref, "@"); ok {
		if err := checkChannelName(name); err != nil {
			return "", err
		}
		return "https://" + TelegramHost + "/s/" + name, nil
	}
	u, err := url.Parse(withScheme(ref))
	if err != nil || u.Host == "" {
		return "", errors.New("is neither @NAME nor a t.me link")
	}
	name, err := channelFromPath(u.Path)
	if err != nil {
		return "", err
	}
	out := url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/s/" + name}
	if isTelegramHost(u.Hostname()) {
		out.Scheme, out.Host = "https", TelegramHost
	}
	return out.String(), nil
}

// TelegramChannel returns the channel name of a preview URL such as
// https://t.me/s/NAME.
func TelegramChannel(previewURL string) (string, error) {
	u, err := url.Parse(previewURL)
	if err != nil {
		return "", errors.New("is not a valid URL")
	}
	rest, ok := strings.CutPrefix(u.Path, "/s/")
	if !ok {
		return "", fmt.Errorf("is not a channel preview (https://%s/s/NAME)", TelegramHost)
	}
	if err := checkChannelName(rest); err != nil {
		return "", err
	}
	return rest, nil
}

// channelFromPath reads the channel name of a t.me path: /NAME or /s/NAME,
// with at most a trailing slash.
func channelFromPath(p string) (string, error) {
	p = strings.TrimSuffix(strings.TrimPrefix(p, "/"), "/")
	p = strings.TrimPrefix(p, "s/")
	if p == "" || strings.Contains(p, "/") {
		return "", fmt.Errorf("is not a channel link (https://%s/NAME)", TelegramHost)
	}
	if err := checkChannelName(p); err != nil {
		return "", err
	}
	return p, nil
}

// checkChannelName applies Telegram's rules for public usernames.
func checkChannelName(name string) error {
	if len(name) < 5 || len(name) > 32 || !isASCIILetter(name[0]) {
		return fmt.Errorf("channel %q: %w", name, ErrChannelName)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !isASCIILetter(c) && !isDigit(c) && c != '_' {
			return fmt.Errorf("channel %q: %w", name, ErrChannelName)
		}
	}
	return nil
}

func isASCIILetter(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

// withScheme adds https:// to a reference written without a scheme
// ("t.me/NAME"), so that url.Parse sees its host.
func withScheme(ref string) string {
	if strings.Contains(ref, "://") {
		return ref
	}
	return "https://" + ref
}

// checkTelegramURL is the url check of a kind telegram source: a channel
// preview URL, with the most precise reason when it is not one.
func checkTelegramURL(raw string) error {
	if _, err := TelegramChannelURL(raw); err != nil {
		return err
	}
	if _, err := TelegramChannel(raw); err != nil {
		return err
	}
	return checkURL(raw)
}

// telegramID is the id of a telegram source without a name: "tg-" and
// the channel name as a slug.
func telegramID(previewURL string) string {
	name, err := TelegramChannel(previewURL)
	if err != nil {
		return ""
	}
	return slug("tg-" + name)
}
