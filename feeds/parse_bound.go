package feeds

import (
	"container/heap"
	"slices"
	"time"
)

// MaxItems bounds the items taken from one document: the newest MaxItems
// (see newest for what "newest" means) are kept, the others are left out
// of the poll and counted in PollResult.Omitted. It bounds the memory and
// the work of a poll whatever the size of the document, and it is well
// above what a news feed lists (tens to a few hundred items).
const MaxItems = 2000

// newest keeps the n newest of a stream of items, in one pass and with at
// most 2n of them held, so that a parser can read a document of a million
// items without keeping them all. The rule:
//
//   - A dated item is as new as its date.
//   - An undated item is as new as the nearest dated item before it in the
//     document and ranks just after it in the document's direction: an
//     undated item between two dated ones is taken to be between them.
//   - Undated items before the first dated one are the newest of all in a
//     newest-first document (a pinned or just-added item at the top) and
//     the oldest of all in an oldest-first one.
//   - Among items equally new, position decides: the top is newest in a
//     newest-first document, the bottom in an oldest-first one.
//   - A document is oldest-first when its dated items go up in date, from
//     one to the next, more often than they go down; otherwise (and always
//     when nothing is dated) it is newest-first, as feeds usually are. An
//     undated oldest-first document therefore loses its bottom, the newest,
//     items when it lists more than n: nothing in it tells the order.
//
// The order is only known at the end, so both candidate sets, the n newest
// if the document is newest-first and the n newest if it is oldest-first,
// are kept as it is read; kept returns the one that applies.
type newest[T any] struct {
	n     int
	pos   int
	dated bool      // a dated item was seen
	last  time.Time // the date of the last dated item
	// up and down count consecutive dated items that go up or down in date.
	up, down int
	// nf and of are min-heaps of the newest items so far if the document
	// is newest-first and if it is oldest-first: the root is the oldest
	// kept, the one a newer item replaces.
	nf, of rankHeap[T]
}

// ranked is an item with what ranks it.
type ranked[T any] struct {
	v      T
	pos    int
	date   time.Time // its own, or inherited from the dated item before it
	prefix bool      // undated, before any dated item
}

func newNewest[T any](n int) *newest[T] {
	return &newest[T]{
		n:  n,
		nf: rankHeap[T]{newer: newerNewestFirst[T]},
		of: rankHeap[T]{newer: newerOldestFirst[T]},
	}
}

// add offers the next item of the document, with its date (zero when it
// has none).
func (s *newest[T]) add(v T, date time.Time) {
	r := ranked[T]{v: v, pos: s.pos, date: date}
	s.pos++
	switch {
	case !date.IsZero():
		if s.dated {
			switch {
			case date.After(s.last):
				s.up++
			case date.Before(s.last):
				s.down++
			}
		}
		s.dated, s.last = true, date
	case s.dated:
		r.date = s.last
	default:
		r.prefix = true
	}
	// Most items of a long document are older than every item kept: they
	// are looked at and let go without an allocation.
	if !s.nf.wants(&r, s.n) && !s.of.wants(&r, s.n) {
		return
	}
	p := &r
	s.nf.offer(p, s.n)
	s.of.offer(p, s.n)
}

// seen returns the number of items offered.
func (s *newest[T]) seen() int { return s.pos }

// kept returns the newest items in document order, and how many items
// were left out.
func (s *newest[T]) kept() ([]T, int) {
	h := s.nf
	if s.up > s.down {
		h = s.of
	}
	rs := h.items
	slices.SortFunc(rs, func(a, b *ranked[T]) int { return a.pos - b.pos })
	out := make([]T, len(rs))
	for i, r := range rs {
		out[i] = r.v
	}
	return out, s.pos - len(out)
}

// newerNewestFirst reports whether a is newer than b in a newest-first
// document.
func newerNewestFirst[T any](a, b *ranked[T]) bool {
	switch {
	case a.prefix != b.prefix:
		return a.prefix
	case a.prefix:
		return a.pos < b.pos
	case !a.date.Equal(b.date):
		return a.date.After(b.date)
	}
	return a.pos < b.pos
}

// newerOldestFirst reports whether a is newer than b in an oldest-first
// document.
func newerOldestFirst[T any](a, b *ranked[T]) bool {
	switch {
	case a.prefix != b.prefix:
		return b.prefix
	case a.prefix:
		return a.pos > b.pos
	case !a.date.Equal(b.date):
		return a.date.After(b.date)
	}
	return a.pos > b.pos
}

// rankHeap is a min-heap of ranked items by newness (container/heap).
type rankHeap[T any] struct {
	items []*ranked[T]
	newer func(a, b *ranked[T]) bool
}

func (h *rankHeap[T]) Len() int           { return len(h.items) }
func (h *rankHeap[T]) Less(i, j int) bool { return h.newer(h.items[j], h.items[i]) }
func (h *rankHeap[T]) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *rankHeap[T]) Push(x any)         { h.items = append(h.items, x.(*ranked[T])) }
func (h *rankHeap[T]) Pop() any {
	last := h.items[len(h.items)-1]
	h.items[len(h.items)-1] = nil
	h.items = h.items[:len(h.items)-1]
	return last
}

// wants reports whether offer would keep r.
func (h *rankHeap[T]) wants(r *ranked[T], n int) bool {
	return n > 0 && (len(h.items) < n || h.newer(r, h.items[0]))
}

// offer keeps r when fewer than n are kept or r is newer than the oldest
// kept, which it then replaces.
func (h *rankHeap[T]) offer(r *ranked[T], n int) {
	switch {
	case !h.wants(r, n):
	case len(h.items) < n:
		heap.Push(h, r)
	default:
		h.items[0] = r
		heap.Fix(h, 0)
	}
}

// Newest returns the n newest of items (by the rule of MaxItems: by date
// where items have one, by position otherwise), in their order, and how
// many were left out. items is not modified.
func Newest(items []Item, n int) ([]Item, int) {
	if len(items) <= n {
		return items, 0
	}
	s := newNewest[Item](n)
	for _, it := range items {
		s.add(it, it.Published)
	}
	return s.kept()
}
