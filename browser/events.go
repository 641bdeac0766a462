package browser

import (
	"encoding/json"
	"html"
	"regexp"
	"slices"
	"strings"
	"time"
)

// The kinds of Event.
const (
	EventMessage       = "message"
	EventGroupChange   = "group-change"
	EventContactChange = "contact-change"
	EventSessionEnded  = "session-ended"
)

// EventKinds are the kinds of Event, in the order of the README.
var EventKinds = []string{EventMessage, EventGroupChange, EventContactChange, EventSessionEnded}

// Event is one thing the app received: a message, a change to a group or a
// contact, the end of the session. Names are plain text (emoji as emoji),
// as the app holds them when the event comes. Its JSON is a stable
// interface: README.md documents it.
type Event struct {
	Kind string    `json:"event"`
	Time time.Time `json:"time"`

	// A message: MsgType with its name (Type), who sent it (From, FromID),
	// to whom (To, ToID: a person, or the group), the group it was said in
	// (Group, GroupID), and its Text.
	MsgID   string `json:"msgId,omitempty"`
	Type    string `json:"type,omitempty"`
	MsgType int    `json:"msgType,omitempty"`
	From    string `json:"from,omitempty"`
	FromID  string `json:"fromId,omitempty"`
	To      string `json:"to,omitempty"`
	ToID    string `json:"toId,omitempty"`
	Text    string `json:"text,omitempty"`
	// Mine is true for a message the user sent (from this page or another
	// device): the server echoes it.
	Mine bool `json:"mine,omitempty"`

	// A group's change: Changes lists what changed ("topic", "members",
	// "new": a group the app did not hold, "gone": the user left it or was
	// removed); OldTopic and Topic, Joined and Left say how.
	Group    string   `json:"group,omitempty"`
	GroupID  string   `json:"groupId,omitempty"`
	Changes  []string `json:"changes,omitempty"`
	OldTopic *string  `json:"oldTopic,omitempty"`
	Topic    *string  `json:"topic,omitempty"`
	Joined   []string `json:"joined,omitempty"`
	Left     []string `json:"left,omitempty"`

	// A contact's change: Changes holds "name", "remark", "new" or "gone";
	// Name is the contact's name now, OldName the one before.
	Name    string `json:"name,omitempty"`
	OldName string `json:"oldName,omitempty"`
	UserID  string `json:"userId,omitempty"`

	// Reason says why the session ended.
	Reason string `json:"reason,omitempty"`

	// Seq is the Seq of the app's call that carried the event.
	Seq int `json:"-"`
}

// msgTypes names the MsgTypes of AddMsgList (the app's confFactory
// MSGTYPE_*). MsgType 51, the app's own status notifications, is no event.
var msgTypes = map[int]string{
	1: "text", 3: "image", 34: "voice", 37: "friend-request", 42: "card", 43: "video", 47: "sticker",
	48: "location", 49: "app", 50: "call", 62: "video", 10000: "system", 10002: "recall",
}

// msgTypeStatusNotify is the MsgType of the app's own bookkeeping messages.
const msgTypeStatusNotify = 51

// MessageTypes are the names Event.Type takes, for --type.
func MessageTypes() []string {
	seen := map[string]bool{"other": true}
	out := []string{}
	for _, n := range msgTypes {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return append(out, "other")
}

// wireContact is a contact or group as webwxsync, webwxbatchgetcontact,
// webwxinit and webwxgetcontact send it, and as the contact store script
// copies it.
type wireContact struct {
	UserName   string
	NickName   string
	RemarkName string
	MemberList []Member
}

// syncAnswer is the part of a webwxsync answer events come from.
type syncAnswer struct {
	BaseResponse   *struct{ Ret int }
	AddMsgList     []wireMessage
	ModContactList []wireContact
	DelContactList []wireContact
}

// wireMessage is an AddMsgList entry.
type wireMessage struct {
	MsgID        string `json:"MsgId"`
	FromUserName string
	ToUserName   string
	MsgType      int
	Content      string
	CreateTime   int64
}

// person is what the tracker knows of a contact: plain names.
type person struct{ nick, remark string }

func (p person) label() string {
	if p.remark != "" {
		return p.remark
	}
	return p.nick
}

// group is what the tracker knows of a group: its plain topic and members
// (nil while the app holds the group without them).
type group struct {
	topic   string
	members map[string]member
}

type member struct{ nick, display string }

// tracker holds the app's view of its contacts and groups as the app's own
// answers built it, so that a group's ModContactList entry can be told
// against what the app held before. It is plain data: Events feeds it, in
// the order the app received the answers.
type tracker struct {
	self   string
	people map[string]person
	groups map[string]*group
}

func newTracker() *tracker {
	return &tracker{people: make(map[string]person), groups: make(map[string]*group)}
}

// learn takes contacts the app loaded (the store, webwxinit,
// webwxgetcontact, webwxbatchgetcontact) without telling of changes: a
// group it knows with members keeps them, the push channel being what
// changes them.
func (t *tracker) learn(list []wireContact) {
	for _, c := range list {
		if !isGroupName(c.UserName) {
			if c.UserName != "" {
				t.people[c.UserName] = person{nick: PlainName(c.NickName), remark: PlainName(c.RemarkName)}
			}
			continue
		}
		g := t.groups[c.UserName]
		if g == nil {
			t.groups[c.UserName] = newGroup(c)
		} else if g.members == nil && len(c.MemberList) > 0 {
			*g = *newGroup(c)
		}
	}
}

func newGroup(c wireContact) *group {
	g := &group{topic: PlainName(c.NickName)}
	if len(c.MemberList) > 0 {
		g.members = make(map[string]member, len(c.MemberList))
		for _, m := range c.MemberList {
			g.members[m.UserName] = member{nick: PlainName(m.NickName), display: PlainName(m.DisplayName)}
		}
	}
	return g
}

// sync turns one webwxsync answer into events, in the order the app
// applies it: DelContactList, ModContactList, AddMsgList. at is when the
// answer came.
func (t *tracker) sync(a *syncAnswer, at time.Time, seq int, out []Event) []Event {
	for _, c := range a.DelContactList {
		if isGroupName(c.UserName) {
			ev := Event{Kind: EventGroupChange, Time: at, Seq: seq, GroupID: c.UserName, Changes: []string{"gone"}}
			ev.Group = t.groupName(c.UserName, c.NickName)
			delete(t.groups, c.UserName)
			out = append(out, ev)
			continue
		}
		if p, ok := t.people[c.UserName]; ok {
			out = append(out, Event{Kind: EventContactChange, Time: at, Seq: seq, UserID: c.UserName, Name: p.label(), Changes: []string{"gone"}})
			delete(t.people, c.UserName)
		}
	}
	for _, c := range a.ModContactList {
		if isGroupName(c.UserName) {
			if ev, ok := t.groupChange(c, at, seq); ok {
				out = append(out, ev)
			}
			continue
		}
		if ev, ok := t.contactChange(c, at, seq); ok {
			out = append(out, ev)
		}
	}
	for _, m := range a.AddMsgList {
		if m.MsgType == msgTypeStatusNotify {
			continue
		}
		out = append(out, t.message(m, seq))
	}
	return out
}

// groupChange tells c against the group as held, and holds c from now on.
func (t *tracker) groupChange(c wireContact, at time.Time, seq int) (Event, bool) {
	now := newGroup(c)
	old := t.groups[c.UserName]
	t.groups[c.UserName] = now
	ev := Event{Kind: EventGroupChange, Time: at, Seq: seq, GroupID: c.UserName, Group: now.topic}
	if old == nil {
		ev.Changes = []string{"new"}
		ev.Topic = &now.topic
		ev.Joined = now.names(nil, t)
		return ev, true
	}
	if old.topic != now.topic {
		ev.Changes = append(ev.Changes, "topic")
		ev.OldTopic, ev.Topic = &old.topic, &now.topic
	}
	if old.members != nil && now.members != nil {
		ev.Joined = now.names(old.members, t)
		ev.Left = old.names(now.members, t)
		if len(ev.Joined)+len(ev.Left) > 0 {
			ev.Changes = append(ev.Changes, "members")
		}
	} else if now.members == nil {
		now.members = old.members // an answer without members changes none
	}
	return ev, len(ev.Changes) > 0
}

// names returns the plain names of g's members that are not in except,
// sorted.
func (g *group) names(except map[string]member, t *tracker) []string {
	var out []string
	for u, m := range g.members {
		if _, ok := except[u]; !ok {
			out = append(out, t.memberName(u, m))
		}
	}
	slices.Sort(out)
	return out
}

// contactChange tells a person's ModContactList entry against what the
// app held.
func (t *tracker) contactChange(c wireContact, at time.Time, seq int) (Event, bool) {
	now := person{nick: PlainName(c.NickName), remark: PlainName(c.RemarkName)}
	old, known := t.people[c.UserName]
	t.people[c.UserName] = now
	ev := Event{Kind: EventContactChange, Time: at, Seq: seq, UserID: c.UserName, Name: now.label()}
	switch {
	case c.UserName == t.self:
		return ev, false // the user's own profile
	case !known:
		ev.Changes = []string{"new"}
	default:
		if old.nick != now.nick {
			ev.Changes = append(ev.Changes, "name")
		}
		if old.remark != now.remark {
			ev.Changes = append(ev.Changes, "remark")
		}
		if old.label() != now.label() {
			ev.OldName = old.label()
		}
	}
	return ev, len(ev.Changes) > 0
}

// groupSender is how the server marks the sender of a group message: the
// content starts with "@sender:<br/>".
var groupSender = regexp.MustCompile(`^(@[a-zA-Z0-9]+|[a-zA-Z0-9_-]+):<br/>`)

// message turns an AddMsgList entry into an event.
func (t *tracker) message(m wireMessage, seq int) Event {
	ev := Event{
		Kind: EventMessage, Time: time.Unix(m.CreateTime, 0), Seq: seq,
		MsgID: m.MsgID, MsgType: m.MsgType, Type: msgTypes[m.MsgType],
		FromID: m.FromUserName, ToID: m.ToUserName,
	}
	if ev.Type == "" {
		ev.Type = "other"
	}
	content := m.Content
	switch {
	case isGroupName(m.FromUserName):
		ev.GroupID = m.FromUserName
		ev.FromID = ""
		if s := groupSender.FindStringSubmatch(content); s != nil {
			ev.FromID, content = s[1], content[len(s[0]):]
		}
	case isGroupName(m.ToUserName):
		ev.GroupID = m.ToUserName
	}
	ev.Mine = ev.FromID != "" && ev.FromID == t.self
	if ev.GroupID != "" {
		ev.Group = t.groupName(ev.GroupID, "")
		ev.ToID = ev.GroupID
		ev.To = ev.Group
		if ev.FromID != "" {
			ev.From = t.senderName(ev.FromID, ev.GroupID)
		}
	} else {
		ev.From = t.personName(ev.FromID)
		ev.To = t.personName(ev.ToID)
	}
	switch ev.Type {
	case "text", "system":
		ev.Text = messageText(content)
	}
	return ev
}

// groupName is a group's plain topic as held, else fallback's.
func (t *tracker) groupName(userName, fallback string) string {
	if g := t.groups[userName]; g != nil && g.topic != "" {
		return g.topic
	}
	return PlainName(fallback)
}

// personName is a person's name as the app shows it (RemarkName, else
// NickName), else the short UserName.
func (t *tracker) personName(userName string) string {
	if p, ok := t.people[userName]; ok && p.label() != "" {
		return p.label()
	}
	return ShortUserName(userName)
}

// senderName is a group member's name as the app shows it in the group:
// the name they gave themselves there, else the person's, else the
// member's NickName.
func (t *tracker) senderName(userName, groupID string) string {
	if g := t.groups[groupID]; g != nil {
		if m, ok := g.members[userName]; ok {
			return t.memberName(userName, m)
		}
	}
	return t.personName(userName)
}

func (t *tracker) memberName(userName string, m member) string {
	if m.display != "" {
		return m.display
	}
	if p, ok := t.people[userName]; ok && p.label() != "" {
		return p.label()
	}
	if m.nick != "" {
		return m.nick
	}
	return ShortUserName(userName)
}

// lineBreak is the server's new line in message content.
var lineBreak = regexp.MustCompile(`<br\s*/?>`)

// messageText turns message content as the server sends it (HTML-escaped,
// <br/> for new lines, emoji and QQ faces as markup) into plain text.
func messageText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	s = lineBreak.ReplaceAllString(s, "\n")
	s = emojiSpan.ReplaceAllStringFunc(s, func(span string) string {
		return emojiFromHex(emojiSpan.FindStringSubmatch(span)[1])
	})
	s = qqFace.ReplaceAllString(s, "$1")
	s = anyTag.ReplaceAllString(s, "")
	return html.UnescapeString(s)
}

// contactsOf returns the contacts an answer of the app's contact loading
// holds: ContactList (webwxinit, webwxbatchgetcontact) or MemberList
// (webwxgetcontact).
func contactsOf(body json.RawMessage) []wireContact {
	var a struct {
		ContactList []wireContact
		MemberList  []wireContact
	}
	if json.Unmarshal(body, &a) != nil {
		return nil
	}
	return append(a.ContactList, a.MemberList...)
}
