package cmd

// room.go holds the room command group and what every command about an
// existing group shares: finding the group, reading it back, and showing
// it. The changes (add, remove, topic, quit) share runChange and its
// report, here too, so that each of their files is only what is
// particular to it.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/wxctl/wxctl/browser"
	"github.com/wxctl/wxctl/cmd/internal/table"
)

var roomCommand = &cli.Command{
	Name:  "room",
	Usage: "create and manage groups (chat rooms)",
	Subcommands: []*cli.Command{
		roomCreateCommand, roomBatchCommand,
		roomInfoCommand, roomAddCommand, roomRemoveCommand, roomTopicCommand, roomQuitCommand,
	},
}

// groupSession is web WeChat open with one of your groups found among the
// app's contacts and read back: the start of every command about an
// existing group.
type groupSession struct {
	*session
	book *browser.AddressBook
	// room and info are the group as read back and its ContactList entry.
	room *browser.Contact
	info json.RawMessage
}

// openGroup opens the app and finds the group called name. It returns a
// nil session when none could be opened; otherwise the session, to be
// closed, with the error of a later step, so that --json can still report.
func openGroup(c *cli.Context, name string) (*groupSession, error) {
	s, err := openSession(c, c.Bool(sandboxFlag.Name))
	if err != nil {
		return nil, err
	}
	g := &groupSession{session: s}
	if g.book, err = browser.LoadContacts(s.Context(), s.Page); err != nil {
		return g, err
	}
	group, err := g.book.ResolveGroup(name)
	if err != nil {
		return g, err
	}
	s.BeginOperation()
	g.room, g.info, err = browser.ReadRoom(s.Context(), s.Page, group.UserName)
	return g, err
}

// groupJSON is a group as read back; names are plain text.
type groupJSON struct {
	ChatRoomName string       `json:"chatRoomName"`
	Topic        string       `json:"topic"`
	IsOwner      bool         `json:"isOwner"`
	InGroup      bool         `json:"inGroup"` // you are a member
	MemberCount  int          `json:"memberCount"`
	Members      []memberJSON `json:"members"`
}

func newGroupJSON(room *browser.Contact, self string) *groupJSON {
	out := &groupJSON{
		ChatRoomName: room.UserName, Topic: browser.PlainName(room.NickName), IsOwner: room.IsOwner == 1,
		InGroup: room.HasMember(self), MemberCount: len(room.MemberList), Members: []memberJSON{},
	}
	for _, m := range room.MemberList {
		out.Members = append(out.Members, memberJSON{
			UserName: m.UserName, NickName: browser.PlainName(m.NickName), DisplayName: browser.PlainName(m.DisplayName),
		})
	}
	return out
}

// printGroup prints a group as read back for people.
func printGroup(w io.Writer, room *browser.Contact, self string) {
	topic := browser.PlainName(room.NickName)
	if topic == "" {
		topic = "(no topic)"
	}
	fmt.Fprintf(w, "Group %q  %s\n", topic, room.UserName)
	owner := "you do not own it"
	if room.IsOwner == 1 {
		owner = "you own it"
	}
	if !room.HasMember(self) {
		owner = "you are not a member"
	}
	fmt.Fprintf(w, "%d members · %s · read back through webwxbatchgetcontact\n", len(room.MemberList), owner)
	t := table.Table{Indent: "  "}
	for _, m := range room.MemberList {
		note := ""
		if m.UserName == self {
			note = "(you)"
		}
		t.Row(displayName(m), m.UserName, note)
	}
	t.Write(w)
}

// Changes: add, remove, topic and quit.

// lateReadBack bounds reading the group back after --timeout ran out on a
// change, so that the report can show the group as it is then.
const lateReadBack = 10 * time.Second

// changeFunc makes one change to the group of g through the app: it
// resolves and checks what the command asks against the group as read back
// (refusing bad input before any call), then calls the app. members are
// those the change concerns (none for topic and quit).
type changeFunc func(g *groupSession) (members []browser.Contact, ch *browser.RoomChange, err error)

// change is what a change command reports.
type change struct {
	action   string // "add", "remove", "topic" or "quit"
	topic    string // the new topic, for "topic"
	members  []browser.Contact
	ch       *browser.RoomChange
	self     string
	original *browser.Contact // the group as read back before the change
}

// runChange runs a change command on the group named by the first
// argument and reports it.
func runChange(c *cli.Context, action, topic string, do changeFunc) error {
	g, err := openGroup(c, c.Args().First())
	if g == nil {
		return nothingSent(err)
	}
	defer g.Close()
	out := change{action: action, topic: topic, original: g.room}
	if g.book != nil {
		out.self = g.book.Self.UserName
	}
	if err == nil {
		out.members, out.ch, err = do(g)
	}
	if out.ch == nil {
		err = nothingSent(err) // the change failed before it was made
	}
	if out.ch != nil && errors.Is(err, browser.ErrOutcomeUnknown) {
		// The deadline is gone; the group as it is now tells the user
		// whether the change happened after all.
		ctx, cancel := context.WithTimeout(c.Context, lateReadBack)
		out.ch.ReadBack(ctx, g.Page)
		cancel()
	}
	if c.Bool(jsonFlag.Name) {
		return writeOutput(c, newChangeJSON(out, g.OpCalls(), err), err)
	}
	if out.ch != nil {
		printChange(c.App.Writer, out)
	}
	return err
}

// confirmed reports whether the group as read back shows the change; ok is
// false when it was not read back.
func (x change) confirmed() (yes, ok bool) {
	if x.ch == nil || x.ch.Room == nil {
		return false, false
	}
	room := x.ch.Room
	switch x.action {
	case "add":
		return x.all(room.HasMember), true
	case "remove":
		return x.all(func(u string) bool { return !room.HasMember(u) }), true
	case "topic":
		return browser.PlainName(room.NickName) == x.topic, true
	case "quit":
		return !room.HasMember(x.self), true
	}
	return false, false
}

// all reports whether every member of the change passes test.
func (x change) all(test func(userName string) bool) bool {
	for _, m := range x.members {
		if !test(m.UserName) {
			return false
		}
	}
	return true
}

// changeJSON is the --json output of room add, remove, topic and quit.
type changeJSON struct {
	OK           bool         `json:"ok"`
	Action       string       `json:"action"`
	ChatRoomName string       `json:"chatRoomName"`
	Members      []memberJSON `json:"members"`
	NewTopic     *string      `json:"newTopic,omitempty"`
	Invited      bool         `json:"invited"`
	Updates      []updateJSON `json:"updates"`
	// Confirmed is whether the group as read back shows the change; null
	// when it could not be read back.
	Confirmed     *bool      `json:"confirmed"`
	Room          *groupJSON `json:"room"`
	ReadBackError string     `json:"readBackError,omitempty"`
	Calls         []callJSON `json:"calls"`
	Error         string     `json:"error,omitempty"`
	ExitCode      int        `json:"exitCode"`
}

// updateJSON is one webwxupdatechatroom call of the app and its answer.
type updateJSON struct {
	Fun        string   `json:"fun"`
	Members    []string `json:"members"`
	Answered   bool     `json:"answered"`
	Ret        *int     `json:"ret"`
	RetMeaning string   `json:"retMeaning,omitempty"`
	ErrMsg     string   `json:"errMsg"`
}

func newChangeJSON(x change, calls []browser.NetCall, err error) changeJSON {
	out := changeJSON{
		OK: err == nil, Action: x.action, Members: []memberJSON{}, Updates: []updateJSON{},
		Calls: callsJSON(calls), Error: errText(err), ExitCode: ExitCode(err),
	}
	if x.original != nil {
		out.ChatRoomName = x.original.UserName
	}
	if x.action == "topic" {
		out.NewTopic = &x.topic
	}
	for _, m := range x.members {
		out.Members = append(out.Members, memberJSON{UserName: m.UserName, NickName: browser.PlainName(m.NickName)})
	}
	if x.ch == nil {
		return out
	}
	out.Invited = x.ch.Invited()
	for _, u := range x.ch.Updates {
		j := updateJSON{Fun: u.Fun, Members: u.Members, Answered: u.Answered, ErrMsg: u.ErrMsg}
		if u.Members == nil {
			j.Members = []string{}
		}
		if u.Answered {
			ret := u.Ret
			j.Ret, j.RetMeaning = &ret, browser.RetMeaning(ret)
		}
		out.Updates = append(out.Updates, j)
	}
	if yes, ok := x.confirmed(); ok {
		out.Confirmed = &yes
	}
	if x.ch.Room != nil {
		out.Room = newGroupJSON(x.ch.Room, x.self)
	}
	if x.ch.ReadErr != nil {
		out.ReadBackError = x.ch.ReadErr.Error()
	}
	return out
}

// printChange prints for people what the app sent, what WeChat answered
// and the group as read back afterwards.
func printChange(w io.Writer, x change) {
	for _, u := range x.ch.Updates {
		fmt.Fprintf(w, "webwxupdatechatroom?fun=%s%s → %s\n", u.Fun, x.names(u.Members), answerText(u))
	}
	if x.ch.Invited() {
		fmt.Fprintln(w, "Invited, not added: the group has 40 members or more, so WeChat sends invitations, and an invitation is not a membership.")
	}
	if x.ch.Room == nil {
		fmt.Fprintf(w, "The group could not be read back: %v\n", x.ch.ReadErr)
		return
	}
	yes, _ := x.confirmed()
	switch {
	case yes:
		fmt.Fprintln(w, "As read back afterwards, the group shows the change.")
	case x.pending():
		fmt.Fprintln(w, "As read back when time ran out, the group does not show the change; the request may still take effect.")
	default:
		fmt.Fprintln(w, "As read back afterwards, the group does not show the change.")
	}
	printGroup(w, x.ch.Room, x.self)
}

// pending reports whether the last call the app made is still without an
// answer.
func (x change) pending() bool {
	u := x.ch.Updates
	return len(u) > 0 && !u[len(u)-1].Call.Done
}

// names lists the members a call names, by the names the user knows.
func (x change) names(userNames []string) string {
	if len(userNames) == 0 {
		return ""
	}
	out := make([]string, len(userNames))
	for i, u := range userNames {
		out[i] = u
		for _, m := range x.members {
			if m.UserName == u {
				out[i] = m.Label()
			}
		}
	}
	return " [" + strings.Join(out, ", ") + "]"
}

// answerText says what WeChat answered to one update.
func answerText(u browser.RoomUpdate) string {
	switch {
	case u.Answered:
		return fmt.Sprintf("Ret %d: %s", u.Ret, browser.RetMeaning(u.Ret))
	case u.Call.Done && u.Call.Err != "":
		return "failed: " + u.Call.Err
	case u.Call.Done:
		return fmt.Sprintf("HTTP %d, not a WeChat answer", u.Call.Status)
	}
	return "no answer in time: outcome unknown"
}
