package sandbox

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Login codes of the QR poll (window.code), as in WEBWX.md.
const (
	codeConfirmed = 200
	codeScanned   = 201
	codeCancelled = 202
	codeExpired   = 400
	codeWaiting   = 408
)

// qrCode is the QR code on the login screen (or the log-in pushed to the
// phone by association login) and what the phone did with it.
type qrCode struct {
	uuid     string
	code     int // what the next poll reports
	reported int // what the last poll reported
	ticket   string
	pushed   bool // association login: no code to scan, the phone was asked
}

// LoginHost is the real login host. The login view's qrcodeUrl is
// LoginHost + "/qrcode/<uuid>" and the QR code encodes LoginURL(uuid), as
// on the real site, so that wxctl meets the same values here.
const LoginHost = "https://login.weixin.qq.com"

// LoginURL is what the QR code of uuid encodes: the address the phone opens.
func LoginURL(uuid string) string { return LoginHost + "/l/" + uuid }

// BlockedMessage is the real server's text with <ret>1203</ret>. Its
// wording is not what identifies the refusal (it changed over the years and
// differs between accounts); the <ret> does.
const BlockedMessage = "为了你的帐号安全，此微信号已不允许登录网页微信。你可以使用Windows微信或Mac微信在电脑端登录。" +
	"Windows微信下载地址：https://pc.weixin.qq.com  Mac微信下载地址：https://mac.weixin.qq.com"

// PhoneStep is what the simulated phone does with the QR code on screen.
type PhoneStep string

// The steps of Server.Phone and of the control endpoint's "phone" field.
const (
	PhoneScan    PhoneStep = "scan"    // the QR poll answers 201
	PhoneConfirm PhoneStep = "confirm" // 200 with redirect_uri: the page logs in
	PhoneCancel  PhoneStep = "cancel"  // 202
	PhoneExpire  PhoneStep = "expire"  // 400: the page reloads for a new QR code
)

// ErrNoQRCode reports a phone step while no page shows a QR code.
var ErrNoQRCode = errors.New("sandbox: no QR code on screen")

var phoneCodes = map[PhoneStep]int{
	PhoneScan: codeScanned, PhoneConfirm: codeConfirmed,
	PhoneCancel: codeCancelled, PhoneExpire: codeExpired,
}

// Phone plays the user's phone on the QR code the login page shows (or on
// the log-in pushed to it): scan, confirm (which logs the page in), cancel
// or expire.
func (s *Server) Phone(step PhoneStep) error {
	return s.phone(step, "")
}

// phone is Phone on the QR code uuid only ("" for any): a step meant for a
// code the page has replaced meanwhile is dropped.
func (s *Server) phone(step PhoneStep, uuid string) error {
	code, ok := phoneCodes[step]
	if !ok {
		return fmt.Errorf("sandbox: unknown phone step %q (want scan, confirm, cancel or expire)", step)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.qr.uuid == "" || (uuid != "" && s.st.qr.uuid != uuid) {
		return ErrNoQRCode
	}
	s.st.qr.code = code
	if step == PhoneConfirm {
		s.st.qr.ticket = randomString(alnum, 32)
	}
	s.notifyLocked()
	return nil
}

// serveJSLogin answers jslogin (on the real login host) with a new QR uuid,
// and, for the sandbox page only, the QR code's picture as a data: URL (the
// real page loads it from LoginHost, which the sandbox cannot serve).
//
// With uin (the sandbox page's association login, which the real page does
// with webwxpushloginurl?uin=) it pushes the log-in to the phone of that
// account instead: the uuid then has no code to scan.
func (s *Server) serveJSLogin(c *call) {
	uin := c.r.URL.Query().Get("uin")
	if uin != "" && uin != itoa(s.sess.Uin) {
		c.script("window.QRLogin.code = 400; window.QRLogin.uuid = \"\";")
		return
	}
	uuid := randomString(alnum, 10) + "=="
	png, err := qrPNG(LoginURL(uuid))
	if err != nil {
		http.Error(c.w, "sandbox: drawing the QR code: "+err.Error(), http.StatusInternalServerError)
		return
	}
	s.mu.Lock()
	s.st.qr = qrCode{uuid: uuid, code: codeWaiting, pushed: uin != ""}
	s.notifyLocked()
	s.mu.Unlock()
	c.script("window.QRLogin.code = 200; window.QRLogin.uuid = " + jsString(uuid) + ";\n" +
		"window.QRLogin.qrcodeImage = " + jsString("data:image/png;base64,"+base64.StdEncoding.EncodeToString(png)) + ";")
}

// jsLoginFail carries a Ret as window.QRLogin.code.
func jsLoginFail(c *call, ret int, _ string) {
	c.script("window.QRLogin.code = " + itoa(int64(ret)) + "; window.QRLogin.uuid = \"\";")
}

// serveLoginPoll answers the QR long poll: it waits until the phone acts
// (or the hold time passes) and reports the QR code's state as window.code.
func (s *Server) serveLoginPoll(c *call) {
	uuid := c.r.URL.Query().Get("uuid")
	_, alive := s.poll(c.r.Context(), func(st *state) bool {
		return st.qr.uuid != uuid || st.qr.code != st.qr.reported
	})
	if !alive {
		return
	}
	s.mu.Lock()
	qr := s.st.qr
	if qr.uuid == uuid {
		s.st.qr.reported = qr.code
	}
	s.mu.Unlock()
	switch {
	case qr.uuid != uuid:
		c.script("window.code=400;")
	case qr.code == codeScanned:
		c.script("window.code=201;window.userAvatar = 'data:img/gif;base64," + pixelBase64 + "';")
	case qr.code == codeConfirmed:
		c.script("window.code=200;\nwindow.redirect_uri=" + jsString(loginPageURL(c.r, qr)) + ";")
	default:
		c.script("window.code=" + itoa(int64(qr.code)) + ";")
	}
}

// loginPollFail carries a Ret as window.code.
func loginPollFail(c *call, ret int, _ string) {
	c.script("window.code=" + itoa(int64(ret)) + ";")
}

// loginPageURL is the redirect_uri of a confirmed login, on the host the
// page was loaded from (the app checks that).
func loginPageURL(r *http.Request, qr qrCode) string {
	// In the real server's order, which url.Values.Encode would sort.
	return "http://" + r.Host + apiPrefix + "webwxnewloginpage?ticket=" + url.QueryEscape(qr.ticket) +
		"&uuid=" + url.QueryEscape(qr.uuid) + "&lang=zh_CN&scan=" + strconv.FormatInt(time.Now().Unix(), 10)
}

// serveNewLoginPage answers webwxnewloginpage with the login XML and the
// session cookies. With the ticket of a confirmed QR code it logs the
// session in. Without a ticket it answers for a session that is already
// accepted (its cookies present): that is how the sandbox page, loaded
// logged in, learns its Skey and pass_ticket, as it would right after a login.
func (s *Server) serveNewLoginPage(c *call) {
	ticket := c.r.URL.Query().Get("ticket")
	s.mu.Lock()
	ok := ticket != "" && ticket == s.st.qr.ticket && s.st.qr.code == codeConfirmed
	if ok {
		s.st.loggedIn = true
		s.st.qr = qrCode{}
		s.notifyLocked()
	}
	ok = ok || (ticket == "" && s.st.loggedIn && s.cookiesMatch(c.r))
	s.mu.Unlock()
	if !ok {
		loginPageFail(c, 1100, "登录超时，请重新扫码登录")
		return
	}
	s.setCookies(c.w)
	c.w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(c.w, "<error><ret>0</ret><message></message><skey>"+s.sess.Skey+
		"</skey><wxsid>"+s.sess.Sid+"</wxsid><wxuin>"+itoa(s.sess.Uin)+
		"</wxuin><pass_ticket>"+s.sess.PassTicket+"</pass_ticket><isgrayscale>1</isgrayscale></error>")
}

// loginPageFail answers the login XML with a non-zero <ret>, which is
// how the real server refuses a login (1203: web WeChat not allowed).
func loginPageFail(c *call, ret int, msg string) {
	c.w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(c.w, "<error><ret>"+itoa(int64(ret))+"</ret><message>"+html.EscapeString(msg)+"</message></error>")
}

// serveLogout answers the app's log-out form (POST webwxlogout?redirect=1
// with sid and uin): the session stops being accepted and the cookies go.
func (s *Server) serveLogout(c *call) {
	form, _ := url.ParseQuery(string(c.body)) // a malformed form just does not match
	if form.Get("sid") == s.sess.Sid && form.Get("uin") == itoa(s.sess.Uin) {
		s.mu.Lock()
		s.st.loggedIn = false
		s.notifyLocked()
		s.mu.Unlock()
		s.clearCookies(c.w)
		s.setAssociationCookies(c.w)
	}
	if c.r.URL.Query().Get("redirect") == "1" {
		http.Redirect(c.w, c.r, "/", http.StatusFound)
		return
	}
	c.w.WriteHeader(http.StatusOK)
}

// jsString quotes s as a JavaScript string literal. The answers it goes in
// are scripts of their own (never inline in HTML), so <, > and & stay as
// the real server sends them.
func jsString(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // encoding a string cannot fail
	return strings.TrimSuffix(b.String(), "\n")
}
