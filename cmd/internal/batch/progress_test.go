package batch

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rivo/uniseg"
)

// screen plays terminal output: it returns the lines that scrolled up and
// what is on the last one. It fails the test when a line that \r returns
// to reached the last column: a terminal wrapped it, and \r goes back to
// the start of its last part only, leaving the rest on screen. (Lines that
// end in \n may wrap: they are done.)
func screen(t *testing.T, out string, width int) (lines []string, last string) {
	t.Helper()
	var cur []rune
	col, widest := 0, 0
	for _, r := range out {
		switch r {
		case '\r':
			if widest >= width {
				t.Fatalf("a line of %d columns on a terminal of %d was returned to with \\r: %q", widest, width, string(cur))
			}
			col = 0
		case '\n':
			lines = append(lines, strings.TrimRight(string(cur), " "))
			cur, col, widest = nil, 0, 0
		default:
			w := uniseg.StringWidth(string(r))
			for len(cur) <= col {
				cur = append(cur, ' ')
			}
			cur[col] = r
			col++
			if w == 2 { // a wide rune's second column
				for len(cur) <= col {
					cur = append(cur, ' ')
				}
				cur[col] = 0
				col++
			}
			widest = max(widest, col)
		}
	}
	if widest >= width {
		t.Fatalf("the status line takes %d columns of %d: %q", widest, width, string(cur))
	}
	clean := func(rs []rune) string { return strings.ReplaceAll(string(rs), "\x00", "") }
	for i := range lines {
		lines[i] = strings.ReplaceAll(lines[i], "\x00", "")
	}
	return lines, strings.TrimRight(clean(cur), " ")
}

// TestProgressFitsNarrowTerminal: on a terminal of 80 columns (and on a
// narrower one) the status line stays on one line through redraws, waits
// with long reasons and lines printed above it: no stale copies of it,
// no empty bar ("||"), no counts run together with a percentage.
func TestProgressFitsNarrowTerminal(t *testing.T) {
	for _, width := range []int{80, 60, 30} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			var out bytes.Buffer
			r := &Reporter{w: &out, width: func() int { return width }}
			items := make([]*batchItem, 12)
			for i := range items {
				items[i] = &batchItem{Group: Group{Line: i + 2, Topic: fmt.Sprintf("周末徒步 %02d", i+1)}}
			}
			items[0].state, items[0].how, items[0].room = stateDone, howEarlier, "@@5e0a77"
			r.mu.Lock()
			r.total, r.spacing, r.start = len(items), 30*time.Second, time.Now()
			r.mu.Unlock()
			r.wait(25*time.Minute, "backing off after Ret 1 (too frequent): WeChat limits how fast groups are made")
			for i, it := range items[1:4] {
				it.state, it.how, it.room = stateDone, StatusCreated, fmt.Sprintf("@@c%d", i)
				r.settled(it)
				r.wait(30*time.Second, "--interval")
			}
			items[4].state, items[4].reason = stateFailed, "WeChat refused: Ret -23"
			r.settled(items[4])
			r.Note("the page stopped answering (no answer within 3s): opening web WeChat again in a new tab")
			r.mu.Lock()
			r.redraw()
			r.mu.Unlock()

			lines, last := screen(t, out.String(), width)
			if len(lines) != 5 { // four settled, one note
				t.Errorf("%d lines scrolled up, want 5 (no stale status lines):\n%s", len(lines), strings.Join(lines, "\n"))
			}
			for _, l := range lines {
				if strings.Contains(l, "done ") && strings.Contains(l, "left ") {
					t.Errorf("a status line scrolled up: %q", l)
				}
			}
			if !strings.Contains(last, "4/12") && !strings.HasPrefix(last, "4/12") {
				t.Errorf("status line %q, want the count 4/12", last)
			}
			if strings.Contains(last, "||") || regexp.MustCompile(`\d%`).MatchString(last) {
				t.Errorf("status line %q has an empty bar or a percentage", last)
			}
			if w := uniseg.StringWidth(last); w > width-1 {
				t.Errorf("status line of %d columns on a terminal of %d: %q", w, width, last)
			}
			r.end()
			if _, after := screen(t, out.String(), width); after != "" {
				t.Errorf("after end the status line still shows %q", after)
			}
		})
	}
}
