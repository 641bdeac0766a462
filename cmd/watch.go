package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/wxctl/wxctl/browser"
)

var (
	watchFromFlag = &cli.StringSliceFlag{
		Name:    "from",
		Usage:   "only messages from this person (name or UserName), repeatable",
		EnvVars: []string{"WXCTL_WATCH_FROM"},
	}
	watchGroupFlag = &cli.StringSliceFlag{
		Name:    "group",
		Usage:   "only events of this group (topic or UserName), repeatable",
		EnvVars: []string{"WXCTL_WATCH_GROUP"},
	}
	watchTypeFlag = &cli.StringSliceFlag{
		Name:    "type",
		Usage:   "only events of this kind (message, group-change, contact-change) or messages of this type (text, system, image, …), repeatable",
		EnvVars: []string{"WXCTL_WATCH_TYPE"},
	}
)

var watchCommand = &cli.Command{
	Name:  "watch",
	Usage: "keep the page open and print what the app receives, one event per line",
	Description: `Events come from what the app itself receives through its push channel
(webwxsync: messages, groups and contacts changed), told against the app's own
view of its groups and contacts; wxctl asks WeChat for nothing.

   message          from, to, group, type, text (emoji as emoji), MsgId, time
   group-change     a group's topic or members changed, a new group, a group gone
   contact-change   a contact's name or remark changed, a new contact, one gone
   session-ended    the session ended: the last line, then exit 3

--json prints one JSON object per line (schema in README.md). Filters combine:
an event must pass each one given. Ctrl-C stops with 130; exit 7 when the page
is lost.

Example:
   wxctl watch
   wxctl watch --json --group "Weekend Hikers" --type text`,
	Flags:  append(appFlags(), watchFromFlag, watchGroupFlag, watchTypeFlag),
	Action: runWatch,
}

func runWatch(c *cli.Context) error {
	f, err := newWatchFilter(c)
	if err != nil {
		return err
	}
	s, err := openSession(c, c.Bool(sandboxFlag.Name), withoutJobDeadline())
	if err != nil {
		return err
	}
	defer s.Close()
	return watchEvents(c.Context, s, c.Duration(timeoutFlag.Name), f, c.Bool(jsonFlag.Name), c.App.Writer, c.App.ErrWriter)
}

// watchEvents prints the events of s's page that pass f until ctx ends,
// the session ends or the page is lost. Loading the contacts first takes
// at most timeout.
func watchEvents(ctx context.Context, s *session, timeout time.Duration, f *watchFilter, asJSON bool, out, errOut io.Writer) error {
	mark := s.Page.LastSeq()
	lctx, cancel := context.WithTimeout(s.Context(), timeout)
	_, err := browser.LoadContacts(lctx, s.Page) // names as the app will hold them
	var events *browser.Events
	if err == nil {
		events, err = browser.NewEvents(lctx, s.Page, mark)
	}
	cancel()
	if err != nil {
		return err
	}
	fmt.Fprintln(errOut, "watching web WeChat; Ctrl-C stops")
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	missed := 0
	for {
		ev, err := events.Next(ctx)
		if m := events.Missed(); m > missed {
			fmt.Fprintf(errOut, "wxctl: watch fell behind the app: %d of its calls went unread, events may be missing\n", m-missed)
			missed = m
		}
		if err != nil {
			return err
		}
		if !f.pass(ev) {
			continue
		}
		if asJSON {
			err = enc.Encode(ev)
		} else {
			_, err = fmt.Fprintln(out, eventLine(ev))
		}
		if err != nil {
			return fmt.Errorf("writing an event: %w", err)
		}
	}
}

// watchFilter holds --from, --group and --type.
type watchFilter struct {
	from, group []string
	kinds       []string // event kinds
	types       []string // message types
	// groupIDs are the groups --group matched once: a group renamed
	// keeps passing under its new topic.
	groupIDs map[string]bool
}

func newWatchFilter(c *cli.Context) (*watchFilter, error) {
	f := &watchFilter{groupIDs: make(map[string]bool)}
	for _, n := range c.StringSlice(watchFromFlag.Name) {
		f.from = append(f.from, foldWatchName(n))
	}
	for _, n := range c.StringSlice(watchGroupFlag.Name) {
		f.group = append(f.group, foldWatchName(n))
	}
	types := browser.MessageTypes()
	for _, t := range c.StringSlice(watchTypeFlag.Name) {
		switch t = strings.ToLower(strings.TrimSpace(t)); {
		case slices.Contains(browser.EventKinds, t):
			f.kinds = append(f.kinds, t)
		case slices.Contains(types, t):
			f.types = append(f.types, t)
		default:
			return nil, usagef("--type %q is neither an event (%s) nor a message type (%s)",
				t, strings.Join(browser.EventKinds, ", "), strings.Join(types, ", "))
		}
	}
	return f, nil
}

// pass reports whether ev passes every filter given. The end of the
// session always passes: it is the stream's last line.
func (f *watchFilter) pass(ev browser.Event) bool {
	if ev.Kind == browser.EventSessionEnded {
		return true
	}
	inGroup := f.inGroup(ev) // first: it learns the groups' UserNames
	if len(f.kinds)+len(f.types) > 0 && !slices.Contains(f.kinds, ev.Kind) &&
		!(ev.Kind == browser.EventMessage && slices.Contains(f.types, ev.Type)) {
		return false
	}
	if len(f.from) > 0 && (ev.Kind != browser.EventMessage || !matchesAny(f.from, ev.From, ev.FromID)) {
		return false
	}
	return inGroup
}

// inGroup reports whether ev passes --group: an event of a group named
// (by its topic, its topic before a change, or its UserName), or of one
// named so before.
func (f *watchFilter) inGroup(ev browser.Event) bool {
	switch {
	case len(f.group) == 0 || f.groupIDs[ev.GroupID]:
		return true
	case ev.GroupID == "":
		return false
	case matchesAny(f.group, ev.Group, ev.GroupID), ev.OldTopic != nil && matchesAny(f.group, *ev.OldTopic, ""):
		f.groupIDs[ev.GroupID] = true
		return true
	}
	return false
}

func matchesAny(want []string, name, id string) bool {
	return slices.Contains(want, foldWatchName(name)) || (id != "" && slices.Contains(want, foldWatchName(id)))
}

// foldWatchName is how filter names compare: plain text, case folded,
// white space collapsed.
func foldWatchName(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(browser.PlainName(s)), " "))
}

// eventLine is one event for people: the time, the kind, then what
// happened.
func eventLine(ev browser.Event) string {
	at := ev.Time.Local().Format("15:04:05")
	switch ev.Kind {
	case browser.EventMessage:
		where := ev.From + " → " + ev.To
		if ev.GroupID != "" {
			where = orNoTopic(ev.Group) + " · " + ev.From
			if ev.From == "" {
				where = orNoTopic(ev.Group)
			}
		}
		what := ev.Type
		if ev.Text != "" {
			what += " " + fmt.Sprintf("%q", ev.Text)
		}
		return fmt.Sprintf("%s message %s: %s [%s]", at, where, what, ev.MsgID)
	case browser.EventGroupChange:
		var parts []string
		for _, ch := range ev.Changes {
			switch ch {
			case "topic":
				parts = append(parts, fmt.Sprintf("topic %q → %q", *ev.OldTopic, *ev.Topic))
			case "members":
				if len(ev.Joined) > 0 {
					parts = append(parts, "joined "+strings.Join(ev.Joined, ", "))
				}
				if len(ev.Left) > 0 {
					parts = append(parts, "left "+strings.Join(ev.Left, ", "))
				}
			case "new":
				parts = append(parts, fmt.Sprintf("new group with %s", strings.Join(ev.Joined, ", ")))
			case "gone":
				parts = append(parts, "you are no longer in it")
			}
		}
		return fmt.Sprintf("%s group-change %s: %s [%s]", at, orNoTopic(ev.Group), strings.Join(parts, "; "), ev.GroupID)
	case browser.EventContactChange:
		what := strings.Join(ev.Changes, ", ")
		if ev.OldName != "" {
			what += fmt.Sprintf(" (was %q)", ev.OldName)
		}
		return fmt.Sprintf("%s contact-change %s: %s [%s]", at, ev.Name, what, ev.UserID)
	}
	return fmt.Sprintf("%s %s: %s", at, ev.Kind, ev.Reason)
}

func orNoTopic(topic string) string {
	if topic == "" {
		return "(group without topic)"
	}
	return topic
}
