package sandbox

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// createRoom creates a room through the API and returns the raw answer.
func (c *client) createRoom(topic string, userNames ...string) json.RawMessage {
	c.t.Helper()
	members := make([]map[string]string, len(userNames))
	for i, u := range userNames {
		members[i] = map[string]string{"UserName": u}
	}
	return c.api("webwxcreatechatroom?r=1511952419440", map[string]any{
		"MemberCount": len(members), "MemberList": members, "Topic": topic,
	})
}

func TestCreateChatRoom(t *testing.T) {
	c := newClient(t)
	raw := c.createRoom("", Rain1ove, HuiTao)
	wantKeys(t, "create", raw, seedCreateKeys)
	wantKeys(t, "create BaseResponse", mustField(t, raw, "BaseResponse"), baseResponseKeys)
	a := decode[createAnswer](t, raw)
	if a.BaseResponse != (baseResponse{Ret: 0, ErrMsg: "Everything is OK"}) || a.Topic != "" || a.PYInitial != "" ||
		a.QuanPin != "" || a.BlackList != "" || a.MemberCount != 2 || !roomNameRE.MatchString(a.ChatRoomName) {
		t.Errorf("create answer: %+v", a)
	}
	// The seed's invited members, in request order, with Uin and AttrStatus 0.
	want := []Member{
		{UserName: Rain1ove, NickName: "Rain1ove"},
		{UserName: HuiTao, NickName: "迴焘願點"},
	}
	if !slices.Equal(a.MemberList, want) {
		t.Errorf("create MemberList:\n got %+v\nwant %+v", a.MemberList, want)
	}
	for _, m := range decode[[]json.RawMessage](t, mustField(t, raw, "MemberList")) {
		wantKeys(t, "create member", m, seedMemberKeys)
	}

	room, ok := c.s.Room(a.ChatRoomName)
	if !ok || room.MemberCount != 3 || !hasMember(room, SelfUserName) || room.IsOwner != 1 {
		t.Fatalf("room after create: %v %+v", ok, room)
	}
	// The seed's read-back: everybody, the user included, with AttrStatus.
	back := decode[batchAnswer](t, c.api("webwxbatchgetcontact?type=ex", map[string]any{
		"Count": 1, "List": []map[string]string{{"UserName": a.ChatRoomName, "ChatRoomId": ""}},
	}))
	got := back.ContactList[0]
	names := []string{got.MemberList[0].UserName, got.MemberList[1].UserName, got.MemberList[2].UserName}
	if !slices.Equal(names, []string{SelfUserName, HuiTao, Rain1ove}) || got.MemberList[2].AttrStatus != 234169 ||
		got.IsOwner != 1 || got.ContactFlag != 2 || got.Statues != 1 {
		t.Errorf("read-back: %+v", got)
	}
}

func TestCreateChatRoomRefused(t *testing.T) {
	c := newClient(t)
	tests := []struct {
		name    string
		topic   string
		members []string
		ret     int
	}{
		{"one member", "", []string{Rain1ove}, retSystem},
		{"no member", "", nil, retSystem},
		{"yourself", "", []string{SelfUserName, Rain1ove, HuiTao}, retBadMember},
		{"unknown", "", []string{Rain1ove, "@" + strings.Repeat("a", 64)}, retBadMember},
		{"not a friend", "", []string{Rain1ove, Grace}, retBadMember},
		{"special account", "", []string{Rain1ove, FileHelper}, retBadMember},
		{"duplicate", "", []string{Rain1ove, Rain1ove}, retBadMember},
		{"long topic", strings.Repeat("群", 33), []string{Rain1ove, HuiTao}, retLogic},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := c.createRoom(tt.topic, tt.members...)
			wantKeys(t, "refusal", raw, seedCreateKeys)
			a := decode[createAnswer](t, raw)
			if a.BaseResponse.Ret != tt.ret || a.BaseResponse.ErrMsg == "" || a.ChatRoomName != "" {
				t.Errorf("got %+v, want Ret %d with an ErrMsg", a, tt.ret)
			}
		})
	}
	if n := len(c.s.Rooms()); n != 1+DefaultRecentGroups {
		t.Errorf("%d rooms after refusals, want only the seed's", n)
	}
}

// update POSTs webwxupdatechatroom?fun=fun and returns the answer.
func (c *client) update(fun string, fields map[string]any) updateAnswer {
	c.t.Helper()
	raw := c.api("webwxupdatechatroom?fun="+fun, fields)
	wantKeys(c.t, "update", raw, []string{"BaseResponse", "MemberCount", "MemberList"})
	return decode[updateAnswer](c.t, raw)
}

func memberNames(room Contact) []string {
	var out []string
	for _, m := range room.MemberList {
		out = append(out, m.UserName)
	}
	slices.Sort(out)
	return out
}

func TestUpdateChatRoom(t *testing.T) {
	c := newClient(t)
	mine := decode[createAnswer](t, c.createRoom("", Rain1ove, HuiTao)).ChatRoomName
	bobs := c.s.Rooms()[0].UserName
	tests := []struct {
		name   string
		fun    string
		fields map[string]any
		ret    int
		check  func(room Contact) bool
	}{
		{"add", "addmember", map[string]any{"AddMemberList": Dave + "," + Eve}, 0,
			func(r Contact) bool { return r.MemberCount == 5 && hasMember(r, Dave) && hasMember(r, Eve) }},
		{"add again", "addmember", map[string]any{"AddMemberList": Dave}, 0,
			func(r Contact) bool { return r.MemberCount == 5 }},
		{"add a stranger", "addmember", map[string]any{"AddMemberList": Grace}, retBadMember,
			func(r Contact) bool { return !hasMember(r, Grace) }},
		{"add nobody", "addmember", map[string]any{"AddMemberList": ""}, retBadRequest, nil},
		{"invite", "invitemember", map[string]any{"InviteMemberList": Frank}, 0,
			func(r Contact) bool { return hasMember(r, Frank) }},
		{"remove", "delmember", map[string]any{"DelMemberList": Dave}, 0,
			func(r Contact) bool { return !hasMember(r, Dave) && r.MemberCount == 5 }},
		{"remove a non-member", "delmember", map[string]any{"DelMemberList": Carol}, retBadMember, nil},
		{"remove yourself", "delmember", map[string]any{"DelMemberList": SelfUserName}, retLogic, nil},
		{"topic", "modtopic", map[string]any{"NewTopic": "周末 🎉"}, 0,
			func(r Contact) bool { return r.NickName == "周末 🎉" }},
		{"long topic", "modtopic", map[string]any{"NewTopic": strings.Repeat("x", 33)}, retLogic,
			func(r Contact) bool { return r.NickName == "周末 🎉" }},
		{"unknown fun", "renameall", nil, retBadRequest, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fields := map[string]any{"ChatRoomName": mine}
			for k, v := range tt.fields {
				fields[k] = v
			}
			a := c.update(tt.fun, fields)
			if a.BaseResponse.Ret != tt.ret {
				t.Fatalf("Ret %d (%s), want %d", a.BaseResponse.Ret, a.BaseResponse.ErrMsg, tt.ret)
			}
			if room, _ := c.s.Room(mine); tt.check != nil && !tt.check(room) {
				t.Errorf("room after %s: %v, topic %q", tt.fun, memberNames(room), room.NickName)
			}
		})
	}

	if a := c.update("delmember", map[string]any{"ChatRoomName": bobs, "DelMemberList": Carol}); a.BaseResponse.Ret != retNotOwner {
		t.Errorf("delmember in Bob's room: Ret %d, want -66", a.BaseResponse.Ret)
	}
	if a := c.update("addmember", map[string]any{"ChatRoomName": "@@nosuch", "AddMemberList": Dave}); a.BaseResponse.Ret != retBadRequest {
		t.Errorf("unknown room: Ret %d, want 1200", a.BaseResponse.Ret)
	}
	if a := c.update("quitchatroom", map[string]any{"ChatRoomName": mine}); a.BaseResponse.Ret != 0 {
		t.Fatalf("quit: Ret %d", a.BaseResponse.Ret)
	}
	if room, _ := c.s.Room(mine); hasMember(room, SelfUserName) || room.IsOwner != 0 {
		t.Errorf("after quit: %v, IsOwner %d", memberNames(room), room.IsOwner)
	}
	if a := c.update("addmember", map[string]any{"ChatRoomName": mine, "AddMemberList": Dave}); a.BaseResponse.Ret != retLogic {
		t.Errorf("add after quit: Ret %d, want -2", a.BaseResponse.Ret)
	}
}

func TestUpdateAnswerMembers(t *testing.T) {
	c := newClient(t)
	mine := decode[createAnswer](t, c.createRoom("", Rain1ove, HuiTao)).ChatRoomName
	a := c.update("addmember", map[string]any{"ChatRoomName": mine, "AddMemberList": Bob + "," + Carol})
	if a.MemberCount != 2 || a.MemberList[0].UserName != Bob || a.MemberList[1].NickName != "Carol" {
		t.Errorf("addmember answer: %+v", a)
	}
}
