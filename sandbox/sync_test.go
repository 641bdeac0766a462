package sandbox

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// syncCheck calls synccheck with a SyncKey and returns the script.
func (c *client) syncCheck(key syncKey) string {
	c.t.Helper()
	sess := c.s.Session()
	var parts []string
	for _, it := range key.List {
		parts = append(parts, itoa(int64(it.Key))+"_"+itoa(it.Val))
	}
	q := url.Values{"r": {"1"}, "skey": {sess.Skey}, "sid": {sess.Sid}, "uin": {itoa(sess.Uin)},
		"deviceid": {"e123456789012345"}, "synckey": {strings.Join(parts, "|")}}
	resp, body := c.get(apiPrefix + "synccheck?" + q.Encode())
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
		c.t.Errorf("synccheck Content-Type %q", ct)
	}
	return string(body)
}

func (c *client) sync(key syncKey) syncAnswer {
	c.t.Helper()
	raw := c.api("webwxsync?sid=x&skey=y", map[string]any{"SyncKey": key, "rr": -1})
	wantKeys(c.t, "webwxsync", raw, []string{"BaseResponse", "AddMsgCount", "AddMsgList", "ModContactCount", "ModContactList",
		"DelContactCount", "DelContactList", "ModChatRoomMemberCount", "ModChatRoomMemberList", "Profile", "ContinueFlag",
		"SyncKey", "SKey", "SyncCheckKey"})
	return decode[syncAnswer](c.t, raw)
}

const (
	nothingNew = `window.synccheck={retcode:"0",selector:"0"}`
	changes    = `window.synccheck={retcode:"0",selector:"2"}`
)

func TestSync(t *testing.T) {
	c := newClient(t)
	key := decode[initAnswer](t, c.api("webwxinit", nil)).SyncKey
	if got := c.syncCheck(key); got != nothingNew {
		t.Errorf("synccheck before changes: %s", got)
	}
	room := decode[createAnswer](t, c.createRoom("", Rain1ove, HuiTao)).ChatRoomName
	if got := c.syncCheck(key); got != changes {
		t.Errorf("synccheck after create: %s", got)
	}
	// As on the real server, a new room comes as its system message alone:
	// the app, not knowing the room, reads it with a batch get.
	a := c.sync(key)
	if a.BaseResponse.Ret != 0 || a.ModContactCount != 0 || a.AddMsgCount != 1 || a.SKey != c.s.Session().Skey {
		t.Fatalf("webwxsync after create: %+v", a)
	}
	msg := a.AddMsgList[0]
	if msg.MsgType != msgTypeSys || msg.FromUserName != room || msg.Content != `你邀请"Rain1ove、迴焘願點"加入了群聊` {
		t.Errorf("system message: %+v", msg)
	}
	key = a.SyncKey
	if got := c.syncCheck(key); got != nothingNew {
		t.Errorf("synccheck with the new key: %s", got)
	}
	if again := c.sync(key); again.ModContactCount != 0 || again.AddMsgCount != 0 {
		t.Errorf("second webwxsync repeats changes: %+v", again)
	}

	c.update("modtopic", map[string]any{"ChatRoomName": room, "NewTopic": "T"})
	a = c.sync(key)
	if a.ModContactCount != 1 || a.ModContactList[0].UserName != room || a.ModContactList[0].MemberCount != 3 ||
		a.ModContactList[0].NickName != "T" || a.AddMsgCount != 1 {
		t.Fatalf("webwxsync after topic: %+v", a)
	}
	c.update("quitchatroom", map[string]any{"ChatRoomName": room})
	a = c.sync(key)
	if a.ModContactCount != 0 || a.DelContactCount != 1 || a.DelContactList[0].UserName != room || a.AddMsgCount != 1 {
		t.Errorf("webwxsync after topic and quit: %+v", a)
	}
}

// TestSyncCheckWakes: a waiting synccheck answers as soon as a change lands.
func TestSyncCheckWakes(t *testing.T) {
	c := newClient(t)
	c.s.cfg.hold = 10 * time.Second
	key := decode[initAnswer](t, c.api("webwxinit", nil)).SyncKey
	done := make(chan string)
	go func() { done <- c.syncCheck(key) }()
	eventually(t, func() bool { return len(c.s.Requests("synccheck")) == 1 })
	start := time.Now()
	c.createRoom("", Rain1ove, HuiTao)
	select {
	case got := <-done:
		if got != changes || time.Since(start) > 2*time.Second {
			t.Errorf("synccheck: %s after %v", got, time.Since(start))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("synccheck did not wake up")
	}
}

// eventually polls cond every 10 ms for up to 5 s.
func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	timeout := time.After(5 * time.Second)
	for !cond() {
		select {
		case <-tick.C:
		case <-timeout:
			t.Fatal("condition not met within 5 s")
		}
	}
}

// TestSyncCheckCancel: a cancelled long poll returns at once, without an answer.
func TestSyncCheckCancel(t *testing.T) {
	c := newClient(t)
	c.s.cfg.hold = 10 * time.Second
	sess := c.s.Session()
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequestWithContext(ctx, http.MethodGet,
		apiPrefix+"synccheck?uin="+itoa(sess.Uin)+"&sid="+sess.Sid+"&skey="+url.QueryEscape(sess.Skey)+"&synckey=1_"+itoa(syncBase), nil)
	rec := httptest.NewRecorder()
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	c.s.ServeHTTP(rec, req)
	if d := time.Since(start); d > 2*time.Second || rec.Body.Len() != 0 {
		t.Errorf("cancelled synccheck took %v and wrote %q", d, rec.Body)
	}
}

func TestParseSyncKey(t *testing.T) {
	got := parseSyncKey("1_658243825|2_658244004|bad|3_x|1000_1511950321")
	if len(got) != 3 || syncPosition(got) != 5 {
		t.Errorf("parseSyncKey = %+v, position %d", got, syncPosition(got))
	}
	if syncPosition(nil) != 0 {
		t.Error("an empty SyncKey must mean position 0")
	}
}
