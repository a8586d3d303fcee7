package feeds

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/aajil/aajil/alerts"
)

// maxHeadlineRunes bounds the headline taken from a Telegram post whose
// first line is a whole paragraph.
const maxHeadlineRunes = 200

// telegramPost is the data-post of a preview message: "NAME/123".
var telegramPost = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{4,31}/[0-9]{1,19}$`)

// redMarkers are the emoji Telegram news channels open an urgent post
// with when they write no word for it ("🔴 الرئيس …", "🚨 …").
var redMarkers = [...]string{"🔴", "🚨"}

// parseTelegram reads the posts of a channel's public web preview
// (https://t.me/s/NAME), oldest first as the page shows them:
//
//   - each .tgme_widget_message[data-post="NAME/123"] is a post; its id
//     and link are https://t.me/NAME/123, the same in every poll;
//   - its text is its .tgme_widget_message_text (a caption for a photo or
//     a video), not the quoted one of a reply, with <br> as a line break;
//     the first line (bounded to maxHeadlineRunes, cut at a sentence or
//     a word) is the headline and the rest the summary; a first line that
//     is only an urgency banner («عاجل») is read with the next one;
//   - forwarded posts are kept, with their own text; service messages
//     (.service_message) and posts without text (a photo, a sticker, a
//     poll) are skipped;
//   - time[datetime] in .tgme_widget_message_date is the date;
//   - a post opening with 🔴 or 🚨 and no banner word is urgent (marker
//     "🔴"), the emoji taken off its headline;
//   - its first photo (.tgme_widget_message_photo_wrap, whose inline
//     style has background-image:url('…')) is its image.
//
// The text is decoded once, here: an item from it is not unescaped again.
// A page that is not a channel's preview is ErrNoPreview when it is t.me's
// page for a channel without one (the preview redirected to /NAME), or
// else an error; a preview without posts has no items.
func parseTelegram(body []byte, baseURL string, det *alerts.Detector, limit int) ([]rawItem, int, error) {
	if u := parseBase(baseURL); u != nil && !strings.HasPrefix(u.Path, "/s/") {
		return nil, 0, fmt.Errorf("%w (%s)", ErrNoPreview, u.Redacted())
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		return nil, 0, fmt.Errorf("read html: %w", err)
	}
	posts := doc.Find(".tgme_widget_message[data-post]")
	if posts.Length() == 0 {
		switch {
		case doc.Find(".tgme_channel_history").Length() > 0:
			return nil, 0, nil
		case doc.Find(".tgme_page, .tgme_page_extra, .tgme_page_action").Length() > 0:
			return nil, 0, ErrNoPreview
		default:
			return nil, 0, errors.New("not a Telegram channel preview (no .tgme_widget_message)")
		}
	}
	keep := newNewest[rawItem](limit)
	page := parseBase(baseURL)
	for _, n := range posts.Nodes {
		if r, ok := telegramItem(n, page, det); ok {
			keep.add(r, r.published)
		}
	}
	raws, omitted := keep.kept()
	return raws, omitted, nil
}

// telegramItem reads one post of a preview; ok is false for a post that
// is not news (a service message, media without a caption).
func telegramItem(post *html.Node, page *url.URL, det *alerts.Detector) (rawItem, bool) {
	if hasClass(post, "service_message") || hasClass(post, "tgme_widget_message_service") {
		return rawItem{}, false
	}
	id, _ := attr(post, "data-post")
	id = strings.TrimSpace(id)
	if !telegramPost.MatchString(id) {
		return rawItem{}, false
	}
	textNode := postText(post)
	if textNode == nil {
		return rawItem{}, false
	}
	text := strings.TrimSpace(telegramText(textNode))
	if text == "" {
		return rawItem{}, false
	}
	link := "https://" + TelegramHost + "/" + id
	r := rawItem{guid: link, link: link, plain: true}
	r.title, r.summary = splitPost(text, det)
	if title, ok := cutRedMarker(r.title, det); ok {
		r.title, r.marker = title, "🔴"
	}
	doc := goquery.NewDocumentFromNode(post)
	for _, n := range doc.Find(".tgme_widget_message_photo_wrap[style]").Nodes {
		style, _ := attr(n, "style")
		if r.image = imageURL(styleImage(style), page); r.image != "" {
			break
		}
	}
	for _, n := range doc.Find(".tgme_widget_message_date time[datetime]").Nodes {
		dt, _ := attr(n, "datetime")
		if t, ok := parseLooseDate(dt); ok {
			r.published = t
			break
		}
	}
	return r, true
}

// postText returns the element holding a post's own text or caption: the
// first .tgme_widget_message_text not inside a quoted reply, nil if none.
func postText(post *html.Node) *html.Node {
	var found *html.Node
	var walk func(n *html.Node) bool
	walk = func(n *html.Node) bool {
		if n.Type == html.ElementNode {
			if hasClass(n, "tgme_widget_message_reply") {
				return false
			}
			if hasClass(n, "tgme_widget_message_text") {
				found = n
				return true
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if walk(c) {
				return true
			}
		}
		return false
	}
	walk(post)
	return found
}

// telegramText returns the text of a post: its text nodes (entities
// already decoded by the HTML parser), with a line break for each <br>
// and each block element.
func telegramText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
			return
		case html.ElementNode:
			if hiddenElement(n.DataAtom) {
				return
			}
			if n.DataAtom == atom.Br {
				b.WriteByte('\n')
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if n.Type == html.ElementNode && blockElement(n.DataAtom) {
			b.WriteByte('\n')
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c)
	}
	return b.String()
}

// splitPost splits a post's text into its headline and the rest (see
// parseTelegram).
func splitPost(text string, det *alerts.Detector) (headline, rest string) {
	lines := nonEmptyLines(text)
	if len(lines) == 0 {
		return "", ""
	}
	first, more := lines[0], lines[1:]
	if len(more) > 0 && bannerOnly(first, det) {
		first, more = first+" "+more[0], more[1:]
	}
	headline, tail := boundHeadline(first, maxHeadlineRunes)
	if tail != "" {
		more = append([]string{tail}, more...)
	}
	return headline, strings.Join(more, "\n")
}

// bannerOnly reports whether a line is only an urgency banner («عاجل»,
// "🔴", "🔴 عاجل |"): no letters or digits, or nothing left when the
// detector takes its banner off.
func bannerOnly(line string, det *alerts.Detector) bool {
	if !strings.ContainsFunc(line, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
		return true
	}
	if det == nil {
		return false
	}
	b := det.Detect(line)
	return b.Found && strings.TrimSpace(b.Rest) == ""
}

// nonEmptyLines returns the lines of s that hold more than white space,
// trimmed.
func nonEmptyLines(s string) []string {
	var out []string
	for line := range strings.SplitSeq(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// boundHeadline keeps a line as the headline when it has at most max
// runes; a longer one is cut after its first sentence if that ends within
// max runes, else at the last space before max runes (with "…"), and the
// rest of the line is returned as tail.
func boundHeadline(line string, max int) (headline, tail string) {
	if utf8.RuneCountInString(line) <= max {
		return line, ""
	}
	end, n, lastSpace := len(line), 0, -1
	for i, r := range line {
		if n == max {
			end = i
			break
		}
		n++
		if !unicode.IsSpace(r) {
			continue
		}
		lastSpace = i
		if i > 0 && strings.ContainsRune(".!?؟。", lastRune(line[:i])) {
			return strings.TrimSpace(line[:i]), strings.TrimSpace(line[i:])
		}
	}
	if lastSpace > 0 {
		end = lastSpace
	}
	return strings.TrimSpace(line[:end]) + "…", strings.TrimSpace(line[end:])
}

// lastRune returns the last rune of s.
func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

// cutRedMarker takes a leading 🔴 or 🚨 off a headline that carries no
// banner word (which the detector removes itself, emoji and all); ok
// reports whether it did.
func cutRedMarker(title string, det *alerts.Detector) (string, bool) {
	if det != nil && det.Detect(title).Found {
		return title, false
	}
	for _, m := range redMarkers {
		if rest, ok := strings.CutPrefix(title, m); ok {
			rest = strings.TrimLeft(rest, "\uFE0F \t")
			return strings.TrimSpace(rest), rest != ""
		}
	}
	return title, false
}

// hasClass reports whether n's class attribute lists class.
func hasClass(n *html.Node, class string) bool {
	v, ok := attr(n, "class")
	return ok && strings.Contains(" "+strings.Join(strings.Fields(v), " ")+" ", " "+class+" ")
}
