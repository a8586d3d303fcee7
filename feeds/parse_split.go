package feeds

import (
	"bytes"
	"hash/maphash"
)

// feedSplit is an RSS, RDF or Atom document cut at its items: where each
// item (or entry) element starts and ends, and a hash of everything an
// item's parse depends on besides its own bytes (the prolog and the start
// tags of the elements that enclose the items: namespaces, xml:base, the
// root's kind).
type feedSplit struct {
	spans []feedSpan
	ctx   uint64
	// skip are the elements beside the items, under their parent, that
	// an item's reading does not depend on (the channel's title,
	// description, image, dates…: not channelKeeps), in document order.
	// A document whose known items are left out of its parse leaves
	// these out too.
	skip []feedSpan
	// atom says the root is an Atom feed (else rss or RDF); rootEnd is
	// where the root's start tag ends.
	atom    bool
	rootEnd int64
}

// channelKeeps are the local names of the elements beside the items that
// the items are read with (the feed's link, which relative links resolve
// against, and its language) or that hold them (an RDF channel): they
// stay in a parse that leaves the known items out. Names are compared
// without their prefix, so atom:link and dc:language stay too.
var channelKeeps = map[string]bool{"link": true, "language": true, "channel": true}

// maxSplitDepth bounds the nesting the splitter follows; a deeper
// document is left to the full parse.
const maxSplitDepth = 256

// splitFeed cuts body at its items with a byte scan, without building
// anything but the spans. It reports false, and the document is then
// parsed whole, for anything it does not read exactly as an XML parser
// would: a document that is not well formed (an end tag that does not
// close the open element, an element left open, a '<' in text or in an
// attribute value, an attribute without a quoted value), a DOCTYPE with
// an internal subset (entities it could define), a root that is not rss,
// RDF or feed, items under more than one parent or deeper than the
// channel, an item spelled in another case or with a prefix, an empty
// item element. So a span is always an element that gofeed reads as an
// item of the document, and the same bytes under the same context are
// read the same way in another document.
func splitFeed(seed maphash.Seed, body []byte) (feedSplit, bool) {
	type open struct {
		name       []byte
		start, end int // the start tag's bytes
	}
	// sibling is an element opened at depth 1 or 2, not an item: one of
	// split.skip once its parent is known to be the items'.
	type sibling struct {
		span   feedSpan
		parent int
		depth  int
	}
	var (
		sp       feedSplit
		stack    = make([]open, 0, 8)
		itemName string
		rootDone bool
		inItem   = -1 // depth of the open item, -1 outside one
		parent   = -1 // start offset of the items' parent
		cur      feedSpan
		sibs     []sibling
		openSib  = -1 // index in sibs of the open depth-1 or -2 element
	)
	for i := 0; i < len(body); {
		j := bytes.IndexByte(body[i:], '<')
		if j < 0 {
			break
		}
		i += j
		rest := body[i:]
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			k := bytes.Index(rest[4:], []byte("-->"))
			if k < 0 {
				return sp, false
			}
			i += 4 + k + 3
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			k := bytes.Index(rest, []byte("]]>"))
			if k < 0 || len(stack) == 0 {
				return sp, false
			}
			i += k + 3
		case bytes.HasPrefix(rest, []byte("<?")):
			k := bytes.Index(rest, []byte("?>"))
			if k < 0 {
				return sp, false
			}
			i += k + 2
		case bytes.HasPrefix(rest, []byte("<!")):
			// A DOCTYPE, before the root only; with no internal subset.
			k := bytes.IndexByte(rest, '>')
			if k < 0 || len(stack) > 0 || rootDone || bytes.ContainsAny(rest[2:k], "[<") {
				return sp, false
			}
			i += k + 1
		case bytes.HasPrefix(rest, []byte("</")):
			k := bytes.IndexByte(rest, '>')
			if k < 0 || len(stack) == 0 {
				return sp, false
			}
			name := bytes.TrimRight(rest[2:k], " \t\r\n")
			top := stack[len(stack)-1]
			if !bytes.Equal(name, top.name) {
				return sp, false
			}
			stack = stack[:len(stack)-1]
			i += k + 1
			if len(stack) == inItem {
				cur.end = int64(i)
				sp.spans = append(sp.spans, cur)
				inItem = -1
			}
			if openSib >= 0 && len(stack) == sibs[openSib].depth {
				sibs[openSib].span.end = int64(i)
				openSib = -1
			}
			if len(stack) == 0 {
				rootDone = true
			}
		default:
			name, n, selfClosing, ok := scanStartTag(rest)
			if !ok || rootDone {
				return sp, false
			}
			start := i
			i += n
			if len(stack) == 0 {
				switch string(bytes.ToLower(localName(name))) {
				case "rss", "rdf":
					itemName = "item"
				case "feed":
					itemName, sp.atom = "entry", true
				default:
					return sp, false
				}
				sp.rootEnd = int64(i)
			}
			if inItem < 0 && len(stack) > 0 && bytes.EqualFold(localName(name), []byte(itemName)) {
				depth := len(stack)
				p := stack[depth-1].start
				if string(name) != itemName || selfClosing || depth > 2 || (parent >= 0 && p != parent) {
					return sp, false
				}
				if parent < 0 {
					parent = p
					var h maphash.Hash
					h.SetSeed(seed)
					h.Write(body[:stack[0].end])
					if depth == 2 {
						h.Write(body[stack[1].start:stack[1].end])
					}
					sp.ctx = h.Sum64()
				}
				inItem, cur = depth, feedSpan{start: int64(start)}
			} else if inItem < 0 && openSib < 0 && (len(stack) == 1 || len(stack) == 2) && !channelKeeps[string(localName(name))] {
				s := sibling{span: feedSpan{start: int64(start)}, parent: stack[len(stack)-1].start, depth: len(stack)}
				if selfClosing {
					s.span.end = int64(i)
				} else {
					openSib = len(sibs)
				}
				sibs = append(sibs, s)
			}
			if selfClosing {
				if len(stack) == 0 {
					rootDone = true
				}
				continue
			}
			if len(stack) == maxSplitDepth {
				return sp, false
			}
			stack = append(stack, open{name: name, start: start, end: i})
		}
	}
	if len(stack) > 0 || !rootDone {
		return sp, false
	}
	for _, s := range sibs {
		if s.parent == parent && s.span.end > s.span.start {
			sp.skip = append(sp.skip, s.span)
		}
	}
	return sp, true
}

// scanStartTag reads the start tag at the beginning of b ("<name
// attr="v" …>" or "…/>"): its name, its length and whether it closes
// itself. It reports false for anything else.
func scanStartTag(b []byte) (name []byte, n int, selfClosing, ok bool) {
	i := 1
	for i < len(b) && isNameByte(b[i]) {
		i++
	}
	if i == 1 {
		return nil, 0, false, false
	}
	name = b[1:i]
	for {
		sp := i
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i >= len(b) {
			return nil, 0, false, false
		}
		switch b[i] {
		case '>':
			return name, i + 1, false, true
		case '/':
			if i+1 < len(b) && b[i+1] == '>' {
				return name, i + 2, true, true
			}
			return nil, 0, false, false
		}
		if sp == i {
			return nil, 0, false, false // no space before an attribute
		}
		a := i
		for i < len(b) && isNameByte(b[i]) {
			i++
		}
		if i == a {
			return nil, 0, false, false
		}
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i >= len(b) || b[i] != '=' {
			return nil, 0, false, false
		}
		i++
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i >= len(b) || (b[i] != '"' && b[i] != '\'') {
			return nil, 0, false, false
		}
		q := b[i]
		k := bytes.IndexByte(b[i+1:], q)
		if k < 0 || bytes.IndexByte(b[i+1:i+1+k], '<') >= 0 {
			return nil, 0, false, false
		}
		i += 1 + k + 1
	}
}

// isNameByte reports whether c may be part of an XML name as the splitter
// reads one: ASCII letters, digits, '_', '-', '.', ':' and any byte of a
// multi-byte UTF-8 character.
func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '-' || c == '.' || c == ':' || c >= 0x80
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// localName returns a name without its namespace prefix.
func localName(name []byte) []byte {
	if k := bytes.LastIndexByte(name, ':'); k >= 0 {
		return name[k+1:]
	}
	return name
}
