package smoke

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/wxctl/wxctl/browser"
)

// maxNearEvents is how many of the events that did come, but did not
// match, a failed event check lists.
const maxNearEvents = 3

// eventCheck: an event of a kind (a message, a group's change, …) the app
// receives after the check named by after began, matching the assertions
// on its JSON (the same as wxctl watch --json prints) and, with chat, in
// that chat.
type eventCheck struct {
	kind   string
	after  string
	chat   any // "", a name, or a MemberRef or resultRef that gives a UserName
	expect []assertion
	deps   []string
}

func (c eventCheck) refs() []string { return c.deps }

func parseEventCheck(p *planParser, f *fieldMap) (checkSpec, error) {
	c := eventCheck{}
	var err error
	kind, ok := f.vals["event"]
	if !ok {
		return nil, p.errorf(f.node, "%s: event: is missing: the kind of event to wait for (%s)", f.what, strings.Join(browser.EventKinds, ", "))
	}
	if c.kind, err = f.str("event", true); err != nil {
		return nil, err
	}
	if !slices.Contains(browser.EventKinds, c.kind) {
		return nil, p.errorf(kind, "%s: event: unknown event %q (known: %s)%s", f.what, c.kind,
			strings.Join(browser.EventKinds, ", "), suggestion(c.kind, browser.EventKinds))
	}
	after, ok := f.vals["after"]
	if !ok {
		return nil, p.errorf(f.node, "%s: after: is missing: an event check waits for what comes after an earlier check began (after: send hello)", f.what)
	}
	if c.after, err = f.str("after", true); err != nil {
		return nil, err
	}
	p.addRef(checkRef{name: c.after, field: "after", line: after.Line})
	c.deps = append(c.deps, c.after)
	if n, ok := f.vals["chat"]; ok {
		before := len(p.refs[p.cur])
		if c.chat, err = p.value(n, true); err != nil {
			return nil, err
		}
		switch c.chat.(type) {
		case string, MemberRef, resultRef:
		default:
			return nil, p.errorf(n, "%s: chat: must be a name, {member: NAME} or {result: CHECK, path: PATH}", f.what)
		}
		for _, r := range p.refs[p.cur][before:] {
			c.deps = append(c.deps, r.name)
		}
	}
	if c.expect, err = p.assertions(f, "expect"); err != nil {
		return nil, err
	}
	return c, nil
}

// describe is the event the check waits for, for messages.
func (c eventCheck) describe() string {
	s := "a " + c.kind + " event"
	if c.chat != nil {
		s += " in " + describeChat(c.chat)
	}
	if len(c.expect) > 0 {
		parts := make([]string, len(c.expect))
		for i, a := range c.expect {
			parts[i] = a.String()
		}
		s += " with " + Clip(strings.Join(parts, "; "), 160)
	}
	return s
}

func describeChat(chat any) string {
	switch x := chat.(type) {
	case MemberRef:
		return fmt.Sprintf("the chat with %s", x.Name)
	case resultRef:
		if len(x.Path.steps) == 0 {
			return fmt.Sprintf("the chat of {result: %s}", x.Check)
		}
		return fmt.Sprintf("the chat of {result: %s, path: %s}", x.Check, x.Path)
	}
	return fmt.Sprintf("%q", chat)
}

// eventStream is the stream an event check reads, started when the check
// its after: names began.
type eventStream struct {
	evs *browser.Events
	err error
}

// startEvents starts the stream of every event check whose after: names
// the check res is about to run: then, and not when the event check runs,
// because the stream seeds its view of the groups from the app's store,
// and a group's change the app applied before that shows no change. A page
// not open yet has no app to read: the event check then starts its stream
// itself, from the same mark.
func (r *Run) startEvents(ctx context.Context, res *Result) {
	if r.Page == nil || !r.opened {
		return
	}
	for _, c := range r.plan.Checks {
		if ec, ok := c.spec.(eventCheck); ok && ec.after == res.check.Name {
			if r.events == nil {
				r.events = map[*Check]*eventStream{}
			}
			evs, err := browser.NewEvents(ctx, r.Page, res.mark)
			r.events[c] = &eventStream{evs: evs, err: err}
		}
	}
}

// stream takes the stream started for the event check c.
func (r *Run) stream(ctx context.Context, c *Check, after int) (*browser.Events, error) {
	s := r.events[c]
	delete(r.events, c)
	if s == nil {
		return browser.NewEvents(ctx, r.Page, after)
	}
	return s.evs, s.err
}

// nearEvent is an event that came but did not match, and why.
type nearEvent struct {
	ev  browser.Event
	why string
}

func (c eventCheck) run(ctx context.Context, r *Run, res *Result) error {
	var chatID, chatName string
	switch c.chat.(type) {
	case nil:
	case string:
		chatName = c.chat.(string)
	default:
		v, err := r.resolveArgs(ctx, c.chat)
		if err != nil {
			return err
		}
		s, ok := v.(string)
		if !ok || s == "" {
			return fmt.Errorf("chat: %s is %s, not a UserName", describeChat(c.chat), Clip(compactJSON(v), 80))
		}
		chatID = s
	}
	evs, err := r.stream(ctx, res.check, r.results[c.after].mark)
	if err != nil {
		return err
	}
	var near []nearEvent
	var doc any
	ev, err := evs.Wait(ctx, func(e browser.Event) bool {
		why := c.mismatch(e, chatID, chatName)
		if why == "" {
			doc = eventDoc(e)
			for _, a := range c.expect {
				if err := a.check(doc); err != nil {
					why = err.Error()
					break
				}
			}
		}
		if why == "" {
			return true
		}
		if near = append(near, nearEvent{e, why}); len(near) > maxNearEvents {
			near = near[1:]
		}
		return false
	})
	if err == nil {
		res.value, _ = json.Marshal(doc)
		res.message = fmt.Sprintf("%s after %q began", eventLine(ev), c.after)
		return nil
	}
	what := fmt.Sprintf("no %s after check %q began", strings.TrimPrefix(c.describe(), "a "), c.after)
	if n := evs.Missed(); n > 0 {
		what += fmt.Sprintf(" (%d of the app's calls were let go unread)", n)
	}
	ended := errors.Is(err, browser.ErrNotLoggedIn)
	if ended {
		// The session's end is said once, up front, not as an event that
		// came instead.
		near = slices.DeleteFunc(near, func(n nearEvent) bool { return n.ev.Kind == browser.EventSessionEnded })
	}
	what += nearText(near)
	switch {
	case ended:
		reason := strings.TrimPrefix(err.Error(), "watching the app: ")
		return &noEventError{msg: fmt.Sprintf("the session ended (%s): %s", reason, what), err: err}
	case ctx.Err() != nil:
		return &noEventError{msg: what, err: ctx.Err()}
	}
	return err // the page or the browser went away
}

// noEventError is an event check's failure when the event did not come:
// its message says what came instead, and it unwraps to why the wait
// ended (context.DeadlineExceeded, browser.ErrNotLoggedIn).
type noEventError struct {
	msg string
	err error
}

func (e *noEventError) Error() string { return e.msg }
func (e *noEventError) Unwrap() error { return e.err }

// mismatch says why e is not the event awaited, before the assertions:
// its kind or its chat; "" when it may be.
func (c eventCheck) mismatch(e browser.Event, chatID, chatName string) string {
	if e.Kind != c.kind {
		return "event = " + e.Kind
	}
	switch {
	case chatID != "":
		if e.GroupID == chatID || e.UserID == chatID || (e.GroupID == "" && (e.FromID == chatID || e.ToID == chatID)) {
			return ""
		}
		return "in another chat"
	case chatName != "":
		if e.Group == chatName || e.Name == chatName || (e.GroupID == "" && (e.From == chatName || e.To == chatName)) {
			return ""
		}
		return "in another chat"
	}
	return ""
}

// eventDoc is an event as assertions see it: its JSON, decoded.
func eventDoc(e browser.Event) any {
	var doc any
	b, _ := json.Marshal(e) // an Event always marshals
	_ = json.Unmarshal(b, &doc)
	return doc
}

// eventLine is one line for an event: its kind and what tells it apart.
func eventLine(e browser.Event) string {
	var b strings.Builder
	b.WriteString(e.Kind)
	add := func(label, v string) {
		if v != "" {
			fmt.Fprintf(&b, " %s %s", label, Clip(v, 80))
		}
	}
	switch e.Kind {
	case browser.EventMessage:
		add("from", e.From)
		if e.Group != "" {
			add("in", e.Group)
		} else {
			add("to", e.To)
		}
		if e.Mine {
			b.WriteString(" (mine)")
		}
		add(e.Type+":", fmt.Sprintf("%q", Clip(e.Text, 60)))
	case browser.EventGroupChange:
		add("of", e.Group)
		add("changes", strings.Join(e.Changes, ","))
	case browser.EventContactChange:
		add("of", e.Name)
		add("changes", strings.Join(e.Changes, ","))
	case browser.EventSessionEnded:
		add("because", e.Reason)
	}
	return b.String()
}

// nearText lists the events that came instead, one a line.
func nearText(near []nearEvent) string {
	if len(near) == 0 {
		return "; no event came at all"
	}
	var b strings.Builder
	if len(near) == 1 {
		b.WriteString("; what came instead:")
	} else {
		fmt.Fprintf(&b, "; the last %d that came instead:", len(near))
	}
	for _, n := range near {
		fmt.Fprintf(&b, "\n        %s (%s)", eventLine(n.ev), Clip(n.why, 100))
	}
	return b.String()
}
