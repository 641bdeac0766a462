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
	room := c.s.Rooms()[0]
	if a.Count != 1 || len(a.ContactList) != 1 || a.ChatSet != room.UserName {
		t.Fatalf("ContactList %d, ChatSet %q: want the seed room", len(a.ContactList), a.ChatSet)
	}
	wantKeys(t, "init room", a.ContactList[0], seedContactKey)
	if got := decode[Contact](t, a.ContactList[0]); got.MemberCount != 4 || !hasMember(got, SelfUserName) {
		t.Errorf("init room members: %+v", got.MemberList)
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
	// 12 people and 3 special accounts, which the real server lists too.
	if a.BaseResponse.Ret != 0 || a.MemberCount != 15 || len(a.MemberList) != 15 || a.Seq != 0 {
		t.Fatalf("webwxgetcontact: Ret %d, %d/%d members, Seq %d", a.BaseResponse.Ret, a.MemberCount, len(a.MemberList), a.Seq)
	}
	for _, m := range a.MemberList {
		wantKeys(t, "friend", m, seedContactKey)
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
