package pipeline

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/aajil/aajil/telegram/tgtext"
)

// Bidi controls that keep a console alert readable in a terminal that
// applies the Unicode bidi algorithm: every line starts left-to-right
// (LRM), and a right-to-left name or headline is isolated (FSI … PDI).
const lrm = tgtext.LRM

// Console prints alerts, one block each, for the console mode (no
// Telegram token): what a subscriber without rules would get.
type Console struct {
	mu  sync.Mutex
	out io.Writer
}

// NewConsole returns a Console that writes to out.
func NewConsole(out io.Writer) *Console { return &Console{out: out} }

// Print writes a: the source's name, the time it was published, the
// headline and the link.
func (c *Console) Print(a Alert) {
	name := a.Source.Name
	if name == "" {
		name = a.Source.ID
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s🔴 %s", lrm, tgtext.IsolateRTL(name))
	if !a.Item.Published.IsZero() {
		fmt.Fprintf(&b, " · %s UTC", a.Item.Published.UTC().Format("2006-01-02 15:04"))
	}
	fmt.Fprintf(&b, "\n%s   %s\n", lrm, tgtext.IsolateRTL(a.Item.Title))
	if a.Item.Link != "" {
		fmt.Fprintf(&b, "%s   %s\n", lrm, a.Item.Link)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	io.WriteString(c.out, b.String())
}
