package sandbox

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var (
	uuidRE     = regexp.MustCompile(`window\.QRLogin\.uuid = "([^"]+)";`)
	redirectRE = regexp.MustCompile(`window\.redirect_uri="([^"]+)";`)
)

// qr loads jslogin and returns the QR uuid.
func (c *client) qr() string {
	c.t.Helper()
	_, body := c.get("/jslogin?appid=wx782c26e4c19acffb&fun=new&lang=zh_CN")
	m := uuidRE.FindStringSubmatch(string(body))
	if m == nil || !strings.HasPrefix(string(body), "window.QRLogin.code = 200;") {
		c.t.Fatalf("jslogin: %s", body)
	}
	return m[1]
}

func (c *client) loginPoll(uuid string) string {
	c.t.Helper()
	_, body := c.get(apiPrefix + "login?loginicon=true&uuid=" + url.QueryEscape(uuid) + "&tip=0&r=-1")
	return string(body)
}

func TestQRLogin(t *testing.T) {
	c := newClient(t, WithLoggedIn(false))
	if err := c.s.Phone(PhoneScan); !errors.Is(err, ErrNoQRCode) {
		t.Errorf("Phone before a QR code: %v", err)
	}
	uuid := c.qr()
	if got := c.loginPoll(uuid); got != "window.code=408;" {
		t.Errorf("poll before the phone: %s", got)
	}
	if err := c.s.Phone(PhoneScan); err != nil {
		t.Fatal(err)
	}
	if got := c.loginPoll(uuid); !strings.HasPrefix(got, "window.code=201;window.userAvatar = 'data:img/gif;base64,") {
		t.Errorf("poll after scan: %s", got)
	}
	if err := c.s.Phone(PhoneConfirm); err != nil {
		t.Fatal(err)
	}
	got := c.loginPoll(uuid)
	m := redirectRE.FindStringSubmatch(got)
	if !strings.HasPrefix(got, "window.code=200;") || m == nil {
		t.Fatalf("poll after confirm: %s", got)
	}
	loginPage, err := url.Parse(m[1])
	if err != nil || loginPage.Host != strings.TrimPrefix(c.ts.URL, "http://") || loginPage.Query().Get("ticket") == "" {
		t.Fatalf("redirect_uri %q (%v)", m[1], err)
	}

	_, body := c.get(loginPage.RequestURI() + "&fun=new&version=v2")
	sess := c.s.Session()
	want := "<error><ret>0</ret><message></message><skey>" + sess.Skey + "</skey><wxsid>" + sess.Sid +
		"</wxsid><wxuin>" + itoa(sess.Uin) + "</wxuin><pass_ticket>" + sess.PassTicket + "</pass_ticket><isgrayscale>1</isgrayscale></error>"
	if string(body) != want {
		t.Errorf("webwxnewloginpage:\n got %s\nwant %s", body, want)
	}
	if !c.s.loggedIn() || base(t, c.api("webwxinit", nil)).Ret != 0 {
		t.Error("the session is not accepted after the login")
	}
	// The ticket is spent.
	if _, body := c.get(loginPage.RequestURI()); !strings.HasPrefix(string(body), "<error><ret>1100</ret>") {
		t.Errorf("second use of the ticket: %s", body)
	}
}

func TestQRExpireCancel(t *testing.T) {
	c := newClient(t, WithLoggedIn(false))
	uuid := c.qr()
	for step, want := range map[PhoneStep]string{PhoneCancel: "window.code=202;", PhoneExpire: "window.code=400;"} {
		if err := c.s.Phone(step); err != nil {
			t.Fatal(err)
		}
		if got := c.loginPoll(uuid); got != want {
			t.Errorf("%s: %s, want %s", step, got, want)
		}
	}
	if got := c.loginPoll("stale=="); got != "window.code=400;" {
		t.Errorf("poll with an old uuid: %s", got)
	}
	if err := c.s.Phone("wave"); err == nil {
		t.Error("unknown phone step accepted")
	}
}

// TestResumeLoginPage: a page loaded logged in gets its login values from
// webwxnewloginpage without a ticket, on the strength of its cookies.
func TestResumeLoginPage(t *testing.T) {
	c := newClient(t)
	if _, body := c.get(apiPrefix + "webwxnewloginpage?r=1&fun=new&version=v2"); !strings.HasPrefix(string(body), "<error><ret>0</ret>") {
		t.Errorf("with cookies: %s", body)
	}
	noCookies := &client{t: t, s: c.s, ts: c.ts, hc: http.DefaultClient}
	if _, body := noCookies.get(apiPrefix + "webwxnewloginpage?r=1"); !strings.HasPrefix(string(body), "<error><ret>1100</ret>") {
		t.Errorf("without cookies: %s", body)
	}
}

func TestLogout(t *testing.T) {
	c := newClient(t)
	sess := c.s.Session()
	form := url.Values{"sid": {sess.Sid}, "uin": {itoa(sess.Uin)}}
	resp, _ := c.postRaw(apiPrefix+"webwxlogout?redirect=1&type=0&skey="+url.QueryEscape(sess.Skey),
		"application/x-www-form-urlencoded", []byte(form.Encode()))
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/" {
		t.Errorf("logout: HTTP %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The session's cookies go; the two that make the next page offer
	// association login come.
	left := map[string]string{}
	for _, ck := range c.hc.Jar.Cookies(resp.Request.URL) {
		left[ck.Name] = ck.Value
	}
	if len(left) != 2 || left["login_frequency"] != "2" || left["last_wxuin"] != itoa(sess.Uin) {
		t.Errorf("cookies after logout: %v, want only login_frequency=2 and last_wxuin", left)
	}
	if b := base(t, c.api("webwxinit", nil)); b.Ret != retLoggedOut {
		t.Errorf("webwxinit after logout: Ret %d", b.Ret)
	}
	if _, body := c.get("/"); !strings.Contains(string(body), "isLogin: false") {
		t.Error("the page still renders logged in")
	}
}
