package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"

	"github.com/wxctl/wxctl/scripts"
)

// The log-in of web WeChat happens in the page's login view, the scope of
// [ng-controller="loginController"]: the app gets a QR code, long-polls the
// login host and, once the phone confirms, calls webwxnewloginpage, which
// sets the session cookies, and webwxinit. wxctl watches that view and the
// page's own requests, and presses the view's buttons where a person would;
// it never makes a login request itself, so the real site sees the real
// app's requests.

// LoginStep is a stage of the log-in as the page shows it.
type LoginStep string

// The stages of a log-in, in the order they usually come.
const (
	// LoginQR: a QR code is shown (code 0, or 408 while the poll waits);
	// LoginProgress.LoginURL is what it encodes. Reported again for each new
	// code.
	LoginQR LoginStep = "qr"
	// LoginPushed: the page offered association login, wxctl pressed its
	// button, and WeChat asked the phone of the account last logged in to
	// confirm.
	LoginPushed LoginStep = "pushed"
	// LoginScanned: the phone scanned the code (201) and waits for the
	// person to confirm.
	LoginScanned LoginStep = "scanned"
	// LoginConfirmed: the phone confirmed (200); the page is logging in.
	LoginConfirmed LoginStep = "confirmed"
	// LoginExpired: the code expired (400 or 500, or the page stopped
	// renewing it); a new one follows by itself.
	LoginExpired LoginStep = "expired"
	// LoginCancelled: the person cancelled on the phone (202); a new code
	// follows.
	LoginCancelled LoginStep = "cancelled"
	// LoginDone: the app has its session and knows its user.
	LoginDone LoginStep = "loggedIn"
)

// LoginProgress is one change of the log-in.
type LoginProgress struct {
	Step LoginStep
	// Code is the login view's code: 0, 201, 408, 200, 400, 500 or 202
	// (-1 when the view has none, or the step was too short to be seen and
	// is reported because the next one implies it).
	Code int
	// LoginURL is what the QR code encodes,
	// https://login.weixin.qq.com/l/<uuid> on the real site; set for
	// LoginQR.
	LoginURL string
	// QRCodeURL is the page's own QR image (the view's qrcodeUrl).
	QRCodeURL string
	// NickName is the user's, with WeChat's emoji markup, for LoginDone.
	NickName string
}

// Account is the user a session belongs to, as the app knows it.
type Account struct {
	// NickName keeps WeChat's emoji markup; PlainName turns it into text.
	NickName string
	// UserName is the user's id in this session ("@…"); it changes at
	// every log-in.
	UserName string
	// Host is the web WeChat host of the session: wx.qq.com, wx2.qq.com,
	// wx8.qq.com or web.wechat.com (host:port for a sandbox).
	Host string
}

// LoginOption configures Login.
type LoginOption func(*loginConfig)

type loginConfig struct {
	progress func(LoginProgress)
	freshQR  bool
}

// WithProgress calls fn with every change of the log-in, on the goroutine
// that called Login: a new QR code, scanned, confirmed, expired, logged in.
func WithProgress(fn func(LoginProgress)) LoginOption {
	return func(c *loginConfig) { c.progress = fn }
}

// WithFreshQR makes Login switch the page from association login (the
// avatar and "Log in" button the page offers after a log-out) to a QR code
// (the view's qrcodeLogin), instead of pressing "Log in" and waiting for the
// phone of the account last logged in.
func WithFreshQR(fresh bool) LoginOption {
	return func(c *loginConfig) { c.freshQR = fresh }
}

// LoginBlockedError is WeChat's refusal of a log-in with 1203: the account
// may not use web WeChat. It is ErrLoginBlocked.
type LoginBlockedError struct {
	// Message is WeChat's own text, such as "当前登录环境异常。为了你的帐号安全，
	// 暂时不能登录web微信。…", when it gave one.
	Message string
}

func (e *LoginBlockedError) Error() string {
	msg := "WeChat refused the log-in with 1203: this account may not use web WeChat"
	if e.Message != "" {
		msg += fmt.Sprintf(" (%q)", e.Message)
	}
	return msg
}

// Is reports whether target is ErrLoginBlocked.
func (e *LoginBlockedError) Is(target error) bool { return target == ErrLoginBlocked }

// LoginRefusedError is WeChat refusing a log-in with a <ret> other than 0
// and 1203 in its answer to webwxnewloginpage. The page then alerts
// Message and reloads, showing a new QR code, but the log-in has failed:
// it is ErrRefused.
type LoginRefusedError struct {
	// Ret is the answer's <ret>; 0 when the answer could not be read and
	// the page's alert told of the refusal.
	Ret int
	// Message is WeChat's own text (the <message>, which the page
	// alerts), when it gave one.
	Message string
}

func (e *LoginRefusedError) Error() string {
	msg := "WeChat refused the log-in"
	if e.Ret != 0 {
		msg += fmt.Sprintf(": webwxnewloginpage answered <ret>%d</ret>", e.Ret)
	} else {
		msg += " (the page alerted it; its answer could not be read)"
	}
	if e.Message != "" {
		msg += fmt.Sprintf(" (%q)", e.Message)
	}
	return msg
}

// Is reports whether target is ErrRefused.
func (e *LoginRefusedError) Is(target error) bool { return target == ErrRefused }

// LoginTimeoutError says that the log-in did not finish before the deadline,
// and how far it got. It is ErrNotLoggedIn and context.DeadlineExceeded.
type LoginTimeoutError struct {
	Last LoginStep // the last stage reached; "" when no QR code ever showed
}

func (e *LoginTimeoutError) Error() string {
	switch e.Last {
	case "":
		return "no QR code came up before the deadline"
	case LoginScanned:
		return "the QR code was scanned but the log-in was not confirmed on the phone before the deadline"
	case LoginPushed:
		return "the log-in was not confirmed on the phone before the deadline"
	case LoginConfirmed:
		return "the log-in was confirmed but the app did not finish it before the deadline"
	}
	return "the QR code was not scanned before the deadline"
}

// Unwrap returns ErrNotLoggedIn and context.DeadlineExceeded.
func (e *LoginTimeoutError) Unwrap() []error {
	return []error{ErrNotLoggedIn, context.DeadlineExceeded}
}

// loginState is what scripts/login_state.js reports.
type loginState struct {
	Key   string `json:"key"`
	Ready bool   `json:"ready"`
	// LoggedIn is MMCgi.isLogin: the server's word when it served the
	// page. A log-in in the page leaves it false; User tells then.
	LoggedIn bool   `json:"loggedIn"`
	Host     string `json:"host"`
	User     *struct {
		UserName string `json:"UserName"`
		NickName string `json:"NickName"`
	} `json:"user"`
	View          bool   `json:"view"`
	Code          *int   `json:"code"`
	QRCodeURL     string `json:"qrcodeUrl"`
	UUID          string `json:"uuid"`
	Scanned       bool   `json:"scanned"`
	Association   bool   `json:"association"`
	Waiting       bool   `json:"waiting"`
	NeedRefresh   bool   `json:"needRefresh"`
	BrokenNetwork bool   `json:"brokenNetwork"`
	Blocked       bool   `json:"blocked"`
	Message       string `json:"message"`
}

func (s loginState) code() int {
	if s.Code == nil {
		return -1
	}
	return *s.Code
}

// account is the user the state shows, nil before webwxinit.
func (s loginState) account() *Account {
	if s.User == nil || s.User.UserName == "" {
		return nil
	}
	return &Account{NickName: s.User.NickName, UserName: s.User.UserName, Host: s.Host}
}

// loginWaitMax bounds one wait in the page for a change of the login view,
// so that a wait never outlives a document by much.
const loginWaitMax = 10 * time.Second

// readLoginState returns the page's log-in state as soon as its key differs
// from since, or after wait.
func readLoginState(ctx context.Context, p *Page, since string, wait time.Duration) (loginState, error) {
	if dl, ok := ctx.Deadline(); ok {
		// Leave the page's answer time to come back before ctx ends.
		wait = min(wait, time.Until(dl)-time.Second)
	}
	wait = max(0, min(wait, loginWaitMax))
	raw, err := p.Run(ctx, scripts.LoginState, since, wait.Milliseconds())
	if err != nil {
		return loginState{}, err
	}
	var st loginState
	if err := json.Unmarshal(raw, &st); err != nil {
		return loginState{}, fmt.Errorf("reading the log-in state: %w", err)
	}
	return st, nil
}

// Login logs the page in: it follows the login view until the app has a
// session and knows its user, and returns that user. It reports each change
// (WithProgress): the QR code to scan and its log-in URL, scanned,
// confirmed, expired (a new code follows without anyone doing anything).
// When the page offers association login it presses "Log in" and waits for
// the phone, or, WithFreshQR, switches to a QR code. A page that is logged
// in already returns its user at once.
//
// ctx bounds the whole wait: at its end Login returns a
// *LoginTimeoutError. WeChat refusing the account (1203, from the
// webwxnewloginpage answer, the page's text or its alert) gives a
// *LoginBlockedError.
func Login(ctx context.Context, p *Page, opts ...LoginOption) (*Account, error) {
	var cfg loginConfig
	for _, o := range opts {
		o(&cfg)
	}
	lctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	// The refusal can come from any document of the tab, also from before
	// Login was called (the page reloads at once, and the tab answers its
	// alert by itself); its answer is in the recorded calls.
	go func() {
		if err := waitRefusal(lctx, p); err != nil {
			stop(err)
		}
	}()

	l := &loginRun{p: p, cfg: cfg}
	acct, err := l.run(lctx)
	if err == nil {
		return acct, nil
	}
	if cause := context.Cause(lctx); lctx.Err() != nil && ctx.Err() == nil && cause != nil {
		return nil, cause
	}
	if ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, &LoginTimeoutError{Last: l.reached}
		}
		return nil, ctx.Err()
	}
	return nil, err
}

// loginRun is one Login.
type loginRun struct {
	p   *Page
	cfg loginConfig

	last    LoginProgress // the change reported last
	reached LoginStep     // the furthest stage, for the timeout message
	// round is the log-in URL of the QR code shown (or "pushed" for an
	// association log-in), seen the steps reported since it came.
	round string
	seen  map[LoginStep]bool
	// pressed remembers the buttons pressed, by button and the view they
	// belong to (a QR code, the association view), so that each is pressed
	// once.
	pressed map[string]bool
}

func (l *loginRun) run(ctx context.Context) (*Account, error) {
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	since := ""
	for {
		st, err := readLoginState(ctx, l.p, since, loginWaitMax)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if err := l.p.alive(ctx); err != nil {
				return nil, err
			}
			// The document went away under the call (the page reloads
			// for a new QR code, or moves to another host): look again in
			// the next one.
			since = ""
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-tick.C:
			}
			continue
		}
		since = st.Key
		acct, err := l.step(ctx, st)
		if acct != nil || err != nil {
			return acct, err
		}
	}
}

// step acts on one state of the page: it reports it, presses a button when
// one is due, and returns the account once the app has its user.
func (l *loginRun) step(ctx context.Context, st loginState) (*Account, error) {
	if st.Blocked {
		return nil, &LoginBlockedError{Message: st.Message}
	}
	if acct := st.account(); acct != nil {
		l.report(LoginProgress{Step: LoginDone, Code: st.code(), NickName: acct.NickName})
		return acct, nil
	}
	if !st.Ready || st.LoggedIn || !st.View {
		// Loading, or logging in (webwxnewloginpage, webwxinit): the
		// user comes with webwxinit's answer.
		return nil, nil
	}
	if st.BrokenNetwork {
		return nil, errors.New("the page lost its connection to WeChat's login server (the login view shows a network error): check the network and try again")
	}
	if st.NeedRefresh {
		// The page reloaded for new codes as often as it will (the real
		// one stops after 5) and shows a refresh mask: press it.
		l.report(LoginProgress{Step: LoginExpired, Code: st.code(), QRCodeURL: st.QRCodeURL})
		return nil, l.press(ctx, "refresh", st.QRCodeURL)
	}
	code := st.code()
	if st.Association && code != 200 && code != 201 {
		if l.cfg.freshQR {
			return nil, l.press(ctx, "qrcode", "association")
		}
		if st.Waiting {
			// Pushed once the page has the uuid to poll for the answer.
			if st.UUID != "" {
				l.report(LoginProgress{Step: LoginPushed, Code: code})
			}
			return nil, nil
		}
		return nil, l.press(ctx, "association", "association")
	}
	switch code {
	case 0, 408:
		if st.QRCodeURL == "" || st.Association {
			return nil, nil
		}
		loginURL, err := LoginURL(st.QRCodeURL)
		if err != nil {
			return nil, err
		}
		l.report(LoginProgress{Step: LoginQR, Code: code, LoginURL: loginURL, QRCodeURL: st.QRCodeURL})
	case 201:
		l.report(LoginProgress{Step: LoginScanned, Code: code, QRCodeURL: st.QRCodeURL})
	case 200:
		l.report(LoginProgress{Step: LoginConfirmed, Code: code, QRCodeURL: st.QRCodeURL})
	case 400, 500:
		l.report(LoginProgress{Step: LoginExpired, Code: code, QRCodeURL: st.QRCodeURL})
	case 202:
		l.report(LoginProgress{Step: LoginCancelled, Code: code, QRCodeURL: st.QRCodeURL})
	}
	return nil, nil
}

// press presses a button of the login view once per view (what names the
// view the button belongs to).
func (l *loginRun) press(ctx context.Context, button, what string) error {
	key := button + " " + what
	if l.pressed[key] {
		return nil
	}
	if l.pressed == nil {
		l.pressed = make(map[string]bool)
	}
	l.pressed[key] = true
	raw, err := l.p.Run(ctx, scripts.LoginPress, button)
	if err != nil {
		// A press that ran into a reload is repeated in the new view.
		delete(l.pressed, key)
		return nil
	}
	if string(raw) != "true" {
		return fmt.Errorf("the login view has no %q button (web WeChat may have changed)", button)
	}
	return nil
}

// report passes a change on to the progress func, each change once. The
// steps that the page went through too fast to be seen (a state that lasts
// one digest, such as 400 before the reload) are reported too, in order,
// because the protocol implies them: a QR code replaced by another expired
// (unless it was cancelled), and a log-in from a QR code was scanned before
// it was confirmed, and confirmed before it was done.
func (l *loginRun) report(pr LoginProgress) {
	implied := func(step LoginStep) {
		l.emit(LoginProgress{Step: step, Code: -1, QRCodeURL: pr.QRCodeURL})
	}
	switch pr.Step {
	case LoginQR:
		if l.round != "" && l.round != pr.LoginURL && !l.seen[LoginExpired] && !l.seen[LoginCancelled] {
			implied(LoginExpired)
		}
		if l.round != pr.LoginURL {
			l.round, l.seen = pr.LoginURL, make(map[LoginStep]bool)
		}
	case LoginPushed:
		if l.round != string(LoginPushed) {
			l.round, l.seen = string(LoginPushed), make(map[LoginStep]bool)
		}
	case LoginConfirmed, LoginDone:
		if l.round != "" && l.round != string(LoginPushed) && !l.seen[LoginScanned] {
			implied(LoginScanned)
		}
		if pr.Step == LoginDone && l.round != "" && !l.seen[LoginConfirmed] {
			implied(LoginConfirmed)
		}
	}
	l.emit(pr)
}

// emit passes one change on, unless it repeats the last.
func (l *loginRun) emit(pr LoginProgress) {
	if pr.Step == l.last.Step && pr.LoginURL == l.last.LoginURL && pr.QRCodeURL == l.last.QRCodeURL {
		return
	}
	l.last = pr
	if l.seen != nil {
		l.seen[pr.Step] = true
	}
	if pr.Step != LoginExpired && pr.Step != LoginCancelled {
		l.reached = pr.Step
	}
	if l.cfg.progress != nil {
		l.cfg.progress(pr)
	}
}

// LoginURL returns the URL a QR code image stands for: the login view's
// qrcodeUrl, https://login.weixin.qq.com/qrcode/<uuid>, encodes
// https://login.weixin.qq.com/l/<uuid>, which the phone opens.
func LoginURL(qrcodeURL string) (string, error) {
	u, err := url.Parse(qrcodeURL)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("the login view's QR code address %q is not a URL", qrcodeURL)
	}
	dir, uuid, ok := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
	if !ok || dir != "qrcode" || uuid == "" || strings.Contains(uuid, "/") {
		return "", fmt.Errorf("the login view's QR code address %q is not …/qrcode/<uuid> (web WeChat may have changed)", qrcodeURL)
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/l/" + uuid}).String(), nil
}

// blockedText reports whether a text says that the account may not use web
// WeChat. The wording changes over the years and between accounts: this is
// a fallback for when the <ret> of the answer cannot be read.
func blockedText(s string) bool {
	return strings.Contains(s, "不能登录网页版微信") || strings.Contains(s, "不能登录网页微信") || strings.Contains(s, "不能登录web微信") ||
		strings.Contains(s, "不允许登录网页微信") ||
		strings.Contains(strings.ToLower(s), "cannot log in to web wechat") || strings.Contains(s, "1203")
}

// loginRetRE finds the <ret> of the webwxnewloginpage answer.
var (
	loginRetRE     = regexp.MustCompile(`<ret>\s*(-?\d+)\s*</ret>`)
	loginMessageRE = regexp.MustCompile(`<message>([^<]*)</message>`)
)

// loginPageRet reads the <ret> and <message> of a webwxnewloginpage
// answer (XML text, recorded as a JSON string); ok is false when the body
// has no <ret>.
func loginPageRet(body json.RawMessage) (ret int, message string, ok bool) {
	var text string
	if json.Unmarshal(body, &text) != nil {
		text = string(body)
	}
	m := loginRetRE.FindStringSubmatch(text)
	if m == nil {
		return 0, "", false
	}
	ret, err := strconv.Atoi(m[1])
	if err != nil {
		return 0, "", false
	}
	if mm := loginMessageRE.FindStringSubmatch(text); mm != nil {
		message = strings.TrimSpace(mm[1])
	}
	return ret, message, true
}

// logInAnswer reports whether a call is the webwxnewloginpage of a log-in:
// the page asks it with the ticket of the confirmed QR code. (The sandbox's
// page also asks it without one when it resumes a session.)
func logInAnswer(c NetCall) bool {
	if c.Endpoint != "webwxnewloginpage" {
		return false
	}
	u, err := url.Parse(c.URL)
	return err == nil && u.Query().Get("ticket") != ""
}

// loginRefusal is the error a webwxnewloginpage answer stands for, nil for
// an accepted log-in or another call. The <ret> decides, never the wording:
// 1203 is a *LoginBlockedError; any other ret refusing a log-in is a
// *LoginRefusedError; on a page resuming its session, 1100, 1101 and 1102
// say that the session is gone (a *RetError, ErrNotLoggedIn).
func loginRefusal(c NetCall) error {
	if c.Endpoint != "webwxnewloginpage" || !c.Done {
		return nil
	}
	ret, msg, ok := loginPageRet(c.ResponseBody)
	switch {
	case !ok || ret == RetOK:
		return nil
	case ret == RetLoginBlocked:
		return &LoginBlockedError{Message: msg}
	case logInAnswer(c):
		return &LoginRefusedError{Ret: ret, Message: msg}
	}
	return &RetError{Op: "webwxnewloginpage", Ret: ret, ErrMsg: msg}
}

// unreadAnswer reports whether a log-in's answer came but could not be
// read (the tab could not hold it, and the page reloaded before it was
// asked for): then the page's alert is all there is to go on.
func unreadAnswer(c NetCall) bool {
	if !c.Done || !logInAnswer(c) {
		return false
	}
	_, _, ok := loginPageRet(c.ResponseBody)
	return !ok && c.Status != 0
}

// refusalMark returns the Seq of the last refused log-in that a Login of
// this tab reported; later looks start after it, so that a Login after a
// refused one waits for its own answer.
func (p *Page) refusalMark() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refusalSeen
}

// markRefusal records that the refused log-in of call seq was reported.
func (p *Page) markRefusal(seq int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refusalSeen = max(p.refusalSeen, seq)
}

// waitRefusal waits until WeChat refuses the log-in, and returns why: any
// <ret> other than 0 in the answer to the log-in's webwxnewloginpage (or
// 1203 to any), read from the recorded calls. When the answer could not be
// read, the alert the page shows right after it is the refusal, whatever
// its text; an alert whose text says the account is blocked is one too.
func waitRefusal(ctx context.Context, p *Page) error {
	mark := p.refusalMark()
	found := make(chan error, 2)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		c, err := p.WaitCall(wctx, func(c NetCall) bool {
			return c.Seq > mark && (logInAnswer(c) && (loginRefusal(c) != nil || unreadAnswer(c)) ||
				errors.Is(loginRefusal(c), ErrLoginBlocked))
		})
		if err != nil {
			found <- nil
			return
		}
		p.markRefusal(c.Seq)
		if refused := loginRefusal(c); refused != nil {
			found <- refused
			return
		}
		// Unread: the page alerts the refusal after the answer.
		d, err := p.waitDialog(wctx, 0, func(d Dialog) bool {
			return d.Type == page.DialogTypeAlert && !d.Time.Before(c.Started)
		})
		if err != nil {
			found <- nil
			return
		}
		found <- dialogRefusal(d)
	}()
	go func() {
		d, err := p.waitDialog(wctx, len(p.Dialogs()), func(d Dialog) bool {
			return d.Type == page.DialogTypeAlert && blockedText(d.Message)
		})
		if err != nil {
			found <- nil
			return
		}
		found <- dialogRefusal(d)
	}()
	for range 2 {
		if err := <-found; err != nil {
			return err
		}
	}
	return nil
}

// dialogRefusal is the refusal an alert of the page stands for, when the
// answer it follows could not be read: its text says whether the account
// is blocked.
func dialogRefusal(d Dialog) error {
	if blockedText(d.Message) {
		return &LoginBlockedError{Message: d.Message}
	}
	return &LoginRefusedError{Message: d.Message}
}

// sessionWait bounds how long CheckSession waits for the app to show
// whether WeChat accepts its session.
const sessionWait = 30 * time.Second

// CheckSession tells whether the page, opened already, has a session that
// WeChat accepts, and whose. What the app updates decides, not
// MMCgi.isLogin alone: that is the server's word when it rendered the page,
// and after a log-in in the page it stays false.
//
// A page whose app knows its user (set from webwxinit's answer in this
// document) has a session, unless a call since showed that it ended. A page
// with neither the server's word nor a log-in under way (a log-in's
// webwxnewloginpage answered 0) gives ErrNotLoggedIn at once, or the
// refusal of a log-in. Otherwise CheckSession waits until the app's own
// requests settle it: webwxinit answering Ret 0 (the user is in the
// answer), or Ret 1100, 1101 or 1102, or synccheck's retcode, or the app
// logging itself out (ErrNotLoggedIn), or webwxnewloginpage refusing
// (*LoginBlockedError for 1203, *LoginRefusedError for another ret).
func CheckSession(ctx context.Context, p *Page) (*Account, error) {
	st, err := readLoginState(ctx, p, "", 0)
	if err != nil {
		return nil, fmt.Errorf("reading the session state: %w", err)
	}
	if acct := st.account(); acct != nil {
		if err := endedSinceInit(p); err != nil {
			return nil, err
		}
		return acct, nil
	}
	wctx, cancel := context.WithTimeout(ctx, sessionWait)
	defer cancel()
	from := 0 // the calls that settle the session come after Seq from
	if !st.LoggedIn {
		// The page may have dropped its session because a request was
		// refused; the answer says why (1203 is not "log in again").
		if err := settledRefusal(wctx, p); err != nil {
			return nil, err
		}
		if st.Blocked {
			return nil, &LoginBlockedError{Message: st.Message}
		}
		seq, ok := loggingIn(p)
		if !ok {
			return nil, ErrNotLoggedIn
		}
		from = seq
	}
	var acct *Account
	var verdict error
	_, err = p.WaitCall(wctx, func(c NetCall) bool {
		if c.Seq <= from {
			return false
		}
		if refused := loginRefusal(c); refused != nil {
			verdict = refused
			return true
		}
		if lost := sessionLost(c); lost != nil {
			verdict = lost
			return true
		}
		if c.Endpoint == "webwxinit" && c.ResponseBody != nil {
			acct, verdict = initAccount(c)
			return true
		}
		// A webwxinit whose answer the page left too soon to be read
		// (its app logged out, and the document went) says nothing: the
		// log-out request that follows does.
		return false
	})
	if err == nil {
		return acct, verdict
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("checking the session: %w", ctx.Err())
	}
	// No webwxinit answer seen: trust the app if it knows its user.
	if st, err := readLoginState(ctx, p, "", 0); err == nil && st.account() != nil {
		return st.account(), nil
	}
	return nil, &classError{class: ErrAppNotReady, msg: fmt.Sprintf(
		"web WeChat did not start its session: no webwxinit answer within %v", sessionWait)}
}

// HasSession reports whether the page shows a session, without waiting for
// the app to settle it (CheckSession does that): the server rendered the
// page logged in (MMCgi.isLogin), or the app knows its user, or a log-in
// in the page was accepted and the app is starting its session.
func HasSession(ctx context.Context, p *Page) (bool, error) {
	st, err := readLoginState(ctx, p, "", 0)
	if err != nil {
		return false, fmt.Errorf("reading the session state: %w", err)
	}
	if st.LoggedIn || st.account() != nil {
		return true, nil
	}
	_, ok := loggingIn(p)
	return ok, nil
}

// loggingIn returns the Seq of the tab's last log-in answer when it
// accepted the log-in (webwxnewloginpage with a ticket, <ret>0</ret>) and
// no webwxinit answered after it yet: the app is starting the session the
// log-in gave it, in the same document, which the server rendered logged
// out.
func loggingIn(p *Page) (int, bool) {
	seq, ok := 0, false
	for _, c := range p.Calls() {
		switch {
		case logInAnswer(c) && c.Done:
			ret, _, parsed := loginPageRet(c.ResponseBody)
			seq, ok = c.Seq, parsed && ret == RetOK
		case c.Endpoint == "webwxinit" && c.Done && ok:
			ok = false
		}
	}
	return seq, ok
}

// endedSinceInit returns the error of a call that showed the session's end
// after the app's last webwxinit answered Ret 0, nil when none did.
func endedSinceInit(p *Page) error {
	calls := p.Calls()
	from := -1
	for i, c := range calls {
		if c.Endpoint == "webwxinit" && c.Done && CheckAnswer("webwxinit", c) == nil {
			from = i
		}
	}
	if from < 0 {
		return nil // let go by the recorder, or not seen: the app's user says enough
	}
	for _, c := range calls[from+1:] {
		if err := sessionLost(c); err != nil {
			return err
		}
	}
	return nil
}

// settledRefusal returns the refusal of a webwxnewloginpage call of the tab,
// waiting for the answer of one still in flight.
func settledRefusal(ctx context.Context, p *Page) error {
	mark := p.refusalMark()
	for _, c := range p.Calls() {
		if c.Endpoint != "webwxnewloginpage" || c.Seq <= mark {
			continue
		}
		if !c.Done {
			seq := c.Seq
			done, err := p.WaitCall(ctx, func(d NetCall) bool { return d.Seq == seq })
			if err != nil {
				continue
			}
			c = done
		}
		if err := loginRefusal(c); err != nil {
			return err
		}
	}
	return nil
}

// initAccount reads the user from a webwxinit answer, or the error its Ret
// stands for.
func initAccount(c NetCall) (*Account, error) {
	if err := CheckAnswer("webwxinit", c); err != nil {
		return nil, err
	}
	var ans struct {
		User struct {
			UserName string `json:"UserName"`
			NickName string `json:"NickName"`
		} `json:"User"`
	}
	if err := json.Unmarshal(c.ResponseBody, &ans); err != nil || ans.User.UserName == "" {
		return nil, &HTTPError{Op: "webwxinit", Text: "the answer has no User"}
	}
	host := ""
	if u, err := url.Parse(c.URL); err == nil {
		host = u.Host
	}
	return &Account{NickName: ans.User.NickName, UserName: ans.User.UserName, Host: host}, nil
}

// syncCheckRE reads the retcode of a synccheck answer,
// window.synccheck={retcode:"1101",selector:"0"}.
var syncCheckRE = regexp.MustCompile(`retcode\s*:\s*"?(-?\d+)`)

// sessionEndpoints are the app's own session traffic: a Ret of 1100, 1101
// or 1102 there makes the app log itself out. (A command's own request
// answering so is that command's error to report.)
var sessionEndpoints = map[string]bool{
	"webwxinit": true, "webwxsync": true, "webwxstatusnotify": true, "webwxgetcontact": true,
}

// sessionLost returns the error a call stands for when it shows that the
// session ended, else nil.
func sessionLost(c NetCall) error {
	if !c.Done && c.Endpoint != "webwxlogout" {
		return nil
	}
	gone := func(ret int) bool {
		return ret == RetSessionGone || ret == RetSessionExpired || ret == RetLoggedElsewhere
	}
	switch {
	case c.Endpoint == "webwxlogout":
		return &classError{class: ErrNotLoggedIn, msg: "the app logged itself out (webwxlogout): the session ended"}
	case c.Endpoint == "synccheck":
		var text string
		if json.Unmarshal(c.ResponseBody, &text) != nil {
			return nil
		}
		if m := syncCheckRE.FindStringSubmatch(text); m != nil {
			if ret, err := strconv.Atoi(m[1]); err == nil && gone(ret) {
				return &RetError{Op: "synccheck", Ret: ret}
			}
		}
	case c.Endpoint == "webwxnewloginpage":
		if ret, msg, ok := loginPageRet(c.ResponseBody); ok && gone(ret) {
			return &RetError{Op: "webwxnewloginpage", Ret: ret, ErrMsg: msg}
		}
	case sessionEndpoints[c.Endpoint]:
		var br baseResponse
		if json.Unmarshal(c.ResponseBody, &br) == nil && br.BaseResponse != nil && gone(br.BaseResponse.Ret) {
			return &RetError{Op: c.Endpoint, Ret: br.BaseResponse.Ret, ErrMsg: br.BaseResponse.ErrMsg}
		}
	}
	return nil
}

// WatchSession calls ended once, on a goroutine of its own, when the page
// shows that its session ended after WatchSession was called: WeChat
// answering 1100, 1101 or 1102 to the app's session traffic (webwxinit,
// webwxsync, webwxstatusnotify, webwxgetcontact, synccheck's retcode,
// webwxnewloginpage), or the app logging itself out (webwxlogout). The error
// is ErrNotLoggedIn. Watching stops when ctx ends.
func WatchSession(ctx context.Context, p *Page, ended func(error)) {
	// Calls settled before the watch are the past; a synccheck already in
	// flight is not, its answer may be the news.
	settled := make(map[int]bool)
	for _, c := range p.Calls() {
		if c.Done {
			settled[c.Seq] = true
		}
	}
	go func() {
		c, err := p.WaitCall(ctx, func(c NetCall) bool {
			return !settled[c.Seq] && sessionLost(c) != nil
		})
		if err == nil {
			ended(sessionLost(c))
		}
	}()
}

// Logout logs the page out through the app, as its own menu does:
// loginFactory.loginout(0), which posts webwxlogout (the server drops the
// session and its cookies) and reloads the page logged out. It waits for
// that logged-out page. A page without a session is left as it is.
func Logout(ctx context.Context, p *Page) error {
	st, err := readLoginState(ctx, p, "", 0)
	if err != nil {
		return fmt.Errorf("logging out: %w", err)
	}
	if !st.LoggedIn && st.account() == nil {
		return nil
	}
	mark := p.LastSeq()
	if _, err := p.Call(ctx, "loginFactory", "loginout", 0); err != nil {
		// loginout navigates, which may tear the call down after it ran;
		// the webwxlogout request below tells. A missing service does not.
		if errors.Is(err, ErrServiceMissing) || ctx.Err() != nil || p.alive(ctx) != nil {
			return fmt.Errorf("logging out: %w", err)
		}
	}
	if _, err := p.WaitCall(ctx, func(c NetCall) bool { return c.Seq > mark && c.Endpoint == "webwxlogout" }); err != nil {
		return fmt.Errorf("logging out: the app did not post webwxlogout: %w", err)
	}
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	since := ""
	for {
		st, err := readLoginState(ctx, p, since, loginWaitMax)
		switch {
		case err == nil && st.Ready && !st.LoggedIn && st.account() == nil:
			return nil
		case err == nil:
			since = st.Key
			continue
		case ctx.Err() != nil:
			return fmt.Errorf("logging out: the page did not come back logged out: %w", ctx.Err())
		case p.alive(ctx) != nil:
			return fmt.Errorf("logging out: %w", p.alive(ctx))
		}
		since = ""
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
}

// wechatHosts are the hosts of web WeChat. An account is served by one of
// them, and its session cookies belong to it.
var wechatHosts = []string{"wx.qq.com", "wx2.qq.com", "wx8.qq.com", "web.wechat.com"}

// sessionCookies are the cookies that carry a session; a log-out removes
// them. (webwxuvid, mm_lang, last_wxuin and login_frequency stay: the app
// keeps them across log-ins.)
var sessionCookies = map[string]bool{
	"wxuin": true, "wxsid": true, "webwx_data_ticket": true, "webwx_auth_ticket": true,
}

// cookiesOf returns the browser's cookies for the web WeChat hosts and the
// extra URLs.
func cookiesOf(ctx context.Context, p *Page, extra ...string) ([]*network.Cookie, error) {
	urls := make([]string, 0, len(wechatHosts)+len(extra))
	for _, h := range wechatHosts {
		urls = append(urls, "https://"+h+"/")
	}
	urls = append(urls, extra...)
	opctx, stop := p.opContext(ctx)
	defer stop()
	res, err := cdp.Call(opctx, p.target, network.GetCookies, network.GetCookiesParams{URLs: urls})
	if err != nil {
		return nil, fmt.Errorf("reading the browser's cookies: %w", p.fail(ctx, err))
	}
	return res.Cookies, nil
}

// SessionHost returns the web WeChat host that the browser's session
// cookies (wxsid) belong to, such as "wx2.qq.com": the host to open for the
// session to apply. It returns "" when the browser holds no session of a
// web WeChat host. With several, the one that lasts longest wins.
func SessionHost(ctx context.Context, p *Page) (string, error) {
	cookies, err := cookiesOf(ctx, p)
	if err != nil {
		return "", err
	}
	best, expires := "", 0.0
	for _, c := range cookies {
		if c.Name != "wxsid" || c.Value == "" {
			continue
		}
		if h := hostOfDomain(c.Domain); h != "" && (best == "" || c.Expires > expires) {
			best, expires = h, c.Expires
		}
	}
	return best, nil
}

// hostOfDomain maps a cookie's domain to the web WeChat host it serves; a
// cookie of the parent domain (.qq.com) means the main host.
func hostOfDomain(domain string) string {
	d := strings.ToLower(strings.TrimPrefix(domain, "."))
	for _, h := range wechatHosts {
		if d == h {
			return h
		}
	}
	switch d {
	case "qq.com":
		return "wx.qq.com"
	case "wechat.com":
		return "web.wechat.com"
	}
	return ""
}

// ForgetSession deletes the session cookies (wxuin, wxsid,
// webwx_data_ticket, webwx_auth_ticket) of every web WeChat host, and of the
// URLs in extra (a sandbox's), from the browser, so that its profile keeps
// no session. It returns how many it deleted.
func ForgetSession(ctx context.Context, p *Page, extra ...string) (int, error) {
	cookies, err := cookiesOf(ctx, p, extra...)
	if err != nil {
		return 0, err
	}
	opctx, stop := p.opContext(ctx)
	defer stop()
	n := 0
	for _, c := range cookies {
		if !sessionCookies[c.Name] {
			continue
		}
		_, err := cdp.Call(opctx, p.target, network.DeleteCookies, network.DeleteCookiesParams{
			Name: c.Name, Domain: c.Domain, Path: c.Path,
		})
		if err != nil {
			return n, fmt.Errorf("deleting the session cookie %s: %w", c.Name, p.fail(ctx, err))
		}
		n++
	}
	return n, nil
}

// ProfileDir returns the profile directory of a launched browser, "" for an
// attached one (its profile is not wxctl's to manage). A temporary profile
// counts: it is a directory while the browser runs.
func (b *Browser) ProfileDir() string {
	if b.endpoint != "" {
		return ""
	}
	return b.profile
}
