package sandbox

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// maxTopicRunes is the longest room topic the sandbox accepts.
const maxTopicRunes = 32

// refusal is a non-zero Ret with its ErrMsg; nil means success.
type refusal struct {
	ret int
	msg string
}

func refuse(ret int, msg string) *refusal { return &refusal{ret: ret, msg: msg} }

type createRequest struct {
	MemberCount int
	MemberList  []struct{ UserName string }
	Topic       string
}

// serveCreateChatRoom answers webwxcreatechatroom: the seed's answer shape,
// whose MemberList lists the invited members only.
func (s *Server) serveCreateChatRoom(c *call) {
	var req createRequest
	if !c.decode(&req) {
		return
	}
	names := make([]string, len(req.MemberList))
	for i, m := range req.MemberList {
		names[i] = m.UserName
	}
	s.mu.Lock()
	var a *createAnswer
	var fresh *freshRoom
	no := s.rateLimitLocked() // batch (issue 6): Ret 1/1205 past the burst, see ratelimit.go
	if no == nil {
		a, no = s.st.createRoom(names, req.Topic)
	}
	if no == nil {
		s.notifyLocked()
		fresh = s.freshLocked(a.ChatRoomName)
	}
	s.mu.Unlock()
	if no != nil {
		c.fail(no.ret, no.msg)
		return
	}
	s.awaitFirstRead(c.r.Context(), fresh)
	if s.dropCreateAnswer(c, a.ChatRoomName) { // batch (issue 6): the lost-answer switch, see lostanswer.go
		return
	}
	if c.flagged != nil {
		a.setBase(c.flagged.ret, c.flagged.msg)
	}
	c.json(a)
}

// escapeText escapes text for an HTML context the way the server escapes
// names people type.
var escapeText = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace

// createRoom validates a create request and makes the room, owned by the
// user, with the user and the invitees as members.
func (st *state) createRoom(names []string, topic string) (*createAnswer, *refusal) {
	if no := st.checkNewMembers(names); no != nil {
		return nil, no
	}
	if len(names) < 2 {
		return nil, refuse(retSystem, "a room needs at least 2 members besides you")
	}
	if no := checkTopic(topic); no != nil {
		return nil, no
	}
	r := st.addRoom(topic, SelfUserName, append([]string{SelfUserName}, names...))
	st.created(r.userName, st.inviteMessage(names))
	a := newCreateAnswer().(*createAnswer)
	a.setBase(retOK, "Everything is OK")
	a.Topic = topic
	a.ChatRoomName = r.userName
	for _, n := range names {
		a.MemberList = append(a.MemberList, st.member(n, "", false))
	}
	a.MemberCount = len(a.MemberList)
	return a, nil
}

// checkNewMembers refuses (Ret 1204) anybody who is not a friend, the user,
// and duplicates, like the real server's "not a friend" answer.
func (st *state) checkNewMembers(names []string) *refusal {
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		switch {
		case n == SelfUserName:
			return refuse(retBadMember, "you cannot invite yourself")
		case st.special[n]:
			return refuse(retBadMember, "not a person: "+n)
		case !st.isFriend(n):
			return refuse(retBadMember, "not a friend: "+n)
		case seen[n]:
			return refuse(retBadMember, "listed twice: "+n)
		}
		seen[n] = true
	}
	return nil
}

func checkTopic(topic string) *refusal {
	if utf8.RuneCountInString(topic) > maxTopicRunes {
		return refuse(retLogic, "topic longer than 32 characters")
	}
	return nil
}

type updateRequest struct {
	AddMemberList    string
	DelMemberList    string
	InviteMemberList string
	NewTopic         string
	ChatRoomName     string
}

// serveUpdateChatRoom answers webwxupdatechatroom?fun=…. The answer lists
// the members added or removed; the changed room reaches the app through
// synccheck and webwxsync, as on the real server.
func (s *Server) serveUpdateChatRoom(c *call) {
	var req updateRequest
	if !c.decode(&req) {
		return
	}
	s.mu.Lock()
	members, no := s.st.updateRoom(c.r.URL.Query().Get("fun"), &req)
	if no == nil {
		s.notifyLocked()
	}
	s.mu.Unlock()
	if no != nil {
		c.fail(no.ret, no.msg)
		return
	}
	a := &updateAnswer{MemberCount: len(members), MemberList: members}
	a.setBase(retOK, "")
	c.json(a)
}

// updateRoom applies one webwxupdatechatroom fun and returns the members
// it added or removed.
func (st *state) updateRoom(fun string, req *updateRequest) ([]Member, *refusal) {
	r, ok := st.rooms[req.ChatRoomName]
	switch {
	case !ok:
		return nil, refuse(retBadRequest, "unknown room: "+req.ChatRoomName)
	case !r.has(SelfUserName):
		return nil, refuse(retLogic, "you are not in this room")
	}
	switch fun {
	case "addmember":
		return st.addMembers(r, req.AddMemberList)
	case "invitemember":
		// The real server sends invitations past 40 members; the sandbox's
		// invitees accept at once.
		return st.addMembers(r, req.InviteMemberList)
	case "delmember":
		return st.delMembers(r, req.DelMemberList)
	case "modtopic":
		return st.modTopic(r, req.NewTopic)
	case "quitchatroom":
		return st.quit(r)
	}
	return nil, refuse(retBadRequest, "unknown fun: "+fun)
}

// splitNames splits a comma-joined member list.
func splitNames(list string) []string {
	var out []string
	for n := range strings.SplitSeq(list, ",") {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// addMembers adds friends; those already in the room are skipped, as a
// repeated click in the app would be.
func (st *state) addMembers(r *room, list string) ([]Member, *refusal) {
	names := splitNames(list)
	if len(names) == 0 {
		return nil, refuse(retBadRequest, "no members to add")
	}
	if no := st.checkNewMembers(names); no != nil {
		return nil, no
	}
	names = slices.DeleteFunc(names, r.has) // already in: nothing to do
	added := []Member{}
	for _, n := range names {
		r.members = append(r.members, roomMember{userName: n})
		added = append(added, st.member(n, "", true))
	}
	if len(names) > 0 {
		st.change(r.userName, st.inviteMessage(names))
	}
	return added, nil
}

// delMembers removes members; only the owner may, and not himself.
func (st *state) delMembers(r *room, list string) ([]Member, *refusal) {
	names := splitNames(list)
	switch {
	case len(names) == 0:
		return nil, refuse(retBadRequest, "no members to remove")
	case r.owner != SelfUserName:
		return nil, refuse(retNotOwner, "only the owner can remove members")
	}
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		switch {
		case n == SelfUserName:
			return nil, refuse(retLogic, "the owner cannot remove himself; quit the room instead")
		case !r.has(n):
			return nil, refuse(retBadMember, "not in the room: "+n)
		case seen[n]:
			return nil, refuse(retBadMember, "listed twice: "+n)
		}
		seen[n] = true
	}
	removed := []Member{}
	for _, n := range names {
		i := r.index(n)
		removed = append(removed, st.member(n, r.members[i].displayName, true))
		r.members = slices.Delete(r.members, i, i+1)
	}
	st.change(r.userName, systemMessage(`你将"`+st.names(names)+`"移出了群聊`))
	return removed, nil
}

// modTopic renames the room; an empty topic is allowed (no name).
func (st *state) modTopic(r *room, topic string) ([]Member, *refusal) {
	if no := checkTopic(topic); no != nil {
		return nil, no
	}
	// The real server sends names that people typed HTML-escaped; only the
	// emoji markup it adds itself stays markup.
	r.topic = escapeText(topic)
	st.change(r.userName, systemMessage(`你修改群名为“`+topic+`”`))
	return []Member{}, nil
}

// quit takes the user out of the room, which webwxsync then reports in
// DelContactList.
func (st *state) quit(r *room) ([]Member, *refusal) {
	i := r.index(SelfUserName)
	r.members = slices.Delete(r.members, i, i+1)
	if r.owner == SelfUserName && len(r.members) > 0 {
		r.owner = r.members[0].userName // the real server hands the room on
	}
	st.change(r.userName, nil)
	return []Member{}, nil
}

// names joins people's names the way system messages do.
func (st *state) names(userNames []string) string {
	out := make([]string, len(userNames))
	for i, u := range userNames {
		out[i] = st.name(u)
	}
	return strings.Join(out, "、")
}

func (st *state) inviteMessage(userNames []string) *message {
	return systemMessage(`你邀请"` + st.names(userNames) + `"加入了群聊`)
}

func systemMessage(content string) *message {
	id := randomInt(1e18, 9e18)
	return &message{
		MsgID: itoa(id), MsgType: msgTypeSys, Content: content, Status: 4, ImgStatus: 1,
		CreateTime: time.Now().Unix(), NewMsgID: id,
	}
}
