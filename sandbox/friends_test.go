package sandbox

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestFriendActions: what other people do reaches the user through
// synccheck and webwxsync in the real server's shapes, whether asked for
// through the control endpoint or by the Go methods.
func TestFriendActions(t *testing.T) {
	c := newClient(t)
	key := decode[initAnswer](t, c.api("webwxinit", nil)).SyncKey
	room := c.s.Rooms()[0].UserName

	code, body := c.control(`{"friend":{"name":"Bob","action":"say","text":"hi <b>\n😀"}}`)
	if code != 200 || !strings.Contains(body, `"msgId"`) {
		t.Fatalf("control say: %d %s", code, body)
	}
	if got := c.syncCheck(key); got != changes {
		t.Errorf("synccheck after a friend's message: %s", got)
	}
	a := c.sync(key)
	if a.AddMsgCount != 1 || a.ModContactCount != 0 {
		t.Fatalf("webwxsync after a message: %+v", a)
	}
	m := a.AddMsgList[0]
	var ans struct {
		MsgID string `json:"msgId"`
	}
	_ = json.Unmarshal([]byte(body), &ans)
	if m.MsgID != ans.MsgID || m.FromUserName != Bob || m.ToUserName != SelfUserName || m.MsgType != msgTypeText ||
		m.Content != `hi &lt;b&gt;<br/><span class="emoji emoji1f600"></span>` {
		t.Errorf("message: %+v (control answered %s)", m, body)
	}
	key = a.SyncKey

	if _, err := c.s.FriendSays("Carol", SeedRoomTopic, "in the group"); err != nil {
		t.Fatal(err)
	}
	if err := c.s.FriendJoins("Dave", room); err != nil {
		t.Fatal(err)
	}
	if err := c.s.FriendRenames("Bob", room, "New & Topic"); err != nil {
		t.Fatal(err)
	}
	if err := c.s.FriendLeaves("Grace", SeedRoomTopic); err == nil {
		t.Error("the old topic still finds the group")
	}
	if err := c.s.FriendLeaves("Grace", room); err != nil {
		t.Fatal(err)
	}
	a = c.sync(key)
	if a.ModContactCount != 1 || a.AddMsgCount != 3 {
		t.Fatalf("webwxsync after group changes: %+v", a)
	}
	g := a.ModContactList[0]
	var members []string
	for _, mem := range g.MemberList {
		members = append(members, mem.UserName)
	}
	if g.NickName != "New &amp; Topic" || !slices.Contains(members, Dave) || slices.Contains(members, Grace) || g.MemberCount != 4 {
		t.Errorf("group in ModContactList: %s, members %v", g.NickName, members)
	}
	want := []string{Carol + ":<br/>in the group", `"Dave"加入了群聊`, `"Bob"修改群名为“New &amp; Topic”`}
	for i, w := range want {
		if m := a.AddMsgList[i]; m.Content != w || m.FromUserName != room {
			t.Errorf("message %d: %q from %s, want %q from the group", i, m.Content, m.FromUserName, w)
		}
	}

	for _, bad := range []string{
		`{"friend":{"name":"Nobody","action":"say","text":"x"}}`,
		`{"friend":{"name":"Grace","action":"say","text":"x"}}`, // not a friend
		`{"friend":{"name":"Tom","action":"say","text":"x"}}`,   // two of them
		`{"friend":{"name":"Bob","action":"dance"}}`,
		`{"friend":{"name":"Bob","action":"join"}}`,
	} {
		if code, body := c.control(bad); code != 400 {
			t.Errorf("%s: %d %s, want 400", bad, code, body)
		}
	}
}
