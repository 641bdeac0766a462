package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"

	"github.com/wxctl/wxctl/sandbox"
)

func TestLoginURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://login.weixin.qq.com/qrcode/QY1gJb0hXA==", "https://login.weixin.qq.com/l/QY1gJb0hXA=="},
		{"http://127.0.0.1:8080/qrcode/abc", "http://127.0.0.1:8080/l/abc"},
	}
	for _, tt := range tests {
		if got, err := LoginURL(tt.in); err != nil || got != tt.want {
			t.Errorf("LoginURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "qrcode/abc", "https://login.weixin.qq.com/qrcode/", "https://login.weixin.qq.com/img/abc", "https://x/qrcode/a/b"} {
		if got, err := LoginURL(bad); err == nil {
			t.Errorf("LoginURL(%q) = %q, want an error", bad, got)
		}
	}
}

func TestLoginRefusal(t *testing.T) {
	body := func(s string) json.RawMessage {
		b, _ := json.Marshal(s)
		return b
	}
	call := func(endpoint, text string) NetCall {
		return NetCall{Endpoint: endpoint, Done: true, ResponseBody: body(text)}
	}
	blocked := call("webwxnewloginpage", "<error><ret>1203</ret><message>为了你的帐号安全，此微信号不能登录网页微信。</message></error>")
	var be *LoginBlockedError
	if err := loginRefusal(blocked); !errors.As(err, &be) || !errors.Is(err, ErrLoginBlocked) || be.Message != "为了你的帐号安全，此微信号不能登录网页微信。" {
		t.Errorf("1203: %v", err)
	}
	if err := loginRefusal(call("webwxnewloginpage", "<error><ret>0</ret><skey>@crypt_1</skey></error>")); err != nil {
		t.Errorf("ret 0: %v", err)
	}
	if err := loginRefusal(call("webwxnewloginpage", "<error><ret>1100</ret></error>")); !errors.Is(err, ErrNotLoggedIn) {
		t.Errorf("ret 1100: %v", err)
	}
	if err := loginRefusal(call("webwxinit", "<ret>1203</ret>")); err != nil {
		t.Errorf("another endpoint: %v", err)
	}
	// The answer to a log-in (the page asks with the QR code's ticket):
	// any ret but 0 refuses it, 1203 blocks the account, and the ret
	// decides, whatever the text says.
	logIn := func(text string) NetCall {
		c := call("webwxnewloginpage", text)
		c.URL = "https://wx.qq.com/cgi-bin/mmwebwx-bin/webwxnewloginpage?ticket=A1b&uuid=Q==&lang=zh_CN&scan=1&fun=new&version=v2"
		c.Status = 200
		return c
	}
	var refused *LoginRefusedError
	for _, tt := range []struct {
		text, msg string
		ret       int
	}{
		{"<error><ret>1100</ret><message>登录超时，请重新扫码登录</message></error>", "登录超时，请重新扫码登录", 1100},
		{"<error><ret>-1</ret><message></message></error>", "", -1},
		{"<error><ret>1</ret><message>为了你的帐号安全，此微信号已不允许登录网页微信。</message></error>", "为了你的帐号安全，此微信号已不允许登录网页微信。", 1},
	} {
		err := loginRefusal(logIn(tt.text))
		if !errors.As(err, &refused) || !errors.Is(err, ErrRefused) || errors.Is(err, ErrNotLoggedIn) ||
			refused.Ret != tt.ret || refused.Message != tt.msg {
			t.Errorf("log-in answered %s: %v", tt.text, err)
		}
	}
	if err := loginRefusal(logIn("<error><ret>1203</ret><message>x</message></error>")); !errors.As(err, &be) || be.Message != "x" {
		t.Errorf("log-in answered 1203: %v", err)
	}
	if err := loginRefusal(logIn("<error><ret>0</ret><skey>@crypt_1</skey></error>")); err != nil {
		t.Errorf("log-in answered 0: %v", err)
	}
	// An answer that could not be read leaves the page's alert to tell.
	unread := logIn("")
	unread.ResponseBody, unread.Err = nil, "response body unavailable: No resource with given identifier found"
	if !unreadAnswer(unread) || unreadAnswer(logIn("<error><ret>-1</ret></error>")) {
		t.Error("unreadAnswer")
	}
	if err := dialogRefusal(Dialog{Message: "为了你的帐号安全，此微信号已不允许登录网页微信。"}); !errors.Is(err, ErrLoginBlocked) {
		t.Errorf("the 1203 alert: %v", err)
	}
	if err := dialogRefusal(Dialog{Message: "登陆失败"}); !errors.As(err, &refused) || refused.Ret != 0 || !errors.Is(err, ErrRefused) {
		t.Errorf("another alert: %v", err)
	}
}

// TestLoginRefusedAtOnce: WeChat refusing the log-in with any <ret> ends
// Login at once with that ret, although the page alerts and reloads in the
// same instant: the answer is read while the browser holds it, and the
// alert is answered by the tab whatever it says.
func TestLoginRefusedAtOnce(t *testing.T) {
	b := sharedBrowser(t)
	for _, tt := range []struct {
		ret     int
		message string
	}{
		{RetLoginBlocked, sandbox.BlockedMessage},
		{RetSystemError, ""},
	} {
		srv, url := loginSandbox(t)
		srv.RefuseLogin(tt.ret, tt.message)
		p := openApp(t, b, url)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		_, err := Login(ctx, p, WithProgress(func(pr LoginProgress) {
			if pr.Step == LoginQR {
				if err := srv.Phone(sandbox.PhoneConfirm); err != nil {
					t.Error(err)
				}
			}
		}))
		cancel()
		done := time.Now()
		var blocked *LoginBlockedError
		var refused *LoginRefusedError
		switch {
		case tt.ret == RetLoginBlocked && (!errors.As(err, &blocked) || blocked.Message != tt.message):
			t.Errorf("refused with 1203: %v", err)
		case tt.ret != RetLoginBlocked && (!errors.As(err, &refused) || refused.Ret != tt.ret || !errors.Is(err, ErrRefused)):
			t.Errorf("refused with %d: %v", tt.ret, err)
		}
		reqs := srv.Requests("webwxnewloginpage")
		if len(reqs) == 0 || done.Sub(reqs[0].Time) > 5*time.Second {
			t.Errorf("refused with %d: Login did not end within 5s of the answer", tt.ret)
		}
		// The page alerted and reloaded; the recorded call kept its answer.
		ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
		if c, err := p.WaitCall(ctx, logInAnswer); err != nil || loginRefusal(c) == nil {
			t.Errorf("refused with %d: the log-in's answer was not recorded: %s %v", tt.ret, c.ResponseBody, err)
		}
		_, err = p.waitDialog(ctx, 0, func(d Dialog) bool { return d.Type == "alert" })
		cancel()
		if err != nil {
			t.Errorf("refused with %d: no alert seen: %v", tt.ret, err)
		}
	}
}

func TestSessionLost(t *testing.T) {
	text := func(s string) json.RawMessage {
		b, _ := json.Marshal(s)
		return b
	}
	tests := []struct {
		call NetCall
		lost bool
	}{
		{NetCall{Endpoint: "synccheck", Done: true, ResponseBody: text(`window.synccheck={retcode:"1101",selector:"0"}`)}, true},
		{NetCall{Endpoint: "synccheck", Done: true, ResponseBody: text(`window.synccheck={retcode:"0",selector:"2"}`)}, false},
		{NetCall{Endpoint: "webwxsync", Done: true, ResponseBody: json.RawMessage(`{"BaseResponse":{"Ret":1100,"ErrMsg":""}}`)}, true},
		{NetCall{Endpoint: "webwxinit", Done: true, ResponseBody: json.RawMessage(`{"BaseResponse":{"Ret":1102,"ErrMsg":""}}`)}, true},
		{NetCall{Endpoint: "webwxinit", Done: true, ResponseBody: json.RawMessage(`{"BaseResponse":{"Ret":0,"ErrMsg":""}}`)}, false},
		// A command's own request answering 1101 is that command's error.
		{NetCall{Endpoint: "webwxcreatechatroom", Done: true, ResponseBody: json.RawMessage(`{"BaseResponse":{"Ret":1101,"ErrMsg":""}}`)}, false},
		{NetCall{Endpoint: "webwxlogout"}, true},
	}
	for _, tt := range tests {
		err := sessionLost(tt.call)
		if (err != nil) != tt.lost || (err != nil && !errors.Is(err, ErrNotLoggedIn)) {
			t.Errorf("%s %s: %v, want lost %v", tt.call.Endpoint, tt.call.ResponseBody, err, tt.lost)
		}
	}
}

func TestHostOfDomain(t *testing.T) {
	for domain, want := range map[string]string{
		"wx.qq.com": "wx.qq.com", ".wx2.qq.com": "wx2.qq.com", "web.wechat.com": "web.wechat.com",
		".qq.com": "wx.qq.com", "wechat.com": "web.wechat.com", "127.0.0.1": "", "example.com": "",
	} {
		if got := hostOfDomain(domain); got != want {
			t.Errorf("hostOfDomain(%q) = %q, want %q", domain, got, want)
		}
	}
}

func TestUOSURLAndHeaders(t *testing.T) {
	if got, _ := UOSURL("https://wx.qq.com/"); got != "https://wx.qq.com/?target=t" {
		t.Errorf("UOSURL = %q", got)
	}
	if got, _ := UOSURL("https://wx.qq.com/?lang=en_US&target=x"); got != "https://wx.qq.com/?lang=en_US&target=t" {
		t.Errorf("UOSURL with a query = %q", got)
	}
	h := uosHeaders(map[string]any{"Accept": "text/plain", "Extspam": "old"}, "tok")
	got := map[string]string{}
	for _, e := range h {
		got[e.Name] = e.Value
	}
	if len(got) != 3 || got["Accept"] != "text/plain" || got["client-version"] != UOSClientVersion || got["extspam"] != "tok" {
		t.Errorf("uosHeaders = %v", got)
	}
	for u, want := range map[string]bool{
		"https://wx.qq.com/cgi-bin/mmwebwx-bin/webwxnewloginpage?ticket=a":    true,
		"https://wx.qq.com/cgi-bin/mmwebwx-bin/webwxinit?x=webwxnewloginpage": false,
	} {
		if isLoginPage(u) != want {
			t.Errorf("isLoginPage(%q) != %v", u, want)
		}
	}
}

// loginSandbox serves a sandbox that starts logged out.
func loginSandbox(t *testing.T, opts ...sandbox.Option) (*sandbox.Server, string) {
	t.Helper()
	return newSandbox(t, append([]sandbox.Option{sandbox.WithLoggedIn(false)}, opts...)...)
}

// TestLoginFollowsThePage logs the sandbox page in, the phone acting on
// each step as Login reports it; the page's own QR picture shows meanwhile.
func TestLoginFollowsThePage(t *testing.T) {
	b := sharedBrowser(t)
	srv, url := loginSandbox(t)
	p := openApp(t, b, url)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var steps []LoginStep
	var shown string
	acct, err := Login(ctx, p, WithProgress(func(pr LoginProgress) {
		steps = append(steps, pr.Step)
		switch pr.Step {
		case LoginQR:
			shown = pr.LoginURL
			// The view shows the code's picture, as the real one does.
			raw, err := p.Eval(ctx, `(function () {
				var img = document.querySelector('.qrcode img');
				return img ? img.decode().then(function () { return img.naturalWidth; }) : 0;
			})()`)
			if err != nil || string(raw) == "0" {
				t.Errorf("the page shows no QR picture: %s %v", raw, err)
			}
			if err := srv.Phone(sandbox.PhoneScan); err != nil {
				t.Error(err)
			}
		case LoginScanned:
			if err := srv.Phone(sandbox.PhoneConfirm); err != nil {
				t.Error(err)
			}
		}
	}))
	if err != nil {
		t.Fatalf("Login: %v (steps %v)", err, steps)
	}
	if acct.UserName != sandbox.SelfUserName || acct.NickName != sandbox.SelfNickName || acct.Host != url[len("http://"):len(url)-1] {
		t.Errorf("account %+v", acct)
	}
	if shown == "" || shown != sandbox.LoginURL(lastUUID(t, srv)) {
		t.Errorf("login URL reported %q", shown)
	}
	want := []LoginStep{LoginQR, LoginScanned, LoginDone}
	if got := slices.DeleteFunc(slices.Clone(steps), func(s LoginStep) bool { return s == LoginConfirmed }); !slices.Equal(got, want) {
		t.Errorf("steps %v, want %v (confirmed may come between)", steps, want)
	}
	if a, err := CheckSession(ctx, p); err != nil || a.UserName != sandbox.SelfUserName {
		t.Errorf("CheckSession after the log-in: %+v %v", a, err)
	}
}

// lastUUID is the uuid of the log-in the sandbox accepted last: the uuid in
// its webwxnewloginpage request.
func lastUUID(t *testing.T, srv *sandbox.Server) string {
	t.Helper()
	reqs := srv.Requests("webwxnewloginpage")
	for i := len(reqs) - 1; i >= 0; i-- {
		if u := reqs[i].Query.Get("uuid"); u != "" {
			return u
		}
	}
	t.Fatal("no webwxnewloginpage request with a uuid")
	return ""
}

// TestLoginExpiredAndBlocked: an expired code is replaced by the page and
// reported again; a refusal with 1203 ends the log-in.
func TestLoginExpiredAndBlocked(t *testing.T) {
	b := sharedBrowser(t)
	srv, url := loginSandbox(t)
	srv.BlockLogin()
	p := openApp(t, b, url)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var codes []string
	_, err := Login(ctx, p, WithProgress(func(pr LoginProgress) {
		if pr.Step != LoginQR {
			return
		}
		codes = append(codes, pr.LoginURL)
		step := sandbox.PhoneExpire
		if len(codes) > 1 {
			step = sandbox.PhoneConfirm
		}
		if err := srv.Phone(step); err != nil {
			t.Error(err)
		}
	}))
	var blocked *LoginBlockedError
	if !errors.As(err, &blocked) || !errors.Is(err, ErrLoginBlocked) || blocked.Message == "" {
		t.Fatalf("Login of a blocked account: %v", err)
	}
	if len(codes) != 2 || codes[0] == codes[1] {
		t.Errorf("QR codes reported: %v, want two different ones", codes)
	}
}

func TestLoginTimeout(t *testing.T) {
	b := sharedBrowser(t)
	_, url := loginSandbox(t)
	p := openApp(t, b, url)
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	_, err := Login(ctx, p)
	var timeout *LoginTimeoutError
	if !errors.As(err, &timeout) || !errors.Is(err, ErrNotLoggedIn) || !errors.Is(err, context.DeadlineExceeded) || timeout.Last != LoginQR {
		t.Errorf("Login past its deadline: %v", err)
	}
}

// TestSessionWatch: CheckSession accepts the sandbox's session, and
// WatchSession reports its end when the server drops it.
func TestSessionWatch(t *testing.T) {
	b := sharedBrowser(t)
	srv, url := newSandbox(t)
	p := openApp(t, b, url)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	acct, err := CheckSession(ctx, p)
	if err != nil || acct.NickName != sandbox.SelfNickName {
		t.Fatalf("CheckSession: %+v %v", acct, err)
	}
	ended := make(chan error, 1)
	WatchSession(ctx, p, func(err error) { ended <- err })
	srv.ExpireSession()
	select {
	case err := <-ended:
		if !errors.Is(err, ErrNotLoggedIn) {
			t.Errorf("WatchSession reported %v", err)
		}
	case <-ctx.Done():
		t.Fatal("WatchSession did not see the session end")
	}
}

// TestLogoutForgets logs out through the app and removes the cookies, in a
// browser of its own: the log-out leaves cookies for association login.
func TestLogoutForgets(t *testing.T) {
	b := startBrowser(t, WithTempProfile())
	srv, url := newSandbox(t)
	p := openApp(t, b, url)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := CheckSession(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := Logout(ctx, p); err != nil {
		t.Fatalf("Logout: %v", err)
	}
	if _, err := CheckSession(ctx, p); !errors.Is(err, ErrNotLoggedIn) {
		t.Errorf("CheckSession after Logout: %v", err)
	}
	if n := len(srv.Requests("webwxlogout")); n != 1 {
		t.Errorf("%d webwxlogout requests, want 1", n)
	}
	if _, err := ForgetSession(ctx, p, url); err != nil {
		t.Fatal(err)
	}
	cookies, err := cookiesOf(ctx, p, url)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cookies {
		if sessionCookies[c.Name] {
			t.Errorf("session cookie %s left", c.Name)
		}
	}
	// Logged out, the page offers association login: Login presses it.
	if err := p.Open(ctx, url); err != nil {
		t.Fatal(err)
	}
	var steps []LoginStep
	_, err = Login(ctx, p, WithProgress(func(pr LoginProgress) {
		steps = append(steps, pr.Step)
		if pr.Step == LoginPushed {
			if err := srv.Phone(sandbox.PhoneConfirm); err != nil {
				t.Error(err)
			}
		}
	}))
	if err != nil || steps[0] != LoginPushed || steps[len(steps)-1] != LoginDone {
		t.Errorf("association login: %v, steps %v", err, steps)
	}
}

// TestEnableUOS: the page's webwxnewloginpage request, and it alone, carries
// the desktop client's two headers, and still its cookies.
func TestEnableUOS(t *testing.T) {
	b := sharedBrowser(t)
	srv, url := newSandbox(t)
	p := newPage(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := EnableUOS(ctx, p, ""); !errors.Is(err, ErrNoExtspamToken) {
		t.Errorf("EnableUOS without a token: %v", err)
	}
	if err := EnableUOS(ctx, p, "tok-123"); err != nil {
		t.Fatal(err)
	}
	entry, err := UOSURL(url)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Open(ctx, entry); err != nil {
		t.Fatal(err)
	}
	// The sandbox page resumes its session with webwxnewloginpage, on the
	// strength of its cookies: webwxinit follows only if they went along.
	if _, err := CheckSession(ctx, p); err != nil {
		t.Fatalf("CheckSession: %v", err)
	}
	for _, r := range srv.Requests("") {
		cv, ex := r.Header.Get("client-version"), r.Header.Get("extspam")
		if r.Endpoint == "webwxnewloginpage" {
			if cv != UOSClientVersion || ex != "tok-123" {
				t.Errorf("webwxnewloginpage headers: client-version %q, extspam %q", cv, ex)
			}
		} else if cv != "" || ex != "" {
			t.Errorf("%s carries client-version %q extspam %q", r.Endpoint, cv, ex)
		}
	}
}

// TestSessionHost: the session cookies' domain names the host to open, and
// ForgetSession removes them. A browser of its own: no other test should
// meet cookies of the real hosts.
func TestSessionHost(t *testing.T) {
	b := startBrowser(t, WithTempProfile())
	p := newPage(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if host, err := SessionHost(ctx, p); err != nil || host != "" {
		t.Fatalf("a new profile's session host: %q %v", host, err)
	}
	expires := cdp.TimeSinceEpoch(float64(time.Now().Add(time.Hour).Unix()))
	for _, c := range []network.SetCookieParams{
		{Name: "wxsid", Value: "s1", Domain: "wx2.qq.com", Path: "/", Expires: expires},
		{Name: "wxuin", Value: "1", Domain: "wx2.qq.com", Path: "/", Expires: expires},
		{Name: "mm_lang", Value: "zh_CN", Domain: "wx2.qq.com", Path: "/", Expires: expires},
	} {
		if _, err := cdp.Call(ctx, p.target, network.SetCookie, c); err != nil {
			t.Fatal(err)
		}
	}
	if host, err := SessionHost(ctx, p); err != nil || host != "wx2.qq.com" {
		t.Errorf("session host %q %v, want wx2.qq.com", host, err)
	}
	if n, err := ForgetSession(ctx, p); err != nil || n != 2 {
		t.Errorf("ForgetSession removed %d cookies (%v), want wxsid and wxuin", n, err)
	}
	if host, _ := SessionHost(ctx, p); host != "" {
		t.Errorf("session host %q after ForgetSession", host)
	}
}

// TestSessionFromCalls: a log-in accepted in the page (its webwxnewloginpage
// answered 0) is under way until webwxinit answers; and once the app has
// its user, only the calls after its last good webwxinit say whether the
// session ended since.
func TestSessionFromCalls(t *testing.T) {
	p := &Page{rec: newRecorder()}
	n := 0
	call := func(endpoint, query, answer string) {
		n++
		id := network.RequestID(fmt.Sprint(n))
		p.rec.onEvent(&network.EventRequestWillBeSent{
			RequestID: id,
			Request:   &network.Request{URL: "https://wx.qq.com/cgi-bin/mmwebwx-bin/" + endpoint + query, Method: "GET"},
			Type:      network.ResourceTypeXHR,
		})
		p.rec.answered(id, 200, []byte(answer))
	}
	if _, ok := loggingIn(p); ok {
		t.Error("logging in before any call")
	}
	// An earlier document: its session was refused (1101), and the app
	// logged out.
	call("webwxinit", "?r=1", `{"BaseResponse":{"Ret":1101,"ErrMsg":""}}`)
	call("webwxlogout", "?redirect=1", "")
	if err := endedSinceInit(p); err != nil {
		t.Errorf("ended with no good webwxinit to start from: %v", err)
	}
	call("webwxnewloginpage", "?ticket=t1&uuid=u&fun=new", "<error><ret>1203</ret></error>")
	if _, ok := loggingIn(p); ok {
		t.Error("logging in after a refused log-in")
	}
	call("webwxnewloginpage", "?ticket=t2&uuid=u&fun=new", "<error><ret>0</ret><skey>@crypt_1</skey></error>")
	if seq, ok := loggingIn(p); !ok || seq != n {
		t.Errorf("after an accepted log-in: logging in %v at %d, want at %d", ok, seq, n)
	}
	call("webwxinit", "?r=2", `{"BaseResponse":{"Ret":0,"ErrMsg":""},"User":{"UserName":"@a"}}`)
	if _, ok := loggingIn(p); ok {
		t.Error("still logging in after webwxinit answered")
	}
	if err := endedSinceInit(p); err != nil {
		t.Errorf("the old document's 1101 and log-out count against the new session: %v", err)
	}
	call("synccheck", "?r=3", `window.synccheck={retcode:"1101",selector:"0"}`)
	if err := endedSinceInit(p); !errors.Is(err, ErrNotLoggedIn) {
		t.Errorf("a 1101 after the session started: %v", err)
	}
}
