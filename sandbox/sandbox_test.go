package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Key lists transcribed from the seed exchange (seeds/000_d435c6d000276e86.txt),
// in the seed's order.
var (
	seedCreateKeys = []string{"BaseResponse", "Topic", "PYInitial", "QuanPin", "MemberCount", "MemberList", "ChatRoomName", "BlackList"}
	seedMemberKeys = []string{"Uin", "UserName", "NickName", "AttrStatus", "PYInitial", "PYQuanPin", "RemarkPYInitial", "RemarkPYQuanPin", "MemberStatus", "DisplayName", "KeyWord"}
	seedBatchKeys  = []string{"BaseResponse", "Count", "ContactList"}
	seedContactKey = []string{"Uin", "UserName", "NickName", "HeadImgUrl", "ContactFlag", "MemberCount", "MemberList", "RemarkName",
		"HideInputBarFlag", "Sex", "Signature", "VerifyFlag", "OwnerUin", "PYInitial", "PYQuanPin", "RemarkPYInitial", "RemarkPYQuanPin",
		"StarFriend", "AppAccountFlag", "Statues", "AttrStatus", "Province", "City", "Alias", "SnsFlag", "UniFriend", "DisplayName",
		"ChatRoomId", "KeyWord", "EncryChatRoomId", "IsOwner"}
	baseResponseKeys = []string{"Ret", "ErrMsg"}
)

var (
	roomNameRE  = regexp.MustCompile(`^@@[0-9a-f]{64}$`)
	encryRoomRE = regexp.MustCompile(`^@[0-9a-f]{32}$`)
)

// client talks to one sandbox over HTTP with a cookie jar, like the page.
type client struct {
	t  *testing.T
	s  *Server
	ts *httptest.Server
	hc *http.Client
}

// newClient serves a new sandbox with a short long-poll hold. When the
// session starts logged in, it loads the page first to get the cookies.
func newClient(t *testing.T, opts ...Option) *client {
	t.Helper()
	s, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	s.cfg.hold = 100 * time.Millisecond
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	t.Cleanup(func() { _ = s.Close() })
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &client{t: t, s: s, ts: ts, hc: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	c.get("/")
	return c
}

func (c *client) do(req *http.Request) (*http.Response, []byte) {
	c.t.Helper()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp, body
}

func (c *client) get(path string) (*http.Response, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.ts.URL+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

func (c *client) postRaw(path, contentType string, body []byte) (*http.Response, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.ts.URL+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	return c.do(req)
}

// baseRequest is this session's BaseRequest, as the page sends it.
func (c *client) baseRequest() map[string]any {
	sess := c.s.Session()
	return map[string]any{"Uin": sess.Uin, "Sid": sess.Sid, "Skey": sess.Skey, "DeviceID": "e123456789012345"}
}

// api POSTs fields plus the BaseRequest to an endpoint (with its query) and
// returns the raw JSON answer, failing on a status other than 200.
func (c *client) api(endpoint string, fields map[string]any) json.RawMessage {
	c.t.Helper()
	body := map[string]any{"BaseRequest": c.baseRequest()}
	for k, v := range fields {
		body[k] = v
	}
	b, err := json.Marshal(body)
	if err != nil {
		c.t.Fatal(err)
	}
	resp, raw := c.postRaw(apiPrefix+endpoint, "application/json;charset=UTF-8", b)
	if resp.StatusCode != http.StatusOK {
		c.t.Fatalf("%s: HTTP %d: %s", endpoint, resp.StatusCode, raw)
	}
	return raw
}

// decode unmarshals JSON or fails the test.
func decode[T any](t *testing.T, raw []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return v
}

// base is the BaseResponse of an answer.
func base(t *testing.T, raw []byte) baseResponse {
	t.Helper()
	return decode[struct{ BaseResponse baseResponse }](t, raw).BaseResponse
}

// objectKeys returns the keys of a JSON object in the order they appear.
func objectKeys(t *testing.T, raw []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %s", raw)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// wantKeys checks the keys of a JSON object, in order.
func wantKeys(t *testing.T, what string, raw []byte, want []string) {
	t.Helper()
	if got := objectKeys(t, raw); !slices.Equal(got, want) {
		t.Errorf("%s keys:\n got %v\nwant %v", what, got, want)
	}
}

func TestNewAngularMissing(t *testing.T) {
	_, err := New(WithAngularJS(filepath.Join(t.TempDir(), "angular.min.js")))
	if !errors.Is(err, ErrAngularMissing) {
		t.Fatalf("New: %v, want ErrAngularMissing", err)
	}
	for _, want := range []string{"apt-get install -y libjs-angularjs", "--angular-js"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

func TestAngularOverride(t *testing.T) {
	path := filepath.Join(t.TempDir(), "angular.min.js")
	if err := os.WriteFile(path, []byte("/* my angular */"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, WithAngularJS(path))
	if resp, body := c.get("/js/angular.min.js"); resp.StatusCode != 200 || string(body) != "/* my angular */" {
		t.Errorf("GET /js/angular.min.js: %d %q", resp.StatusCode, body)
	}
	if resp, body := c.get("/js/chatroom.js"); resp.StatusCode != 200 || !bytes.Contains(body, []byte("chatroomFactory")) {
		t.Errorf("GET /js/chatroom.js: %d", resp.StatusCode)
	}
}

func TestSessionSecrets(t *testing.T) {
	a, b := newClient(t).s.Session(), newClient(t).s.Session()
	if a == b {
		t.Fatal("two sandboxes share their secrets")
	}
	uin := strconv.FormatInt(a.Uin, 10)
	checks := map[string]bool{
		"Uin has 9-10 digits":      len(uin) == 9 || len(uin) == 10,
		"Sid has 16 characters":    len(a.Sid) == 16,
		"Skey is @crypt_…":         regexp.MustCompile(`^@crypt_[0-9a-f]{8}_[0-9a-f]{32}$`).MatchString(a.Skey),
		"pass_ticket is set":       len(a.PassTicket) >= 32,
		"webwx_data_ticket is set": len(a.DataTicket) >= 32,
	}
	for what, ok := range checks {
		if !ok {
			t.Errorf("%s: %+v", what, a)
		}
	}
}

func TestIndex(t *testing.T) {
	for _, loggedIn := range []bool{true, false} {
		c := newClient(t, WithLoggedIn(loggedIn))
		resp, body := c.get("/")
		page := string(body)
		for _, want := range []string{`<html ng-app="webwxApp">`, `src="/js/angular.min.js"`,
			`window.MMCgi = {isLogin: ` + strconv.FormatBool(loggedIn) + `}`} {
			if !strings.Contains(page, want) {
				t.Errorf("loggedIn=%v: page lacks %s", loggedIn, want)
			}
		}
		if resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
			t.Errorf("Content-Type %q", resp.Header.Get("Content-Type"))
		}
		var names []string
		for _, ck := range c.hc.Jar.Cookies(resp.Request.URL) {
			names = append(names, ck.Name)
		}
		slices.Sort(names)
		want := []string{"mm_lang", "webwx_auth_ticket", "webwx_data_ticket", "webwxuvid", "wxsid", "wxuin"}
		if !loggedIn {
			want = nil
		}
		if !slices.Equal(names, want) {
			t.Errorf("loggedIn=%v: cookies %v, want %v", loggedIn, names, want)
		}
	}
}

func TestStartClose(t *testing.T) {
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	url, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^http://127\.0\.0\.1:\d+/$`).MatchString(url) || s.URL() != url {
		t.Fatalf("Start = %q, URL = %q", url, s.URL())
	}
	if _, err := s.Start("127.0.0.1:0"); err == nil {
		t.Error("a second Start succeeded")
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /: %d", resp.StatusCode)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := http.Get(url); err == nil {
		t.Error("server still answers after Close")
	}
}

func TestSeedData(t *testing.T) {
	s := newClient(t).s
	self := s.Self()
	if self.UserName != SelfUserName || self.NickName != SelfNickName || self.Uin != s.Session().Uin {
		t.Errorf("Self = %+v", self)
	}
	byNick := map[string][]Contact{}
	for _, c := range s.Contacts() {
		byNick[c.NickName] = append(byNick[c.NickName], c)
	}
	checks := map[string]bool{
		"12 friends":         len(s.Contacts()) == 12,
		"two Toms":           len(byNick["Tom"]) == 2,
		"Boss":               len(byNick["Zhang Wei"]) == 1 && byNick["Zhang Wei"][0].RemarkName == "Boss",
		"alice_w":            len(byNick["Alice"]) == 1 && byNick["Alice"][0].Alias == "alice_w",
		"hostile name":       len(byNick[QuoteNickName]) == 1,
		"seed friends":       len(byNick["Rain1ove"]) == 1 && byNick["迴焘願點"][0].UserName == HuiTao,
		"Grace not a friend": len(byNick["Grace"]) == 0,
		"one seed room":      len(s.Rooms()) == 1+DefaultRecentGroups && s.Rooms()[0].NickName == SeedRoomTopic,
	}
	for what, ok := range checks {
		if !ok {
			t.Errorf("seed: %s", what)
		}
	}
}
