package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/telegram/tgtext"
)

// Bidi controls keep a table readable in a terminal that applies the
// Unicode bidi algorithm: every row starts left-to-right (tgtext.LRM), and
// a right-to-left cell is isolated (FSI … PDI) so that it cannot pull the
// neighbouring columns across. Terminals without bidi support show these
// as nothing.
const lrm = tgtext.LRM

// isolate wraps s in an isolate when it holds right-to-left letters.
func isolate(s string) string { return tgtext.IsolateRTL(s) }

func printProbeTable(w io.Writer, target string, src feeds.Source, res feeds.PollResult, charset string) {
	urgent := 0
	for _, it := range res.Items {
		if it.Urgent {
			urgent++
		}
	}
	fmt.Fprintf(w, "%s%s · %s · %d items, %d urgent", lrm, target, src.EffectiveKind(), len(res.Items), urgent)
	if charset != "" {
		fmt.Fprintf(w, " · %s", charset)
	}
	fmt.Fprintf(w, " · %d ms\n\n", res.Duration.Milliseconds())
	if len(res.Items) == 0 {
		fmt.Fprintln(w, "no items")
		return
	}
	fmt.Fprintf(w, "%s  #  !  PUBLISHED (UTC)   TITLE\n", lrm)
	for i, it := range res.Items {
		flag := " "
		if it.Urgent {
			flag = "●"
		}
		pub := strings.Repeat(" ", 16)
		if !it.Published.IsZero() {
			pub = it.Published.UTC().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(w, "%s%3d  %s  %s  %s\n", lrm, i+1, flag, pub, isolate(it.Title))
		if it.Urgent {
			fmt.Fprintf(w, "%s        urgent: %s\n", lrm, isolate(it.Marker))
		}
		if it.Link != "" {
			fmt.Fprintf(w, "%s        link:   %s\n", lrm, it.Link)
		}
		if it.Image != "" {
			fmt.Fprintf(w, "%s        image:  %s\n", lrm, it.Image)
		}
		if it.ID != it.Link {
			fmt.Fprintf(w, "%s        id:     %s\n", lrm, it.ID)
		}
	}
}
