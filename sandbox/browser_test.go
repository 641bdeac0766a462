package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/wxctl/wxctl/browser/browsertest"
)

// TestBrowser runs the sandbox page in real Chromium: one browser for the
// whole test, a new tab per subtest. Any uncaught page exception fails it.
func TestBrowser(t *testing.T) {
	ctx := startBrowser(t)
	t.Run("CreateRoom", func(t *testing.T) { testCreateRoom(t, ctx) })
	t.Run("RecentGroups", func(t *testing.T) { testRecentGroups(t, ctx) })
	t.Run("BatchQueue", func(t *testing.T) { testBatchQueue(t, ctx) })
	t.Run("AppReadsNewRoom", func(t *testing.T) { testAppReadsNewRoom(t, ctx) })
	t.Run("QRLogin", func(t *testing.T) { testQRLogin(t, ctx) })
	t.Run("RefusedLogin", func(t *testing.T) { testRefusedLogin(t, ctx) })
	// Last: a log-out leaves cookies that make the next login page offer
	// association login instead of a QR code.
	t.Run("Logout", func(t *testing.T) { testLogout(t, ctx) })
}

// startBrowser launches headless Chromium, or skips the test when it is
// not installed (fails instead when CI is set).
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browsertest.Path(t)),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		if err := chromedp.Cancel(ctx); err != nil {
			t.Errorf("close browser: %v", err)
		}
		cancel()
		cancelAlloc()
	})
	// The first run starts the browser; it must have no deadline.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start browser: %v", err)
	}
	return ctx
}

// openPage serves a new sandbox, opens it in a new tab and waits for the
// injector. The tab fails the test on any uncaught exception.
func openPage(t *testing.T, browser context.Context, opts ...Option) (*Server, context.Context) {
	t.Helper()
	s, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	t.Cleanup(func() { _ = s.Close() }) // runs first: ends the long polls

	tab, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	var mu sync.Mutex
	var thrown []string
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("new tab: %v", err)
	}
	if err := chromedp.Listen(tab, func(ev any) {
		if e, ok := ev.(*runtime.EventExceptionThrown); ok {
			mu.Lock()
			defer mu.Unlock()
			thrown = append(thrown, exceptionText(e.ExceptionDetails))
		}
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range thrown {
			t.Errorf("uncaught page exception: %s", e)
		}
	})

	ctx, cancelTimeout := context.WithTimeout(tab, 20*time.Second)
	t.Cleanup(cancelTimeout)
	// Not chromedp.Navigate: the page's long polls (<script> tags, as on
	// the real site) can hold the load event for as long as they last.
	navigate := chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.Navigate, page.NavigateParams{URL: ts.URL})
		return err
	})
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.DomContentEventFired, nil, navigate)); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	waitFor(t, ctx, `!!(window.angular && angular.element(document).injector())`)
	return s, ctx
}

func exceptionText(d *runtime.ExceptionDetails) string {
	text := d.Text
	if d.Exception != nil {
		text += " " + d.Exception.Description
	}
	return fmt.Sprintf("%s (%s:%d)", text, d.URL, d.LineNumber+1)
}

// waitFor polls a page expression (at an interval: hidden tabs get no
// animation frames) until it is truthy.
func waitFor(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil {
		t.Fatalf("wait for %s: %v", expr, err)
	}
}

// settled is a promise's outcome, as the page reports it.
type settled struct {
	OK    bool            `json:"ok"`
	Value json.RawMessage `json:"value"`
}

// createJS calls chatroomFactory.create and settles both ways; the member
// list arrives as a JSON argument.
const createJS = `(function (members) {
  var rooms = angular.element(document).injector().get('chatroomFactory');
  return new Promise(function (resolve) {
    rooms.create(members).then(
      function (v) { resolve({ok: true, value: v}); },
      function (e) { resolve({ok: false, value: e}); });
  });
})(%s)`

func create(t *testing.T, ctx context.Context, userNames ...string) settled {
	t.Helper()
	members := make([]map[string]string, len(userNames))
	for i, u := range userNames {
		members[i] = map[string]string{"UserName": u}
	}
	arg, err := json.Marshal(members)
	if err != nil {
		t.Fatal(err)
	}
	res, err := chromedp.Run(ctx, chromedp.Evaluate[settled](fmt.Sprintf(createJS, arg), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return res
}

func testCreateRoom(t *testing.T, browser context.Context) {
	s, ctx := openPage(t, browser)
	waitFor(t, ctx, friendsLoaded)

	res := create(t, ctx, Rain1ove, HuiTao)
	var ok createAnswer
	if err := json.Unmarshal(res.Value, &ok); err != nil || !res.OK {
		t.Fatalf("create settled %v with %s (%v)", res.OK, res.Value, err)
	}
	room, found := s.Room(ok.ChatRoomName)
	if !found || room.MemberCount != 3 {
		t.Fatalf("room %q: found %v, %d members", ok.ChatRoomName, found, room.MemberCount)
	}
	q := s.Requests("webwxcreatechatroom")[0].Query
	if q.Get("pass_ticket") != s.Session().PassTicket || q.Get("lang") == "" || q.Get("r") == "" {
		t.Errorf("create query %v: want r, lang and the pass_ticket", q)
	}
	// The new room reaches the page through synccheck and webwxsync.
	waitFor(t, ctx, fmt.Sprintf(`(function (c) { return !!c && c.MemberList.length == 3; })(
		angular.element(document).injector().get('contactFactory').getContact(%q, '', true))`, ok.ChatRoomName))

	s.SetFault(Fault{Endpoint: "webwxcreatechatroom", Ret: 1, ErrMsg: "操作太频繁", Once: true})
	res = create(t, ctx, Rain1ove, HuiTao)
	var refused createAnswer
	if err := json.Unmarshal(res.Value, &refused); err != nil || res.OK ||
		refused.BaseResponse.Ret != 1 || !strings.Contains(string(res.Value), `"ChatRoomName":""`) {
		t.Errorf("Ret fault: settled %v with %s (%v); want a rejection with the raw body", res.OK, res.Value, err)
	}

	s.SetFault(Fault{Endpoint: "webwxcreatechatroom", Status: 500, Once: true})
	res = create(t, ctx, Rain1ove, HuiTao)
	if res.OK || !strings.Contains(string(res.Value), "Internal Server Error") {
		t.Errorf("HTTP 500: settled %v with %s; want a rejection with the error body", res.OK, res.Value)
	}
	if n := len(s.Rooms()); n != 2+DefaultRecentGroups {
		t.Errorf("%d rooms after the faults, want the seed's and one created", n-DefaultRecentGroups)
	}
}

// testRecentGroups: the page learns the unsaved groups of the recent chats
// the way the real app does, through batch gets of at most 50 sent one
// after the other.
func testRecentGroups(t *testing.T, browser context.Context) {
	s, ctx := openPage(t, browser, WithRecentGroups(120))
	waitFor(t, ctx, `angular.element(document).injector().get('contactFactory').getAllChatroomContact({isNewArray: true}).length == 121`)
	var listed int
	for _, r := range s.Requests("webwxbatchgetcontact") {
		var req batchRequest
		if err := json.Unmarshal(r.Body, &req); err != nil || req.Count > maxBatch || len(req.List) != req.Count {
			t.Errorf("batch get %s: Count %d, %d listed (%v)", r.Body, req.Count, len(req.List), err)
		}
		listed += len(req.List)
	}
	if n := len(s.Requests("webwxbatchgetcontact")); n < 3 || listed < 121 {
		t.Errorf("%d batch gets listing %d contacts; want 3 or more for 121 groups", n, listed)
	}
	saved := `angular.element(document).injector().get('contactFactory').getAllChatroomContact({isNewArray: true, isSaved: true})`
	waitFor(t, ctx, saved+`.length == 1 && `+saved+`[0].NickName == `+fmt.Sprintf("%q", SeedRoomTopic))
}

func testQRLogin(t *testing.T, browser context.Context) {
	s, ctx := openPage(t, browser, WithLoggedIn(false))
	// 0: QR shown; 408: shown, and the first poll already timed out.
	waitFor(t, ctx, `(function (s) {
		return (s.code === 0 || s.code === 408) && /^https:\/\/login\.weixin\.qq\.com\/qrcode\//.test(s.qrcodeUrl);
	})(`+loginScope+`)`)
	if err := s.Phone(PhoneScan); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, loginScope+`.code === 201`)
	if err := s.Phone(PhoneConfirm); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, `angular.element(document).injector().get('accountFactory').getUserInfo().UserName === `+jsString(SelfUserName))
	waitFor(t, ctx, friendsLoaded)
	if !s.loggedIn() {
		t.Error("server session not logged in after the QR login")
	}
	// As on the real page, MMCgi.isLogin is the server's word when it
	// rendered the page: a log-in in the page leaves it false.
	if isLogin, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.MMCgi.isLogin`)); err != nil || isLogin {
		t.Errorf("MMCgi.isLogin after the QR login: %v (%v), want false", isLogin, err)
	}
}

// testRefusedLogin: webwxnewloginpage refusing the log-in (any <ret> but
// 0) makes the page alert the server's message, or 登陆失败 without one, and
// reload at once, as the real page does.
func testRefusedLogin(t *testing.T, browser context.Context) {
	for _, tt := range []struct {
		ret           int
		message, want string
	}{
		{1203, BlockedMessage, BlockedMessage},
		{-1, "", "登陆失败"},
	} {
		s, ctx := openPage(t, browser, WithLoggedIn(false))
		s.RefuseLogin(tt.ret, tt.message)
		dialogs := make(chan *page.EventJavascriptDialogOpening, 4)
		if err := chromedp.Listen(ctx, func(ev any) {
			if d, ok := ev.(*page.EventJavascriptDialogOpening); ok {
				dialogs <- d
			}
		}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, `typeof `+loginScope+`.qrcodeUrl === 'string' && `+loginScope+`.qrcodeUrl !== ''`)
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.beforeRefusal = true`)); err != nil {
			t.Fatal(err)
		}
		if err := s.Phone(PhoneConfirm); err != nil {
			t.Fatal(err)
		}
		select {
		case d := <-dialogs:
			if d.Type != page.DialogTypeAlert || d.Message != tt.want {
				t.Errorf("ret %d: a %s dialog saying %q, want an alert saying %q", tt.ret, d.Type, d.Message, tt.want)
			}
		case <-ctx.Done():
			t.Fatalf("ret %d: no alert", tt.ret)
		}
		accept := chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
			return err
		})
		// The reload: a new document, with a new QR code.
		if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.DomContentEventFired, nil, accept)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, `!window.beforeRefusal && !!(window.angular && angular.element(document).injector()) && `+
			`typeof `+loginScope+`.qrcodeUrl === 'string' && `+loginScope+`.qrcodeUrl !== ''`)
	}
}

// friendsLoaded is true once webwxgetcontact's friends are in contactFactory.
const friendsLoaded = `angular.element(document).injector().get('contactFactory').getAllFriendContact().length > 0`

// loginScope is the scope of the QR login view.
const loginScope = `angular.element(document.querySelector('[ng-controller="loginController"]')).scope()`

func testLogout(t *testing.T, browser context.Context) {
	s, ctx := openPage(t, browser)
	waitFor(t, ctx, friendsLoaded)
	// loginout posts a form, which navigates: wait for the new document.
	logout := chromedp.Evaluate[chromedp.Void](`angular.element(document).injector().get('loginFactory').loginout(0)`)
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.DomContentEventFired, nil, logout)); err != nil {
		t.Fatalf("loginout: %v", err)
	}
	waitFor(t, ctx, `!window.MMCgi.isLogin && typeof `+loginScope+`.qrcodeUrl === 'string'`)
	if s.loggedIn() || len(s.Requests("webwxlogout")) != 1 {
		t.Errorf("after loginout: logged in %v, %d webwxlogout requests", s.loggedIn(), len(s.Requests("webwxlogout")))
	}
}

// eval evaluates a page expression, awaiting a promise, into v.
func eval(t *testing.T, ctx context.Context, expr string, v any) {
	t.Helper()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %s: %v", expr, raw, err)
	}
}

// batchQueueJS queues first, then second 50 ms later, each with a call of
// its own, and reports after the batch that first's timer sent has been
// answered, and 400 ms more (second's own timer has fired by then).
const batchQueueJS = `(function (first, second) {
  var c = angular.element(document).injector().get('contactFactory');
  var a = c.addBatchgetContact({UserName: first, ChatRoomId: ''});
  var again = c.addBatchgetContact({UserName: first, ChatRoomId: ''});
  return new Promise(function (resolve) {
    setTimeout(function () {
      var secondSettled = false;
      c.addBatchgetContact({UserName: second, ChatRoomId: ''}).then(
        function () { secondSettled = true; }, function () { secondSettled = true; });
      a.then(function (list) {
        setTimeout(function () {
          resolve({
            arities: [c.addBatchgetContact.length, c.batchGetContact.length],
            againUndefined: again === undefined,
            firstGot: list.map(function (u) { return u.UserName; }),
            secondSettled: secondSettled
          });
        }, 400);
      });
    }, 50);
  });
})(%q, %q)`

// giveUpJS queues one contact alone, whose batch fails, and reports how
// the queue treats it afterwards.
const giveUpJS = `(function (who) {
  var c = angular.element(document).injector().get('contactFactory');
  return new Promise(function (resolve) {
    c.addBatchgetContact({UserName: who, ChatRoomId: ''}).then(function () {
      resolve({rejected: false});
    }, function (token) {
      resolve({
        rejected: true,
        token: token === undefined ? 'undefined' : String(token),
        askedAgain: c.addBatchgetContact({UserName: who, ChatRoomId: ''}) === undefined ? 'undefined' : 'promise',
        retried: c.addBatchgetContact({UserName: who, ChatRoomId: ''}, false, true) === undefined ? 'undefined' : 'promise'
      });
    });
  });
})(%q)`

// testBatchQueue: the page's contactFactory has the real queue's arities
// and semantics.
func testBatchQueue(t *testing.T, browser context.Context) {
	s, ctx := openPage(t, browser)
	waitFor(t, ctx, friendsLoaded)
	// The page reads the rooms of its chat list by itself after webwxinit;
	// a batch of its own in flight would carry the test's contacts under
	// its own promise.
	waitFor(t, ctx, fmt.Sprintf(`(function (c) { return !!c && !!c.MMFromBatchGet; })(
		angular.element(document).injector().get('contactFactory').getContact(%q, '', true))`, s.Rooms()[0].UserName))

	var q struct {
		Arities        []int    `json:"arities"`
		AgainUndefined bool     `json:"againUndefined"`
		FirstGot       []string `json:"firstGot"`
		SecondSettled  bool     `json:"secondSettled"`
	}
	eval(t, ctx, fmt.Sprintf(batchQueueJS, Dave, Grace), &q)
	if len(q.Arities) != 2 || q.Arities[0] != 3 || q.Arities[1] != 1 {
		t.Errorf("arities addBatchgetContact/batchGetContact = %v, want [3 1] as the real app", q.Arities)
	}
	if !q.AgainUndefined {
		t.Error("addBatchgetContact of a queued contact returned a promise, want undefined")
	}
	if len(q.FirstGot) != 2 {
		t.Errorf("the first call's batch brought %v, want both contacts", q.FirstGot)
	}
	if q.SecondSettled {
		t.Error("the second call's promise settled, though its contact went out in the first call's batch")
	}

	s.SetFault(Fault{Endpoint: "webwxbatchgetcontact", Ret: 1, Once: true})
	var g struct {
		Rejected   bool   `json:"rejected"`
		Token      string `json:"token"`
		AskedAgain string `json:"askedAgain"`
		Retried    string `json:"retried"`
	}
	eval(t, ctx, fmt.Sprintf(giveUpJS, Eve), &g)
	if !g.Rejected || g.Token != "undefined" || g.AskedAgain != "undefined" || g.Retried != "promise" {
		t.Errorf("a failed batch of one: %+v; want rejected with the (undefined) error token, "+
			"undefined when asked again, a promise through the retry path", g)
	}
}

// testAppReadsNewRoom: right after a create, the page reads the new room by
// itself, and its read is on the wire when create() settles.
func testAppReadsNewRoom(t *testing.T, browser context.Context) {
	s, ctx := openPage(t, browser)
	waitFor(t, ctx, friendsLoaded)
	res := create(t, ctx, Rain1ove, HuiTao)
	var ok createAnswer
	if err := json.Unmarshal(res.Value, &ok); err != nil || !res.OK {
		t.Fatalf("create settled %v with %s (%v)", res.OK, res.Value, err)
	}
	asked := false
	for _, r := range s.Requests("webwxbatchgetcontact") {
		asked = asked || strings.Contains(string(r.Body), ok.ChatRoomName)
	}
	if !asked {
		t.Fatal("create() settled before the page's own read of the new room reached the server")
	}
	var inFlight bool
	eval(t, ctx, fmt.Sprintf(`angular.element(document).injector().get('contactFactory').addBatchgetContact({UserName: %q, ChatRoomId: ''}) === undefined`, ok.ChatRoomName), &inFlight)
	if !inFlight {
		t.Error("the page's read of the new room was not in flight when create() settled")
	}
	waitFor(t, ctx, fmt.Sprintf(`(function (c) { return !!c && c.MemberList.length == 3; })(
		angular.element(document).injector().get('contactFactory').getContact(%q, '', true))`, ok.ChatRoomName))
}
