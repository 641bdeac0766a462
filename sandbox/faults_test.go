package sandbox

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestFaults(t *testing.T) {
	c := newClient(t)
	create := func() (int, createAnswer) {
		t.Helper()
		resp, raw := c.postRaw(apiPrefix+"webwxcreatechatroom?r=1", "application/json",
			[]byte(`{"MemberCount":2,"MemberList":[{"UserName":"`+Rain1ove+`"},{"UserName":"`+HuiTao+`"}],"Topic":"",`+
				`"BaseRequest":{"Uin":`+itoa(c.s.Session().Uin)+`,"Sid":"`+c.s.Session().Sid+`","Skey":"`+c.s.Session().Skey+`","DeviceID":"e1"}}`))
		if resp.StatusCode != http.StatusOK {
			return resp.StatusCode, createAnswer{}
		}
		wantKeys(t, "create under a fault", raw, seedCreateKeys)
		return resp.StatusCode, decode[createAnswer](t, raw)
	}

	c.s.SetFault(Fault{Endpoint: "webwxcreatechatroom", Ret: 1, ErrMsg: "操作太频繁，请稍后再试", Once: true})
	if _, a := create(); a.BaseResponse != (baseResponse{1, "操作太频繁，请稍后再试"}) || a.ChatRoomName != "" {
		t.Errorf("Ret fault: %+v", a)
	}
	if _, a := create(); a.BaseResponse.Ret != 0 {
		t.Errorf("a Once fault applied twice: %+v", a.BaseResponse)
	}

	c.s.SetFault(Fault{Endpoint: "webwxcreatechatroom", Status: 500})
	for range 2 {
		if status, _ := create(); status != 500 {
			t.Errorf("sticky Status fault: HTTP %d", status)
		}
	}
	c.s.SetFault(Fault{Endpoint: "webwxcreatechatroom", Ret: 1205}) // set last, wins
	if _, a := create(); a.BaseResponse.Ret != 1205 {
		t.Errorf("last fault does not win: %+v", a.BaseResponse)
	}
	c.s.ClearFaults()

	rooms := len(c.s.Rooms())
	c.s.SetFault(Fault{Endpoint: "webwxcreatechatroom", EmptyChatRoomName: true, Once: true})
	if _, a := create(); a.BaseResponse.Ret != 0 || a.ChatRoomName != "" || len(c.s.Rooms()) != rooms {
		t.Errorf("EmptyChatRoomName: %+v, %d rooms (had %d)", a, len(c.s.Rooms()), rooms)
	}

	c.s.SetFault(Fault{Endpoint: "webwxcreatechatroom", Delay: 150 * time.Millisecond, Once: true})
	start := time.Now()
	if _, a := create(); a.BaseResponse.Ret != 0 || time.Since(start) < 150*time.Millisecond {
		t.Errorf("Delay fault: %+v after %v", a.BaseResponse, time.Since(start))
	}

	c.s.SetFault(Fault{Ret: 1102, Once: true}) // no Endpoint: any endpoint
	if b := base(t, c.api("webwxstatusnotify", map[string]any{"Code": 3})); b.Ret != 1102 {
		t.Errorf("fault for every endpoint: Ret %d", b.Ret)
	}
}

func TestFaultsOnScriptEndpoints(t *testing.T) {
	c := newClient(t)
	c.s.SetFault(Fault{Endpoint: "synccheck", Ret: 1101, Once: true})
	if got := c.syncCheck(syncKey{}); got != `window.synccheck={retcode:"1101",selector:"0"}` {
		t.Errorf("synccheck fault: %s", got)
	}
	c.s.SetFault(Fault{Endpoint: "webwxnewloginpage", Ret: 1203, ErrMsg: "当前登录环境异常 <b>", Once: true})
	if _, body := c.get(apiPrefix + "webwxnewloginpage?r=1"); string(body) != "<error><ret>1203</ret><message>当前登录环境异常 &lt;b&gt;</message></error>" {
		t.Errorf("newloginpage fault: %s", body)
	}
	c.s.SetFault(Fault{Endpoint: "login", Ret: 500, Once: true})
	if got := c.loginPoll("x"); got != "window.code=500;" {
		t.Errorf("login poll fault: %s", got)
	}
	c.s.SetFault(Fault{Endpoint: "jslogin", Ret: 400, Once: true})
	if _, body := c.get("/jslogin"); !strings.HasPrefix(string(body), "window.QRLogin.code = 400;") {
		t.Errorf("jslogin fault: %s", body)
	}
	c.s.SetFault(Fault{Endpoint: "webwxnosuch", Ret: 1, Once: true})
	if _, raw := c.get(apiPrefix + "webwxnosuch"); base(t, raw).Ret != 1 {
		t.Errorf("fault on an unknown endpoint: %s", raw)
	}
}

// TestFaultDelayCancel: a request cancelled during a Delay gets no answer
// and frees the handler at once.
func TestFaultDelayCancel(t *testing.T) {
	c := newClient(t)
	c.s.SetFault(Fault{Endpoint: "webwxinit", Delay: 10 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, apiPrefix+"webwxinit", strings.NewReader("{}"))
	rec := httptest.NewRecorder()
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	c.s.ServeHTTP(rec, req)
	if d := time.Since(start); d > 2*time.Second || rec.Body.Len() != 0 {
		t.Errorf("cancelled delay took %v and wrote %q", d, rec.Body)
	}
}

func TestRequests(t *testing.T) {
	c := newClient(t)
	c.s.SetFault(Fault{Endpoint: "webwxstatusnotify", Status: 503, Once: true})
	c.postRaw(apiPrefix+"webwxstatusnotify?lang=zh_CN", "application/json", []byte(`{"Code":3}`))
	c.createRoom("", Rain1ove, HuiTao)
	all := c.s.Requests("")
	if len(all) != 2 || all[0].Endpoint != "webwxstatusnotify" || all[1].Endpoint != "webwxcreatechatroom" {
		t.Fatalf("Requests(\"\"): %+v", all)
	}
	got := c.s.Requests("webwxstatusnotify")[0]
	if got.Path != apiPrefix+"webwxstatusnotify" || got.Query.Get("lang") != "zh_CN" || string(got.Body) != `{"Code":3}` ||
		got.Header.Get("Content-Type") != "application/json" || got.Time.IsZero() {
		t.Errorf("recorded request: %+v", got)
	}
	got.Body[0] = 'X' // callers get copies
	if string(c.s.Requests("webwxstatusnotify")[0].Body) != `{"Code":3}` {
		t.Error("Requests shares its Body with the caller")
	}
	if n := len(c.s.Requests("webwxsync")); n != 0 {
		t.Errorf("Requests(webwxsync) = %d entries", n)
	}
}

func TestControl(t *testing.T) {
	c := newClient(t, WithLoggedIn(false))
	control := func(body string) (int, string) {
		t.Helper()
		resp, raw := c.postRaw("/sandbox/control", "application/json", []byte(body))
		return resp.StatusCode, string(raw)
	}
	if code, body := control(`{"fault":{"endpoint":"webwxsearchcontact","ret":1,"errMsg":"busy","delay":"10ms","once":true}}`); code != 200 || body != `{"faults":1,"ok":true}`+"\n" {
		t.Errorf("set fault: %d %s", code, body)
	}
	c.s.mu.Lock()
	f := c.s.faults[0]
	c.s.mu.Unlock()
	if f != (Fault{Endpoint: "webwxsearchcontact", Ret: 1, ErrMsg: "busy", Delay: 10 * time.Millisecond, Once: true}) {
		t.Errorf("fault from control: %+v", f)
	}
	if code, body := control(`{"clearFaults":true}`); code != 200 || !strings.Contains(body, `"faults":0`) {
		t.Errorf("clear: %d %s", code, body)
	}
	for _, bad := range []string{`{`, `{}`, `{"fault":{"endpont":"x"}}`, `{"fault":{"delay":"soon"}}`, `{"phone":"scan"}`} {
		if code, body := control(bad); code != http.StatusBadRequest || !strings.Contains(body, `"ok":false`) {
			t.Errorf("%s: %d %s", bad, code, body)
		}
	}
	uuid := c.qr()
	if code, body := control(`{"phone":"scan"}`); code != 200 {
		t.Errorf("phone scan: %d %s", code, body)
	}
	if got := c.loginPoll(uuid); !strings.HasPrefix(got, "window.code=201;") {
		t.Errorf("poll after a control scan: %s", got)
	}
}
