package batch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/rivo/uniseg"
	"golang.org/x/term"

	"github.com/wxctl/wxctl/browser"
)

// batchProgress is told how a run goes. Its methods are safe for concurrent
// use.
type batchProgress interface {
	// begin starts the display with every item, those done earlier
	// included; spacing is the least time between creates.
	begin(items []*batchItem, spacing time.Duration)
	// wait says that the next step waits d, and why.
	wait(d time.Duration, why string)
	// note says something a person should know on the way.
	Note(format string, args ...any)
	// settled says that an item is done or failed in this run.
	settled(it *batchItem)
	// end stops the display.
	end()
}

// Reporter shows a run on stderr (a progress bar on a terminal, plain
// lines elsewhere, as in CI logs) and, with --json, writes one JSON line
// per group on stdout as each settles.
type Reporter struct {
	mu    sync.Mutex
	w     io.Writer // stderr
	jsonw io.Writer // nil without --json
	// width returns the terminal's width in columns, asked at each redraw
	// (a window may be resized); nil when w is no terminal: plain lines.
	width   func() int
	drawn   int // the columns of the status line on screen; 0: none
	total   int
	done    int // done, earlier runs included
	failed  int
	settles int // items settled in this run, for the pace seen
	start   time.Time
	spacing time.Duration
	until   time.Time // the current wait's end
	why     string
	stop    chan struct{}
	stopped chan struct{}
}

// NewReporter shows progress on errw, as a status line with a bar when
// errw is a terminal; jsonw, when not nil, gets the JSON lines.
func NewReporter(errw, jsonw io.Writer) *Reporter {
	r := &Reporter{w: errw, jsonw: jsonw}
	if f, ok := errw.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		r.width = func() int {
			w, _, err := term.GetSize(int(f.Fd()))
			if err != nil || w <= 0 {
				return 80
			}
			return w
		}
	}
	return r
}

// redrawEvery is how often the bar's countdown and ETA are redrawn.
const redrawEvery = time.Second

func (r *Reporter) begin(items []*batchItem, spacing time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.total, r.spacing, r.start = len(items), spacing, time.Now()
	var notes []string
	for _, it := range items {
		if it.state == stateDone {
			r.done++
			r.writeJSON(newBatchGroupJSON(it))
			if it.reason != "" {
				notes = append(notes, fmt.Sprintf("%s: %s", quote(it.Topic), it.reason))
			}
		}
	}
	left := r.total - r.done
	msg := fmt.Sprintf("%s: %d done earlier, %d to go", quantity(r.total, "group"), r.done, left)
	if spacing > 0 && left > 0 {
		msg += fmt.Sprintf("; one create every %s at most: about %s", spacing, (time.Duration(left-1) * spacing).Round(time.Second))
	}
	r.line(msg)
	for _, n := range notes {
		r.line(n)
	}
	if r.width != nil {
		r.redraw()
		r.stop, r.stopped = make(chan struct{}), make(chan struct{})
		go r.ticker()
	}
}

// ticker redraws the bar every redrawEvery, for the countdown of a wait.
func (r *Reporter) ticker() {
	defer close(r.stopped)
	t := time.NewTicker(redrawEvery)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			r.mu.Lock()
			r.redraw()
			r.mu.Unlock()
		}
	}
}

func (r *Reporter) wait(d time.Duration, why string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.until, r.why = time.Now().Add(d), why
	if r.width != nil {
		r.redraw()
		return
	}
	// Short waits (a sandbox run) would flood the log, and a back-off was
	// told with its Ret already.
	if d >= time.Second && !strings.HasPrefix(why, backingOff) {
		r.line(fmt.Sprintf("waiting %s: %s", d.Round(time.Second), why))
	}
}

func (r *Reporter) Note(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.line(fmt.Sprintf(format, args...))
}

func (r *Reporter) settled(it *batchItem) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.settles++
	if it.state == stateDone {
		r.done++
	} else {
		r.failed++
	}
	r.line(fmt.Sprintf("[%d/%d] %s", r.done+r.failed, r.total, settledText(it)))
	r.writeJSON(newBatchGroupJSON(it))
}

// settledText tells how an item ended, for people.
func settledText(it *batchItem) string {
	if it.state == stateFailed {
		return fmt.Sprintf("FAILED %s: %s", quote(it.Topic), it.reason)
	}
	s := fmt.Sprintf("%s %s: %s", it.how, quote(it.Topic), browser.ShortUserName(it.room))
	switch {
	case it.how == StatusFound:
		s += " (made by a create whose answer was lost)"
	case it.how == StatusExists && it.reason != "":
		s += " (one of your groups has this topic: not created; " + it.reason + ")"
	case it.how == StatusExists:
		s += " (one of your groups has this topic: not created; --recreate creates it anyway)"
	case it.flagged:
		s += " (Ret -2013, which the app counts as success)"
	}
	return s
}

func (r *Reporter) end() {
	if r.stop != nil {
		close(r.stop)
		<-r.stopped
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.clear()
}

// line prints one line, above the status line when there is one. The
// caller holds r.mu.
func (r *Reporter) line(s string) {
	r.clear()
	fmt.Fprintln(r.w, s)
	r.redraw()
}

// barWidth is the widest the bar gets; it shrinks on a narrow terminal,
// and below minBarWidth it is left out.
const barWidth, minBarWidth = 24, 8

// redraw draws the status line: a bar, the counts, the current wait and
// the ETA, cut to the terminal's width. The caller holds r.mu.
func (r *Reporter) redraw() {
	if r.width == nil {
		return
	}
	r.draw(r.status(r.width() - 1)) // the last column would wrap the line on some terminals
}

// status is the status line in at most width columns. The counts and the
// ETA come first; the reason of a wait is cut to the room left, and the
// bar takes what remains, if enough.
func (r *Reporter) status(width int) string {
	settled := r.done + r.failed
	left := r.total - settled
	text := fmt.Sprintf("%d/%d · done %d · failed %d · left %d", settled, r.total, r.done, r.failed, left)
	w := time.Until(r.until)
	if eta := r.eta(left, w); eta > 0 {
		text += " · ETA " + eta.Round(time.Second).String()
	}
	if w > 0 {
		wait := " · waiting " + w.Round(time.Second).String()
		if room := width - uniseg.StringWidth(text+wait) - 3; room >= 8 {
			wait += " (" + browser.Abbreviate(r.why, room) + ")"
		}
		text += wait
	}
	if n := min(barWidth, width-uniseg.StringWidth(text)-3); n >= minBarWidth && r.total > 0 {
		full := n * settled / r.total
		return "[" + strings.Repeat("#", full) + strings.Repeat(".", n-full) + "] " + text
	}
	return browser.Abbreviate(text, max(width, 1))
}

// draw puts s over the status line on screen, blanking what is left of a
// longer one. The caller holds r.mu.
func (r *Reporter) draw(s string) {
	w := uniseg.StringWidth(s)
	fmt.Fprint(r.w, "\r"+s+strings.Repeat(" ", max(r.drawn-w, 0)))
	r.drawn = max(w, 1)
}

// clear blanks the status line, so that a line can be printed in its
// place. The caller holds r.mu.
func (r *Reporter) clear() {
	if r.drawn > 0 {
		fmt.Fprint(r.w, "\r"+strings.Repeat(" ", r.drawn)+"\r")
		r.drawn = 0
	}
}

// eta is the time the left items need at the pace allowed or, when the
// run goes slower, at the pace seen; a wait under way stands for the next
// item's share.
func (r *Reporter) eta(left int, waiting time.Duration) time.Duration {
	per := r.spacing
	if r.settles > 0 {
		per = max(per, time.Since(r.start)/time.Duration(r.settles))
	}
	if waiting > 0 && left > 0 {
		return waiting + time.Duration(left-1)*per
	}
	return time.Duration(left) * per
}

// writeJSON writes one JSON line when --json asked for them. The caller
// holds r.mu.
func (r *Reporter) writeJSON(v any) {
	if r.jsonw != nil {
		_ = writeJSONLine(r.jsonw, v)
	}
}

// GroupJSON is one line of room batch --json: a group of the plan and
// how it stands. README.md documents it.
type GroupJSON struct {
	Type         string   `json:"type"` // "group"
	Line         int      `json:"line"`
	Topic        string   `json:"topic"`
	Members      []string `json:"members"`
	Status       string   `json:"status"` // created, found, exists, earlier, failed, remaining; with --dry-run: create, look-up, exists, earlier
	ChatRoomName string   `json:"chatRoomName,omitempty"`
	Ret          *int     `json:"ret,omitempty"`
	Flagged      bool     `json:"flagged,omitempty"`
	Attempts     int      `json:"attempts"`
	Error        string   `json:"error,omitempty"`
}

func newBatchGroupJSON(it *batchItem) GroupJSON {
	out := GroupJSON{
		Type: "group", Line: it.Line, Topic: it.Topic, Members: it.Members,
		Status: itemStatus(it), ChatRoomName: it.room, Ret: it.ret, Flagged: it.flagged, Attempts: it.attempts,
	}
	if it.state != stateDone {
		out.Error = it.reason
	}
	return out
}

// itemStatus is how an item stands, in one word.
func itemStatus(it *batchItem) string {
	switch it.state {
	case stateDone:
		return it.how
	case stateFailed:
		return "failed"
	}
	return "remaining"
}

// writeJSONLine writes v as one line of JSON, secrets redacted, with <, >
// and & as they are (names carry WeChat's emoji markup).
func writeJSONLine(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(browser.Redact(buf.Bytes()))
	return err
}
