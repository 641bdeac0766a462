package batch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/wxctl/wxctl/browser"
	"github.com/wxctl/wxctl/cmd/internal/table"
)

// SummaryJSON is the last line of room batch --json. README.md
// documents it.
type SummaryJSON struct {
	Type      string `json:"type"` // "summary"
	OK        bool   `json:"ok"`
	DryRun    bool   `json:"dryRun,omitempty"`
	Total     int    `json:"total"`
	Done      int    `json:"done"`     // created + found + earlier + existing
	Created   int    `json:"created"`  // made by this run
	Found     int    `json:"found"`    // made by a create whose answer was lost, found by this run
	Earlier   int    `json:"earlier"`  // done by an earlier run
	Existing  int    `json:"existing"` // not created: one of your groups had the topic already
	Failed    int    `json:"failed"`
	Remaining int    `json:"remaining"`
	// Stopped says why the run ended before every group was done or
	// failed: rate-limited, not-logged-in, browser-gone, interrupted or
	// error.
	Stopped  string `json:"stopped,omitempty"`
	Journal  string `json:"journal"`
	Error    string `json:"error,omitempty"`
	ExitCode int    `json:"exitCode"`
	// unknown: a failed group may exist (its look-up could not be done).
	unknown bool
}

// summarize counts the items.
func summarize(items []*batchItem, journal string) SummaryJSON {
	s := SummaryJSON{Type: "summary", OK: true, Total: len(items), Journal: journal}
	for _, it := range items {
		switch {
		case it.state == stateFailed:
			s.Failed++
			s.unknown = s.unknown || it.unknown
		case it.state != stateDone:
			s.Remaining++
		case it.how == StatusFound:
			s.Found++
		case it.how == howEarlier:
			s.Earlier++
		case it.how == StatusExists:
			s.Existing++
		default:
			s.Created++
		}
	}
	s.Done = s.Created + s.Found + s.Earlier + s.Existing
	return s
}

// batchOutcome is the command's error for a finished run: what stopped it,
// else whether groups failed; nil when every group is done.
func batchOutcome(s SummaryJSON, stopErr error) error {
	counts := fmt.Sprintf("%d of %d groups done, %d failed, %d remaining", s.Done, s.Total, s.Failed, s.Remaining)
	switch {
	case stopErr == nil && s.Failed > 0:
		return &batchFailedError{msg: fmt.Sprintf("%s: see the summary; run the same command again to retry them", counts), unknown: s.unknown}
	case stopErr == nil:
		return nil
	case errors.Is(stopErr, browser.ErrNotLoggedIn):
		return fmt.Errorf("stopped with %s: %w; log in again (wxctl login), then run the same command to resume", counts, stopErr)
	case errors.Is(stopErr, browser.ErrRateLimited):
		return fmt.Errorf("stopped with %s: %w; run the same command later to resume", counts, stopErr)
	case errors.Is(stopErr, context.Canceled):
		return fmt.Errorf("interrupted with %s; run the same command again to resume: %w", counts, stopErr)
	}
	return fmt.Errorf("stopped with %s: %w; run the same command again to resume", counts, stopErr)
}

// stopName names what stopped a run, for --json.
func stopName(stopErr error) string {
	switch {
	case stopErr == nil:
		return ""
	case errors.Is(stopErr, browser.ErrNotLoggedIn):
		return "not-logged-in"
	case errors.Is(stopErr, browser.ErrRateLimited):
		return "rate-limited"
	case errors.Is(stopErr, browser.ErrBrowserGone):
		return "browser-gone"
	case errors.Is(stopErr, context.Canceled):
		return "interrupted"
	}
	return "error"
}

// batchFailedError says that some groups failed (exit 6), one of them
// without a known outcome (exit 8).
type batchFailedError struct {
	msg     string
	unknown bool
}

func (e *batchFailedError) Error() string { return e.msg }

// Is makes failed groups a refusal, or an unknown outcome when one may
// exist.
func (e *batchFailedError) Is(target error) bool {
	if e.unknown {
		return target == browser.ErrOutcomeUnknown
	}
	return target == browser.ErrRefused
}

// printBatchSummary prints the table of topic → ChatRoomName or the reason,
// and the counts.
func printBatchSummary(w io.Writer, items []*batchItem, s SummaryJSON) {
	t := table.Table{}
	t.Row("TOPIC", "GROUP", "STATUS")
	for _, it := range items {
		room := it.room
		if room == "" {
			room = "-"
		}
		t.Row(tableCell(it.Topic), room, statusText(it))
	}
	_ = t.Write(w)
	fmt.Fprintf(w, "%d of %d done (%d created, %d found after a lost answer, %d earlier, %d there already) · %d failed · %d remaining · journal %s\n",
		s.Done, s.Total, s.Created, s.Found, s.Earlier, s.Existing, s.Failed, s.Remaining, s.Journal)
}

// statusText is an item's status for the table.
func statusText(it *batchItem) string {
	switch it.state {
	case stateDone:
		switch {
		case it.flagged:
			return it.how + " (Ret -2013)"
		case it.how == StatusExists && it.reason != "":
			return it.how + " (" + tableCell(it.reason) + ")"
		case it.how == StatusExists:
			return it.how + " (there already: not created)"
		}
		return it.how
	case stateFailed:
		return "failed: " + tableCell(it.reason)
	}
	if it.reason != "" {
		return "remaining (" + tableCell(it.reason) + ")"
	}
	return "remaining"
}

// tableCell keeps a table cell on one line and within reason.
func tableCell(s string) string { return browser.Abbreviate(s, 160) }

// msgWidth bounds a topic or a name quoted in a message: a plan's cell may
// be megabytes long.
const msgWidth = 60

// quote is a topic or a name as messages show it, in quotes, cut to
// msgWidth columns.
func quote(s string) string { return strconv.Quote(browser.Abbreviate(s, msgWidth)) }

// printBatchPlan prints what --dry-run would do.
func printBatchPlan(w io.Writer, items []*batchItem, spacing time.Duration, journal string) {
	t := table.Table{}
	t.Row("LINE", "TOPIC", "MEMBERS", "WOULD")
	toCreate := 0
	for _, it := range items {
		would := planAction(it)
		if it.state != stateDone {
			toCreate++
		}
		t.Row(strconv.Itoa(it.Line), tableCell(it.Topic), tableCell(resolvedNames(it)), would)
	}
	_ = t.Write(w)
	msg := fmt.Sprintf("Would create up to %s", quantity(toCreate, "group"))
	if spacing > 0 && toCreate > 1 {
		msg += fmt.Sprintf(", one every %s at most: about %s", spacing, (time.Duration(toCreate-1) * spacing).Round(time.Second))
	}
	fmt.Fprintf(w, "%s. Journal: %s. Nothing was sent.\n", msg, journal)
}

// planAction is what a run would do for an item, for --dry-run.
func planAction(it *batchItem) string {
	switch it.state {
	case stateDone:
		if it.how == StatusExists {
			s := "skip: a group with this topic exists already: " + it.room
			if it.reason != "" {
				s += "; " + tableCell(it.reason)
			}
			return s
		}
		return "skip: done earlier as " + it.room
	case stateLookup:
		return "look it up first (a create was sent, its outcome never seen), create it if absent"
	}
	var notes []string
	if it.attempts > 0 {
		notes = append(notes, fmt.Sprintf("again: %s sent before", quantity(it.attempts, "create")))
	}
	if it.reason != "" {
		notes = append(notes, tableCell(it.reason))
	}
	if len(notes) > 0 {
		return "create (" + strings.Join(notes, "; ") + ")"
	}
	return "create"
}

// dryRunStatus is planAction in one word, for --json.
func dryRunStatus(it *batchItem) string {
	switch {
	case it.how == StatusExists:
		return StatusExists
	case it.state == stateDone:
		return howEarlier
	case it.state == stateLookup:
		return "look-up"
	}
	return "create"
}

// resolvedNames shows each member as the plan names it and, once resolved,
// the friend it stands for.
func resolvedNames(it *batchItem) string {
	if len(it.contacts) == 0 {
		return memberNames(it.Members)
	}
	parts := make([]string, len(it.contacts))
	for i, c := range it.contacts {
		parts[i] = fmt.Sprintf("%s (%s)", c.Label(), browser.ShortUserName(c.UserName))
	}
	return strings.Join(parts, ", ")
}

// quantity is "1 group", "3 groups".
func quantity(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
