package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"

	"github.com/wxctl/wxctl/browser/browsertest"
	"github.com/wxctl/wxctl/sandbox"
)

func TestRecorderBodies(t *testing.T) {
	p, srv := testApp(t)
	ctx := callCtx(t)
	mark := p.LastSeq()
	body := map[string]any{"BaseRequest": map[string]any{"Uin": 1, "Skey": "@crypt_1_2"}, "Hostile": hostile}
	res, err := p.Call(ctx, "testSvc", "post", "webwxecho", body)
	if err != nil || !res.Resolved {
		t.Fatalf("Call: %+v %v", res, err)
	}
	c, err := p.WaitCall(ctx, func(c NetCall) bool { return c.Seq > mark && c.Endpoint == "webwxecho" })
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(body)
	if !jsonEqual(t, c.RequestBody, want) {
		t.Errorf("RequestBody %s, want %s", c.RequestBody, want)
	}
	var resp struct{ Got json.RawMessage }
	if err := json.Unmarshal(c.ResponseBody, &resp); err != nil || !jsonEqual(t, resp.Got, want) {
		t.Errorf("ResponseBody %s does not echo the request (%v)", c.ResponseBody, err)
	}
	if !jsonEqual(t, res.Value, c.ResponseBody) {
		t.Errorf("the app resolved with %s, the network carried %s", res.Value, c.ResponseBody)
	}
	if c.Method != "POST" || c.Status != 200 || c.Err != "" || !c.Done || c.Duration <= 0 ||
		!strings.HasPrefix(c.URL, srv.URL+"/cgi-bin/mmwebwx-bin/webwxecho?r=") {
		t.Errorf("call %+v", c)
	}
	if d := time.Since(c.Started); d < 0 || d > time.Minute {
		t.Errorf("Started %v is not just now", c.Started)
	}
	if p.LastSeq() != c.Seq {
		t.Errorf("LastSeq %d, the call is %d", p.LastSeq(), c.Seq)
	}
	// Only the API is recorded: not the page, its scripts or avatars.
	if _, err := p.Call(ctx, "testSvc", "image"); err != nil {
		t.Fatal(err)
	}
	for _, c := range p.Calls() {
		if c.Endpoint != "webwxecho" {
			t.Errorf("recorded %s", c.URL)
		}
	}
}

func TestRecorderLargeBody(t *testing.T) {
	p, _ := testApp(t)
	ctx := callCtx(t)
	big := strings.Repeat("迴焘願點 emoji 😀 ", 20000) // about 500 kB
	if _, err := p.Call(ctx, "testSvc", "post", "webwxecho", map[string]string{"Big": big}); err != nil {
		t.Fatal(err)
	}
	c, err := p.WaitCall(ctx, func(c NetCall) bool { return c.Endpoint == "webwxecho" })
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ Big string }
	if err := json.Unmarshal(c.RequestBody, &got); err != nil || got.Big != big {
		t.Errorf("the large request body came back with %d bytes (%v)", len(got.Big), err)
	}
}

func TestRecorderFailures(t *testing.T) {
	p, _ := testApp(t)
	ctx := callCtx(t)
	for _, tc := range []struct {
		endpoint string
		status   int
		body     string
		err      string
	}{
		{"webwxfail", 500, `"server error\n"`, ""},
		{"synccheck", 200, `"window.synccheck={retcode:\"0\",selector:\"2\"}"`, ""},
		{"webwxdrop", 0, "", "net::ERR_EMPTY_RESPONSE"},
	} {
		t.Run(tc.endpoint, func(t *testing.T) {
			mark := p.LastSeq()
			res, err := p.Call(ctx, "testSvc", "get", tc.endpoint)
			if err != nil {
				t.Fatal(err)
			}
			if res.Resolved != (tc.status == 200) {
				t.Errorf("resolved %v: %s", res.Resolved, res.Value)
			}
			c, err := p.WaitCall(ctx, func(c NetCall) bool { return c.Seq > mark })
			if err != nil {
				t.Fatal(err)
			}
			if c.Endpoint != tc.endpoint || c.Status != tc.status || string(c.ResponseBody) != tc.body || c.Err != tc.err || c.Method != "GET" {
				t.Errorf("got %+v", c)
			}
		})
	}
	t.Run("rejected HTTP error", func(t *testing.T) {
		res, err := p.Call(ctx, "testSvc", "get", "webwxfail")
		var rej struct {
			Status int    `json:"status"`
			Data   string `json:"data"`
		}
		if err != nil || res.Resolved || json.Unmarshal(res.Value, &rej) != nil || rej.Status != 500 || rej.Data != "server error\n" {
			t.Errorf("got %v %s %v, want the $http rejection {status: 500, data}", res.Resolved, res.Value, err)
		}
	})
}

func TestWaitCall(t *testing.T) {
	p, _ := testApp(t)
	ctx := callCtx(t)
	type result struct {
		c   NetCall
		err error
	}
	future := make(chan result, 1)
	go func() {
		c, err := p.WaitCall(ctx, func(c NetCall) bool {
			return c.Endpoint == "webwxecho" && strings.Contains(string(c.RequestBody), "second")
		})
		future <- result{c, err}
	}()
	for _, v := range []string{"first", "second"} {
		if _, err := p.Call(ctx, "testSvc", "post", "webwxecho", v); err != nil {
			t.Fatal(err)
		}
	}
	r := <-future
	if r.err != nil || string(r.c.RequestBody) != `"second"` {
		t.Fatalf("a waiter from before the calls got %+v, %v", r.c, r.err)
	}
	// Past calls are found, the first match first.
	c, err := p.WaitCall(ctx, func(c NetCall) bool { return c.Endpoint == "webwxecho" })
	if err != nil || string(c.RequestBody) != `"first"` || c.Seq != 1 {
		t.Errorf("WaitCall after the calls: %+v, %v", c, err)
	}
	if calls := p.Calls(); len(calls) != 2 || calls[0].Seq != 1 || calls[1].Seq != 2 {
		t.Errorf("Calls: %+v", calls)
	}

	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := p.WaitCall(short, func(c NetCall) bool { return false }); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitCall with nothing to match: %v, want context.DeadlineExceeded", err)
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Errorf("not JSON: %s", a)
		return false
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Errorf("not JSON: %s", b)
		return false
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return string(xb) == string(yb)
}

// newSandbox serves the local stand-in of web WeChat.
func newSandbox(t *testing.T, opts ...sandbox.Option) (*sandbox.Server, string) {
	t.Helper()
	srv, err := sandbox.New(opts...)
	if err != nil {
		if errors.Is(err, sandbox.ErrAngularMissing) {
			browsertest.Missing(t, err.Error())
		}
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ts.Close()
		srv.Close()
	})
	return srv, ts.URL + "/"
}

// TestSandboxCreateRoom creates a group through the sandbox app's own
// chatroomFactory and reads the request and answer back from the recorder.
func TestSandboxCreateRoom(t *testing.T) {
	b := sharedBrowser(t)
	srv, url := newSandbox(t)
	p := openApp(t, b, url)
	ctx := callCtx(t)
	// The app's start-up (webwxinit, contacts) must be over: create sends
	// the BaseRequest that webwxinit's session gives.
	if _, err := p.WaitCall(ctx, func(c NetCall) bool { return c.Endpoint == "webwxgetcontact" }); err != nil {
		t.Fatal(err)
	}

	mark := p.LastSeq()
	members := []map[string]string{{"UserName": sandbox.Rain1ove}, {"UserName": sandbox.HuiTao}}
	res, err := p.Call(ctx, "chatroomFactory", "create", members)
	if err != nil {
		t.Fatal(err)
	}
	var ans struct {
		BaseResponse struct{ Ret int }
		ChatRoomName string
		MemberList   []struct{ UserName, NickName string }
	}
	if !res.Resolved || json.Unmarshal(res.Value, &ans) != nil || ans.BaseResponse.Ret != 0 ||
		!strings.HasPrefix(ans.ChatRoomName, "@@") || len(ans.MemberList) != 2 {
		t.Fatalf("create: %v %s", res.Resolved, res.Value)
	}
	if _, ok := srv.Room(ans.ChatRoomName); !ok {
		t.Errorf("the sandbox has no room %s", ans.ChatRoomName)
	}

	c, err := p.WaitCall(ctx, func(c NetCall) bool { return c.Seq > mark && c.Endpoint == "webwxcreatechatroom" })
	if err != nil {
		t.Fatal(err)
	}
	var req struct {
		MemberCount int
		MemberList  []struct{ UserName string }
		Topic       *string
		BaseRequest struct {
			Uin       int64
			Sid, Skey string
			DeviceID  string
		}
	}
	session := srv.Session()
	if err := json.Unmarshal(c.RequestBody, &req); err != nil || req.MemberCount != 2 || len(req.MemberList) != 2 ||
		req.MemberList[0].UserName != sandbox.Rain1ove || req.Topic == nil || req.BaseRequest.Uin != session.Uin ||
		req.BaseRequest.Sid != session.Sid || req.BaseRequest.Skey != session.Skey {
		t.Errorf("the recorded request %s does not carry the members and the session (%v)", c.RequestBody, err)
	}
	if !jsonEqual(t, c.ResponseBody, res.Value) || c.Status != 200 || c.Method != "POST" {
		t.Errorf("the recorded answer %d %s is not what the app resolved with", c.Status, c.ResponseBody)
	}
	if !strings.Contains(c.URL, "pass_ticket=") {
		t.Errorf("the URL %s lacks the interceptor's pass_ticket", c.URL)
	}

	// What a capture shows keeps none of the session's secrets.
	for _, call := range p.Calls() {
		shown, _ := json.Marshal(call)
		shown = Redact(shown)
		for _, secret := range []string{strconv.FormatInt(session.Uin, 10), session.Sid, session.Skey, session.PassTicket, session.DataTicket} {
			if secret != "" && strings.Contains(string(shown), secret) {
				t.Errorf("%s: the secret %q survived Redact", call.Endpoint, secret)
			}
		}
	}

	// A refusal is an answer: the promise rejects with the server's JSON.
	srv.SetFault(sandbox.Fault{Endpoint: "webwxcreatechatroom", Ret: 1, ErrMsg: "操作太频繁", Once: true})
	res, err = p.Call(ctx, "chatroomFactory", "create", members)
	if err != nil || res.Resolved || !strings.Contains(string(res.Value), `"Ret":1`) {
		t.Errorf("a refused create: %v %s %v, want a rejection with Ret 1", res.Resolved, res.Value, err)
	}
}

// TestRecorderLetsOldCallsGo feeds the recorder more requests than it keeps:
// the newest stay, Seq keeps counting, and LastSeq still marks the last.
func TestRecorderLetsOldCallsGo(t *testing.T) {
	r := newRecorder()
	const n = maxCalls + 1000
	for i := range n {
		r.onEvent(&network.EventRequestWillBeSent{
			RequestID: network.RequestID(fmt.Sprint(i)),
			Request:   &network.Request{URL: "https://wx.qq.com/cgi-bin/mmwebwx-bin/synccheck?r=1", Method: "GET"},
			Type:      network.ResourceTypeScript,
		})
	}
	calls, _ := r.snapshot(0)
	if len(calls) > maxCalls || len(calls) < maxCalls*3/4 {
		t.Fatalf("held %d calls, want between %d and %d", len(calls), maxCalls*3/4, maxCalls)
	}
	if last := calls[len(calls)-1].Seq; last != n || r.dropped+len(r.calls) != n {
		t.Errorf("last Seq %d, dropped+held %d, want %d", last, r.dropped+len(r.calls), n)
	}
	if first := calls[0].Seq; first != r.dropped+1 {
		t.Errorf("first held Seq %d, want %d", first, r.dropped+1)
	}
	if after, _ := r.snapshot(n - 10); len(after) != 10 {
		t.Errorf("snapshot after Seq %d has %d calls, want 10", n-10, len(after))
	}
}

// TestRecorderBoundsBodies completes more calls than the body budget holds:
// the newest keep their bodies and headers, the oldest lose them and say so, a call
// still in flight keeps what it gets, and the bytes held stay bounded.
func TestRecorderBoundsBodies(t *testing.T) {
	r := newRecorder()
	body := []byte(`{"BaseResponse":{"Ret":0},"Pad":"` + strings.Repeat("x", 8<<10) + `"}`)
	start := func(i int) network.RequestID {
		id := network.RequestID(fmt.Sprint(i))
		r.onEvent(&network.EventRequestWillBeSent{
			RequestID: id,
			Request:   &network.Request{URL: "https://wx.qq.com/cgi-bin/mmwebwx-bin/webwxsync?r=1", Method: "POST", Headers: network.Headers{"Content-Type": "application/json"}},
			Type:      network.ResourceTypeXHR,
		})
		r.onEvent(&network.EventResponseReceived{RequestID: id, Response: &network.Response{Status: 200, Headers: network.Headers{"Content-Type": "application/json"}}})
		return id
	}
	// The first call stays in flight while the others come and go.
	slow := start(0)
	const n = 600
	for i := 1; i <= n; i++ {
		r.complete(start(i), body, body, nil)
	}
	r.complete(slow, body, body, nil)

	calls, _ := r.snapshot(0)
	held, dropped := 0, 0
	for i, c := range calls {
		held += c.heldBytes()
		if c.BodiesDropped {
			dropped++
			if c.RequestBody != nil || c.ResponseBody != nil || c.RequestHeaders != nil || c.ResponseHeaders != nil {
				t.Errorf("call %d is marked BodiesDropped but has bodies or headers", c.Seq)
			}
		} else if c.RequestHeaders["Content-Type"] == "" || c.ResponseHeaders["Content-Type"] == "" {
			t.Errorf("call %d lost its headers without BodiesDropped", c.Seq)
		}
		if i >= len(calls)-keptBodies && c.ResponseBody == nil {
			t.Errorf("call %d, among the newest %d, lost its bodies", c.Seq, keptBodies)
		}
	}
	if held != r.bodies {
		t.Errorf("bodies counted %d, held %d", r.bodies, held)
	}
	w := calls[len(calls)-1].heldBytes() // one call's bodies and headers
	if limit := max(maxBodyBytes, keptBodies*w) + 2*w; held > limit {
		t.Errorf("held %d bytes of bodies, want at most %d", held, limit)
	}
	if dropped == 0 {
		t.Error("no call lost its bodies")
	}
	if calls[0].Seq != 1 || calls[0].ResponseBody == nil || calls[0].BodiesDropped {
		t.Errorf("the call that was in flight lost its answer: %+v", calls[0])
	}
}

// TestRecorderTakesAnswerReadWhilePaused: an answer read at the response
// stage completes its call at once, before the page has it (which may
// reload and take the body with it), whether the browser reported the
// request before the pause or after it; the loadingFinished that may follow
// changes nothing, and answers for requests never seen stay bounded.
func TestRecorderTakesAnswerReadWhilePaused(t *testing.T) {
	const answer = "<error><ret>1203</ret><message>m</message></error>"
	sent := func(r *recorder, id string) {
		r.onEvent(&network.EventRequestWillBeSent{
			RequestID: network.RequestID(id),
			Request:   &network.Request{URL: "https://wx.qq.com/cgi-bin/mmwebwx-bin/webwxnewloginpage?ticket=t&fun=new", Method: "GET"},
			Type:      network.ResourceTypeXHR,
		})
	}
	for _, order := range []string{"sent first", "answered first"} {
		r := newRecorder()
		if order == "sent first" {
			sent(r, "1")
			r.answered("1", 200, []byte(answer))
		} else {
			r.answered("1", 200, []byte(answer))
			sent(r, "1")
		}
		r.onEvent(&network.EventLoadingFinished{RequestID: "1"})
		calls, _ := r.snapshot(0)
		if len(calls) != 1 || !calls[0].Done || calls[0].Status != 200 || !errors.Is(loginRefusal(calls[0]), ErrLoginBlocked) {
			t.Errorf("%s: calls %+v", order, calls)
		}
		if len(r.queue) != 0 || len(r.early) != 0 {
			t.Errorf("%s: %d queued for a body read, %d early answers left", order, len(r.queue), len(r.early))
		}
	}
	r := newRecorder()
	for i := range 3 * maxEarly {
		r.answered(network.RequestID(fmt.Sprint("x", i)), 200, []byte(answer))
	}
	if len(r.early) != maxEarly {
		t.Errorf("%d early answers held, want at most %d", len(r.early), maxEarly)
	}
}
