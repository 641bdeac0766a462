package sandbox

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrUnknownName means a friend action named a person or a group the
// sandbox does not know, or one it cannot act for (a stranger, a group the
// user is not in).
var ErrUnknownName = errors.New("sandbox: unknown person or group")

// The friend actions: what other people do that reaches the user through
// the push channel, as on the real server (synccheck selector 2, then
// webwxsync's AddMsgList and ModContactList).
const (
	FriendSay    = "say"
	FriendJoin   = "join"
	FriendLeave  = "leave"
	FriendRename = "rename"
)

// FriendSays makes person (a UserName or a name: NickName or RemarkName)
// send text to the user, or into group (a UserName or topic) when group is
// not "". The message comes with the next webwxsync, shaped as the real
// server shapes it: MsgType 1, the text HTML-escaped with <br/> for new
// lines and emoji as <span class="emoji emoji1f601"></span>; in a group
// FromUserName is the group and the content starts with
// "@sender:<br/>". It returns the message's MsgId.
func (s *Server) FriendSays(person, group, text string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	from, err := st.findPerson(person)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(text) == "" {
		return "", errors.New("sandbox: empty message")
	}
	id := randomInt(1e18, 9e18)
	msg := &message{
		MsgID: itoa(id), FromUserName: from, ToUserName: SelfUserName, MsgType: msgTypeText,
		Content: emojiMarkup(escapeMessage(text)), Status: 3, ImgStatus: 1,
		CreateTime: time.Now().Unix(), NewMsgID: id,
	}
	if group == "" {
		if !st.isFriend(from) {
			return "", fmt.Errorf("%w: %s is not a friend of the user", ErrUnknownName, person)
		}
		st.seq++
		st.touch(from)
		st.events = append(st.events, event{seq: st.seq, msg: msg})
		s.notifyLocked()
		return msg.MsgID, nil
	}
	r, err := st.findRoom(group)
	if err != nil {
		return "", err
	}
	if !r.has(from) {
		return "", fmt.Errorf("%w: %s is not in the group %s", ErrUnknownName, person, group)
	}
	msg.FromUserName = r.userName
	msg.Content = from + ":<br/>" + msg.Content
	st.seq++
	st.touch(r.userName)
	// No room in the event: a message changes no contact.
	st.events = append(st.events, event{seq: st.seq, msg: msg})
	s.notifyLocked()
	return msg.MsgID, nil
}

// FriendJoins adds person to group, as when a member invites them: the
// group comes in ModContactList with its new MemberList, and the chat gets
// the system message "X"加入了群聊.
func (s *Server) FriendJoins(person, group string) error {
	return s.friendChange(person, group, func(st *state, r *room, who string) error {
		if r.has(who) {
			return fmt.Errorf("sandbox: %s is in the group already", person)
		}
		r.members = append(r.members, roomMember{userName: who})
		st.change(r.userName, systemMessage(`"`+st.name(who)+`"加入了群聊`))
		return nil
	})
}

// FriendLeaves takes person out of group, as when they quit it: the real
// server tells the others only through ModContactList, with no system
// message, and so does the sandbox.
func (s *Server) FriendLeaves(person, group string) error {
	return s.friendChange(person, group, func(st *state, r *room, who string) error {
		i := r.index(who)
		if i < 0 {
			return fmt.Errorf("sandbox: %s is not in the group", person)
		}
		r.members = slices.Delete(r.members, i, i+1)
		if r.owner == who {
			r.owner = r.members[0].userName // the user is still in it
		}
		st.change(r.userName, nil)
		return nil
	})
}

// FriendRenames makes person, a member of group, rename it to topic: the
// group comes in ModContactList with its new NickName, and the chat gets
// the system message "X"修改群名为“topic”.
func (s *Server) FriendRenames(person, group, topic string) error {
	return s.friendChange(person, group, func(st *state, r *room, who string) error {
		if !r.has(who) {
			return fmt.Errorf("sandbox: %s is not in the group", person)
		}
		if no := checkTopic(topic); no != nil {
			return errors.New("sandbox: " + no.msg)
		}
		r.topic = escapeText(topic)
		st.change(r.userName, systemMessage(`"`+st.name(who)+`"修改群名为“`+escapeText(topic)+`”`))
		return nil
	})
}

// friendChange applies one change by person to a group the user is in,
// and wakes the push channel.
func (s *Server) friendChange(person, group string, apply func(*state, *room, string) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	who, err := s.st.findPerson(person)
	if err != nil {
		return err
	}
	r, err := s.st.findRoom(group)
	if err != nil {
		return err
	}
	if err := apply(s.st, r, who); err != nil {
		return err
	}
	s.notifyLocked()
	return nil
}

// findPerson resolves a person other than the user by UserName, NickName
// or RemarkName; a name two people share is refused.
func (st *state) findPerson(name string) (string, error) {
	if _, ok := st.people[name]; ok {
		return name, nil
	}
	var found []string
	for u, p := range st.people {
		if p.NickName == name || (p.RemarkName != "" && p.RemarkName == name) {
			found = append(found, u)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return "", fmt.Errorf("%w: no person %q", ErrUnknownName, name)
	}
	return "", fmt.Errorf("%w: %d people are called %q: give the UserName", ErrUnknownName, len(found), name)
}

// findRoom resolves a group the user is in by UserName or topic.
func (st *state) findRoom(name string) (*room, error) {
	r, ok := st.rooms[name]
	if !ok {
		var found []*room
		for _, u := range st.roomList {
			if c := st.rooms[u]; c.topic == escapeText(name) || c.topic == name {
				found = append(found, c)
			}
		}
		if len(found) > 1 {
			return nil, fmt.Errorf("%w: %d groups are called %q: give the UserName", ErrUnknownName, len(found), name)
		}
		if len(found) == 1 {
			r, ok = found[0], true
		}
	}
	if !ok || !r.has(SelfUserName) {
		return nil, fmt.Errorf("%w: no group %q with the user in it", ErrUnknownName, name)
	}
	return r, nil
}

// emojiMarkup writes the emoji of a message as the real server sends them
// in AddMsgList: each character of the emoji planes as
// <span class="emoji emoji1f601"></span>.
func emojiMarkup(s string) string {
	if !strings.ContainsFunc(s, isEmoji) {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		if isEmoji(r) {
			b.WriteString(`<span class="emoji emoji` + strconv.FormatInt(int64(r), 16) + `"></span>`)
		} else {
			b.WriteString(s[:n])
		}
		s = s[n:]
	}
	return b.String()
}

// isEmoji reports whether r is in the planes of pictographs and emoticons.
func isEmoji(r rune) bool { return r >= 0x1F000 && r <= 0x1FAFF }
