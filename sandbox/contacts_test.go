package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestInit(t *testing.T) {
	c := newClient(t)
	raw := c.api("webwxinit?r=-1", nil)
	wantKeys(t, "webwxinit", raw, []string{"BaseResponse", "Count", "ContactList", "SyncKey", "User", "ChatSet", "SKey",
		"ClientVersion", "SystemTime", "GrayScale", "InviteStartCount", "MPSubscribeMsgCount", "MPSubscribeMsgList", "ClickReportInterval"})
	a := decode[struct {
		BaseResponse baseResponse
		Count        int
		ContactList  []json.RawMessage
		SyncKey      syncKey
		User         map[string]any
		ChatSet      string
		SKey         string
	}](t, raw)
	if a.BaseResponse.Ret != 0 || a.SKey != c.s.Session().Skey || a.SyncKey.Count != 4 || len(a.SyncKey.List) != 4 {
		t.Errorf("webwxinit: %+v", a)
	}
	if a.User["UserName"] != SelfUserName || a.User["NickName"] != SelfNickName || int64(a.User["Uin"].(float64)) != c.s.Session().Uin {
		t.Errorf("User = %v", a.User)
	}
	// The seed room first, then the unsaved groups with a friend between
	// every ten: a few in full, all by name.
	rooms := c.s.Rooms()
	names := strings.Split(a.ChatSet, ",")
	groups := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return !strings.HasPrefix(n, "@@") })
	if want := 1 + DefaultRecentGroups + DefaultRecentGroups/personEvery; len(names) != want || len(groups) != len(rooms) ||
		groups[0] != rooms[0].UserName || groups[len(groups)-1] != rooms[len(rooms)-1].UserName {
		t.Errorf("ChatSet has %d names, %d groups; want %d names: the seed room, the recent groups and some friends", len(names), len(groups), want)
	}
	if a.Count != initFull || len(a.ContactList) != initFull {
		t.Fatalf("ContactList %d (Count %d), want the %d most recent chats", len(a.ContactList), a.Count, initFull)
	}
	wantKeys(t, "init room", a.ContactList[0], seedContactKey)
	got := decode[Contact](t, a.ContactList[0])
	if got.UserName != rooms[0].UserName || got.MemberCount != 4 || !hasMember(got, SelfUserName) || got.ContactFlag != 3 {
		t.Errorf("init room: %+v", got)
	}
	if r := decode[Contact](t, a.ContactList[1]); r.NickName != RecentGroupTopic(1) || r.ContactFlag != 2 || r.MemberCount != 3 {
		t.Errorf("the most recent unsaved group: %+v", r)
	}
}

// TestInitRecent: a change to a group makes it the most recent chat, in
// full at the head of the next webwxinit; a group the user left is gone.
func TestInitRecent(t *testing.T) {
	c := newClient(t, WithRecentGroups(3))
	oldest := c.s.Rooms()[3]
	c.update("modtopic", map[string]any{"ChatRoomName": oldest.UserName, "NewTopic": "moved up"})
	a := decode[struct {
		ContactList []Contact
		ChatSet     string
	}](t, c.api("webwxinit", nil))
	if names := strings.Split(a.ChatSet, ","); len(names) != 4 || names[0] != oldest.UserName || a.ContactList[0].NickName != "moved up" {
		t.Errorf("after a change: ChatSet %q, first %q", a.ChatSet, a.ContactList[0].NickName)
	}
	c.update("quitchatroom", map[string]any{"ChatRoomName": oldest.UserName})
	a = decode[struct {
		ContactList []Contact
		ChatSet     string
	}](t, c.api("webwxinit", nil))
	if strings.Contains(a.ChatSet, oldest.UserName) || len(strings.Split(a.ChatSet, ",")) != 3 {
		t.Errorf("after a quit: ChatSet %q", a.ChatSet)
	}
}

func hasMember(room Contact, userName string) bool {
	return slices.ContainsFunc(room.MemberList, func(m Member) bool { return m.UserName == userName })
}

func TestGetContact(t *testing.T) {
	c := newClient(t)
	_, raw := c.get(apiPrefix + "webwxgetcontact?r=1&seq=0&skey=" + c.s.Session().Skey)
	wantKeys(t, "webwxgetcontact", raw, []string{"BaseResponse", "MemberCount", "MemberList", "Seq"})
	a := decode[struct {
		BaseResponse baseResponse
		MemberCount  int
		MemberList   []json.RawMessage
		Seq          int
	}](t, raw)
	// Twelve people, 3 special accounts (which the real server lists too)
	// and the seed room, the one group saved to the address book; the
	// unsaved groups come through webwxinit's ChatSet only.
	if a.BaseResponse.Ret != 0 || a.MemberCount != 16 || len(a.MemberList) != 16 || a.Seq != 0 {
		t.Fatalf("webwxgetcontact: Ret %d, %d/%d members, Seq %d", a.BaseResponse.Ret, a.MemberCount, len(a.MemberList), a.Seq)
	}
	for _, m := range a.MemberList {
		wantKeys(t, "contact", m, seedContactKey)
	}
	saved := 0
	for _, m := range a.MemberList {
		if c := decode[Contact](t, m); strings.HasPrefix(c.UserName, "@@") {
			saved++
			if c.NickName != SeedRoomTopic || c.ContactFlag != 3 {
				t.Errorf("the saved group: %+v", c)
			}
		}
	}
	if saved != 1 {
		t.Errorf("webwxgetcontact lists %d groups, want the one saved", saved)
	}
	for _, special := range []string{`"UserName":"weixin"`, `"UserName":"filehelper"`, `"UserName":"medianote"`} {
		if !bytes.Contains(raw, []byte(special)) {
			t.Errorf("webwxgetcontact does not list %s", special)
		}
	}
	if !bytes.Contains(raw, []byte(`"NickName":"Quote \"Q\" \\ &lt;/script&gt;"`)) {
		t.Error("the hostile NickName is not sent HTML-escaped like the real server does")
	}
}

func TestBatchGetContact(t *testing.T) {
	c := newClient(t)
	room := c.s.Rooms()[0]
	raw := c.api("webwxbatchgetcontact?type=ex&r=1", map[string]any{
		"Count": 3,
		"List": []map[string]string{
			{"UserName": room.UserName, "ChatRoomId": ""},
			{"UserName": Grace, "EncryChatRoomId": room.UserName},
			{"UserName": "@" + strings.Repeat("0", 64), "ChatRoomId": ""},
		},
	})
	wantKeys(t, "batch", raw, seedBatchKeys)
	a := decode[struct {
		BaseResponse baseResponse
		Count        int
		ContactList  []json.RawMessage
	}](t, raw)
	if a.BaseResponse.Ret != 0 || a.Count != 2 || len(a.ContactList) != 2 {
		t.Fatalf("batch: Ret %d, Count %d, %d contacts; want the room and Grace, not the unknown", a.BaseResponse.Ret, a.Count, len(a.ContactList))
	}
	wantKeys(t, "batch room", a.ContactList[0], seedContactKey)
	got := decode[Contact](t, a.ContactList[0])
	sorted := slices.IsSortedFunc(got.MemberList, func(x, y Member) int { return strings.Compare(x.UserName, y.UserName) })
	if got.MemberCount != 4 || !hasMember(got, SelfUserName) || !sorted || got.IsOwner != 0 ||
		!encryRoomRE.MatchString(got.EncryChatRoomID) || got.NickName != SeedRoomTopic ||
		got.HeadImgURL != "/cgi-bin/mmwebwx-bin/webwxgetheadimg?seq="+strings.Split(got.HeadImgURL, "seq=")[1] ||
		!strings.HasSuffix(got.HeadImgURL, "&username="+room.UserName+"&skey=") {
		t.Errorf("batch room: %+v", got)
	}
	var members []json.RawMessage
	if err := json.Unmarshal(mustField(t, a.ContactList[0], "MemberList"), &members); err != nil {
		t.Fatal(err)
	}
	wantKeys(t, "batch member", members[0], seedMemberKeys)
	if person := decode[Contact](t, a.ContactList[1]); person.UserName != Grace || person.ContactFlag != 0 {
		t.Errorf("batch person: %+v", person)
	}

	list := make([]map[string]string, 51)
	for i := range list {
		list[i] = map[string]string{"UserName": Bob}
	}
	raw = c.api("webwxbatchgetcontact?type=ex", map[string]any{"Count": 51, "List": list})
	wantKeys(t, "batch refusal", raw, seedBatchKeys)
	if b := base(t, raw); b.Ret != retBadRequest {
		t.Errorf("batch of 51: Ret %d, want %d", b.Ret, retBadRequest)
	}
}

// mustField returns one field of a JSON object.
func mustField(t *testing.T, raw []byte, name string) json.RawMessage {
	t.Helper()
	return decode[map[string]json.RawMessage](t, raw)[name]
}

func TestStatusNotify(t *testing.T) {
	c := newClient(t)
	raw := c.api("webwxstatusnotify", map[string]any{"Code": 3, "FromUserName": SelfUserName, "ToUserName": SelfUserName, "ClientMsgId": 1})
	wantKeys(t, "webwxstatusnotify", raw, []string{"BaseResponse", "MsgID"})
	if b := base(t, raw); b.Ret != 0 {
		t.Errorf("Ret %d", b.Ret)
	}
}

func TestSearchContact(t *testing.T) {
	c := newClient(t)
	for kw, want := range map[string][]string{
		"tom":     {Tom1, Tom2},
		"Boss":    {ZhangWei},
		"alice_w": {Alice},
		"grace":   nil, // not a friend
		"":        nil,
	} {
		raw := c.api("webwxsearchcontact", map[string]any{"KeyWord": kw})
		wantKeys(t, "webwxsearchcontact", raw, []string{"BaseResponse", "Count", "List"})
		a := decode[struct {
			Count int
			List  []struct{ EncryUserName string }
		}](t, raw)
		var got []string
		for _, e := range a.List {
			got = append(got, e.EncryUserName)
		}
		if !slices.Equal(got, want) || a.Count != len(want) {
			t.Errorf("search %q: %v (Count %d), want %v", kw, got, a.Count, want)
		}
	}
}

// TestSessionCheck: every endpoint refuses a request that does not name the
// session with Ret 1101, in the endpoint's own answer shape.
func TestSessionCheck(t *testing.T) {
	c := newClient(t)
	endpoints := map[string][]string{
		"webwxinit":            {"BaseResponse", "Count", "ContactList", "SyncKey", "User"},
		"webwxbatchgetcontact": seedBatchKeys,
		"webwxcreatechatroom":  seedCreateKeys,
		"webwxupdatechatroom":  {"BaseResponse", "MemberCount", "MemberList"},
		"webwxstatusnotify":    {"BaseResponse", "MsgID"},
		"webwxsearchcontact":   {"BaseResponse", "Count", "List"},
		"webwxsync":            {"BaseResponse", "AddMsgCount", "AddMsgList"},
	}
	bad := `{"BaseRequest":{"Uin":1,"Sid":"x","Skey":"@crypt_0","DeviceID":"e1"}}`
	for endpoint, keys := range endpoints {
		_, raw := c.postRaw(apiPrefix+endpoint, "application/json", []byte(bad))
		if b := base(t, raw); b.Ret != retLoggedOut {
			t.Errorf("%s: Ret %d, want 1101", endpoint, b.Ret)
		}
		if got := objectKeys(t, raw); !slices.Equal(got[:len(keys)], keys) {
			t.Errorf("%s error shape: %v", endpoint, got)
		}
		_, raw = c.postRaw(apiPrefix+endpoint, "application/json", []byte(`{not json`))
		if b := base(t, raw); b.Ret != retBadRequest {
			t.Errorf("%s with bad JSON: Ret %d, want 1200", endpoint, b.Ret)
		}
	}
	// The Uin may come as a string (from the cookie, before webwxinit).
	sess := c.s.Session()
	asString := `{"BaseRequest":{"Uin":"` + itoa(sess.Uin) + `","Sid":"` + sess.Sid + `","Skey":"` + sess.Skey + `","DeviceID":"e1"}}`
	if _, raw := c.postRaw(apiPrefix+"webwxinit", "application/json", []byte(asString)); base(t, raw).Ret != 0 {
		t.Errorf("Uin as a string refused: %s", raw)
	}

	noCookies := &client{t: t, s: c.s, ts: c.ts, hc: http.DefaultClient}
	if _, raw := noCookies.get(apiPrefix + "webwxgetcontact?skey=" + sess.Skey); base(t, raw).Ret != retLoggedOut {
		t.Errorf("webwxgetcontact without cookies: %s", raw)
	}
	if _, raw := c.get(apiPrefix + "synccheck?uin=1&sid=x&skey=y"); string(raw) != `window.synccheck={retcode:"1101",selector:"0"}` {
		t.Errorf("synccheck with a wrong session: %s", raw)
	}
	if resp, _ := c.get(apiPrefix + "webwxnosuch"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown endpoint: HTTP %d", resp.StatusCode)
	}
	if resp, _ := c.get(apiPrefix + "webwxinit"); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET webwxinit: HTTP %d", resp.StatusCode)
	}
}

func TestImages(t *testing.T) {
	c := newClient(t)
	for _, endpoint := range []string{"webwxgeticon", "webwxgetheadimg"} {
		resp, body := c.get(apiPrefix + endpoint + "?seq=1&username=" + Bob)
		if resp.Header.Get("Content-Type") != "image/gif" || !bytes.HasPrefix(body, []byte("GIF89a")) {
			t.Errorf("%s: %s %q", endpoint, resp.Header.Get("Content-Type"), body)
		}
	}
}
