package sandbox

import (
	"encoding/json"
	"regexp"
	"slices"
	"testing"
)

// sendMsg POSTs webwxsendmsg the way chatFactory._postMessage does and
// returns the raw answer.
func (c *client) sendMsg(to, content, localID string) json.RawMessage {
	c.t.Helper()
	return c.api("webwxsendmsg", map[string]any{"Msg": map[string]any{
		"Type": 1, "Content": content, "FromUserName": SelfUserName, "ToUserName": to,
		"LocalID": localID, "ClientMsgId": localID,
	}})
}

func TestSendMsg(t *testing.T) {
	c := newClient(t)
	key := decode[initAnswer](t, c.api("webwxinit", nil)).SyncKey
	raw := c.sendMsg(Rain1ove, "hi <b>&\nbye", "17000000000000123")
	wantKeys(t, "webwxsendmsg", raw, []string{"BaseResponse", "MsgID", "LocalID"})
	a := decode[sendMsgAnswer](t, raw)
	if a.BaseResponse.Ret != 0 || a.MsgID == "" || a.LocalID != "17000000000000123" {
		t.Fatalf("answer %+v", a)
	}
	if got := c.syncCheck(key); got != changes {
		t.Errorf("synccheck after a message: %s", got)
	}
	s := c.sync(key)
	if s.AddMsgCount != 1 || s.ModContactCount != 0 {
		t.Fatalf("webwxsync: %d messages, %d contacts", s.AddMsgCount, s.ModContactCount)
	}
	m := s.AddMsgList[0]
	if m.MsgID != a.MsgID || m.FromUserName != SelfUserName || m.ToUserName != Rain1ove ||
		m.MsgType != msgTypeText || m.Content != "hi &lt;b&gt;&amp;<br/>bye" {
		t.Errorf("AddMsgList entry %+v", m)
	}

	room := c.s.Rooms()[0].UserName // the seed room, which the user is in
	if a := decode[sendMsgAnswer](t, c.sendMsg(room, "hello group", "2")); a.BaseResponse.Ret != 0 {
		t.Errorf("to a room: Ret %d", a.BaseResponse.Ret)
	}
}

func TestSendMsgRefused(t *testing.T) {
	c := newClient(t)
	tests := []struct {
		name, to, content, localID string
		ret                        int
	}{
		{"yourself", SelfUserName, "hi", "1", retBadMember},
		{"a stranger", Grace, "hi", "1", retBadMember},
		{"unknown", "@" + randomHex(32), "hi", "1", retBadMember},
		{"unknown room", "@@" + randomHex(32), "hi", "1", retBadMember},
		{"empty", Rain1ove, "  ", "1", retBadRequest},
		{"no LocalID", Rain1ove, "hi", "", retBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := c.sendMsg(tt.to, tt.content, tt.localID)
			wantKeys(t, "refusal", raw, []string{"BaseResponse", "MsgID", "LocalID"})
			if b := base(t, raw); b.Ret != tt.ret || b.ErrMsg == "" {
				t.Errorf("got %+v, want Ret %d with an ErrMsg", b, tt.ret)
			}
		})
	}
}

// personNameRE is a person's UserName: "@" and 64 hex digits.
var personNameRE = regexp.MustCompile(`^@[0-9a-f]{64}$`)

func TestAddFriendsAndRoom(t *testing.T) {
	c := newClient(t)
	first := c.s.AddFriends(2)
	more := c.s.AddFriends(1)
	friends := c.s.Contacts()
	if len(friends) != 15 || friends[12].NickName != "Friend 01" || friends[14].NickName != "Friend 03" ||
		friends[14].UserName != more[0] || !personNameRE.MatchString(first[0]) {
		t.Fatalf("friends after AddFriends: %d, last %+v", len(friends), friends[len(friends)-1])
	}
	room := c.s.AddRoom(`Big <Group>`, append(first, more...)...)
	got, ok := c.s.Room(room)
	if !ok || got.IsOwner != 1 || got.MemberCount != 4 || !hasMember(got, SelfUserName) || got.NickName != "Big &lt;Group&gt;" {
		t.Fatalf("room %+v", got)
	}
	// The new friends can be added to rooms like the seed's.
	a := c.update("addmember", map[string]any{"ChatRoomName": room, "AddMemberList": Dave})
	if a.BaseResponse.Ret != 0 {
		t.Errorf("addmember: Ret %d", a.BaseResponse.Ret)
	}
	if got, _ := c.s.Room(room); !slices.Contains(memberNames(got), Dave) {
		t.Error("Dave is not in the room")
	}
}
