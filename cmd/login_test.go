package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/wxctl/wxctl/browser"
	sess "github.com/wxctl/wxctl/cmd/internal/session"
	"github.com/wxctl/wxctl/sandbox"
)

// decodeQR reads the QR code in a picture.
func decodeQR(img image.Image) (string, error) {
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(gozxing.NewLuminanceSourceFromImage(img)))
	if err != nil {
		return "", err
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
	if err != nil {
		return "", err
	}
	return res.GetText(), nil
}

// decodePNG reads the QR code of a PNG file.
func decodePNG(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	return decodeQR(img)
}

var sgrRE = regexp.MustCompile(`^\x1b\[([0-9;]*)m`)

// terminalQRs turns the QR codes drawn in a terminal text back into
// pictures, the way a terminal shows them: each "▀" cell is two modules,
// the upper in its foreground colour, the lower in its background colour.
// It also returns the widest line, in columns.
func terminalQRs(t *testing.T, text string) ([]image.Image, int) {
	t.Helper()
	var out []image.Image
	var rows [][]bool // the modules of the code being read
	widest := 0
	flush := func() {
		if len(rows) == 0 {
			return
		}
		const scale = 4
		img := image.NewGray(image.Rect(0, 0, len(rows[0])*scale, len(rows)*scale))
		for y, row := range rows {
			for x, dark := range row {
				c := color.Gray{Y: 255}
				if dark {
					c = color.Gray{Y: 0}
				}
				for dy := range scale {
					for dx := range scale {
						img.SetGray(x*scale+dx, y*scale+dy, c)
					}
				}
			}
		}
		out = append(out, img)
		rows = nil
	}
	for line := range strings.SplitSeq(text, "\n") {
		if !strings.Contains(line, "\x1b") && strings.ContainsAny(line, "█▀▄") {
			// Plain blocks: a light module is drawn.
			var top, bottom []bool
			for _, r := range line {
				switch r {
				case '█', '▀', '▄', ' ':
					top, bottom = append(top, r == '▄' || r == ' '), append(bottom, r == '▀' || r == ' ')
				default:
					t.Fatalf("unexpected %q in a plain QR line %q", r, line)
				}
			}
			widest = max(widest, len(top))
			rows = append(rows, top, bottom)
			continue
		}
		if !strings.Contains(line, "▀") {
			flush()
			continue
		}
		var top, bottom []bool
		fg, bg := "", ""
		for s := line; s != ""; {
			if m := sgrRE.FindStringSubmatch(s); m != nil {
				for p := range strings.SplitSeq(m[1], ";") {
					switch p {
					case "30", "97":
						fg = p
					case "40", "107":
						bg = p
					case "0", "":
						fg, bg = "", ""
					}
				}
				s = s[len(m[0]):]
				continue
			}
			r, n := utf8.DecodeRuneInString(s)
			s = s[n:]
			if r != '▀' {
				t.Fatalf("unexpected %q in a QR line", r)
			}
			if fg == "" || bg == "" {
				t.Fatalf("a QR cell without both colours set: %q", line)
			}
			top, bottom = append(top, fg == "30"), append(bottom, bg == "40")
		}
		widest = max(widest, len(top))
		rows = append(rows, top, bottom)
	}
	flush()
	return out, widest
}

// loginURLs returns the log-in URLs the output printed, in order.
func loginURLs(out string) []string {
	var urls []string
	for _, m := range regexp.MustCompile(`(?m)^log-in URL: (\S+)$`).FindAllStringSubmatch(out, -1) {
		urls = append(urls, m[1])
	}
	return urls
}

// noSecrets fails the test when any output holds a secret of the sandbox's
// session or one of extra.
func noSecrets(t *testing.T, srv *sandbox.Server, outputs []string, extra ...string) {
	t.Helper()
	sess := srv.Session()
	secrets := append([]string{sess.Skey, sess.Sid, sess.PassTicket, sess.DataTicket, strconv.FormatInt(sess.Uin, 10)}, extra...)
	for _, out := range outputs {
		for _, s := range secrets {
			if s != "" && strings.Contains(out, s) {
				t.Errorf("a secret (%.4s…) is in the output", s)
			}
		}
	}
}

// waitUntil polls cond (a test's view of the world, not the product's wait)
// until it holds or 15 s pass.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for deadline := time.Now().Add(15 * time.Second); !cond(); <-tick.C {
		if time.Now().After(deadline) {
			t.Errorf("gave up waiting for %s", what)
			return
		}
	}
}

// showsQR reports whether the PNG file shows the QR code of uuid, which
// means that wxctl has seen that code.
func showsQR(png, uuid string) func() bool {
	return func() bool {
		got, err := decodePNG(png)
		return err == nil && got == sandbox.LoginURL(uuid)
	}
}

// TestLoginFlow: QR code shown, expired and renewed, scanned, confirmed,
// logged in; the terminal drawing and the PNG both decode to the log-in URL.
func TestLoginFlow(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t, sandbox.WithLoggedIn(false))
	pngPath := filepath.Join(t.TempDir(), "qr.png")
	capture := filepath.Join(t.TempDir(), "calls.json")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	phone := make(chan []string, 1)
	go func() {
		// The phone acts once wxctl shows each code (its PNG tells).
		var uuids []string
		defer func() { phone <- uuids }()
		first, err := srv.WaitQR(ctx, "")
		if err != nil {
			return
		}
		uuids = append(uuids, first)
		waitUntil(t, "the first QR code in the PNG", showsQR(pngPath, first))
		srv.Phone(sandbox.PhoneExpire)
		second, err := srv.WaitQR(ctx, first)
		if err != nil {
			return
		}
		uuids = append(uuids, second)
		waitUntil(t, "the second QR code in the PNG", showsQR(pngPath, second))
		polls := len(srv.Requests("login"))
		srv.Phone(sandbox.PhoneScan)
		// Confirm once the page polls again, after it heard of the scan.
		waitUntil(t, "the poll after the scan", func() bool { return len(srv.Requests("login")) > polls })
		srv.Phone(sandbox.PhoneConfirm)
	}()
	start := time.Now()
	code, stdout, stderr := runCLI(t, append([]string{"login", "--qr-png", pngPath, "--login-timeout", "40s", "--capture", capture}, onSandbox(url)...)...)
	t.Logf("login with an expired code took %v", time.Since(start).Round(time.Millisecond))
	uuids := <-phone
	if code != ExitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q\n%s", code, stderr, stdout)
	}
	nick := browser.PlainName(sandbox.SelfNickName)
	for _, want := range []string{"scan with WeChat", "the QR code expired", "new QR code, scan with WeChat",
		"scanned, confirm on your phone", "logged in as " + nick} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if len(uuids) != 2 {
		t.Fatalf("the sandbox showed QR codes %v", uuids)
	}
	want := []string{sandbox.LoginURL(uuids[0]), sandbox.LoginURL(uuids[1])}
	if got := loginURLs(stdout); !slices.Equal(got, want) {
		t.Errorf("printed log-in URLs %v, want %v", got, want)
	}
	if strings.Contains(stdout, "\x1b") {
		t.Error("escape sequences written to a pipe (stdout is no terminal)")
	}
	codes, widest := terminalQRs(t, stdout)
	if len(codes) != 2 {
		t.Fatalf("%d QR codes drawn, want 2", len(codes))
	}
	if widest > 80 {
		t.Errorf("the QR code is %d columns wide, more than 80", widest)
	}
	for i, img := range codes {
		if got, err := decodeQR(img); err != nil || got != want[i] {
			t.Errorf("terminal QR code %d decodes to %q (%v), want %q", i, got, err, want[i])
		}
	}
	if got, err := decodePNG(pngPath); err != nil || got != want[1] {
		t.Errorf("--qr-png decodes to %q (%v), want %q", got, err, want[1])
	}
	// The capture holds the log-in's own answers (the XML with the Skey),
	// masked.
	calls, err := os.ReadFile(capture)
	if err != nil || !strings.Contains(string(calls), "webwxnewloginpage") {
		t.Errorf("capture without the log-in (%v)", err)
	}
	noSecrets(t, srv, []string{stdout, stderr, string(calls)})
}

// TestLoginInline: a command with --login logs in first, talking on stderr,
// and keeps stdout for its own output.
func TestLoginInline(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t, sandbox.WithLoggedIn(false))
	srv.AutoLogin(300 * time.Millisecond)
	code, stdout, stderr := runCLI(t, append([]string{"room", "create", "--login", "--json",
		"--member", "Rain1ove", "--member", "Bob"}, onSandbox(url)...)...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var out roomJSON
	if err := json.Unmarshal([]byte(stdout), &out); err != nil || !out.Created {
		t.Errorf("stdout is not the room's JSON (%v): %s", err, stdout)
	}
	if !strings.Contains(stderr, "scan with WeChat") || !strings.Contains(stderr, "logged in as") {
		t.Errorf("stderr: %s", stderr)
	}
	noSecrets(t, srv, []string{stdout, stderr})
}

// TestLoginInlineFreshProfile: room create, contacts and send with --login
// on a fresh profile log in within the page they opened and go on in it.
// The page's own MMCgi.isLogin stays false after such a log-in, as on the
// real site: what the app updates (its user, from webwxinit) decides.
func TestLoginInlineFreshProfile(t *testing.T) {
	needBrowser(t)
	for _, tt := range []struct {
		name string
		args []string
		want string // on stdout
	}{
		{"room create", []string{"room", "create", "--login", "--member", "Rain1ove", "--member", "Bob"}, "Rain1ove"},
		{"contacts", []string{"contacts", "--login"}, "Rain1ove"},
		{"send", []string{"send", "--login"}, "Sent to"},
	} {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			srv, url := startSandbox(t, sandbox.WithLoggedIn(false))
			srv.AutoLogin(300 * time.Millisecond)
			start := time.Now()
			args := append(tt.args, "--url", url, "--profile", t.TempDir(), "--timeout", "30s")
			if tt.name == "send" {
				args = append(args, "Rain1ove", "hello from a new log-in") // flags go first
			}
			code, stdout, stderr := runCLI(t, args...)
			t.Logf("%s --login on a fresh profile: exit %d in %v", tt.name, code, time.Since(start).Round(time.Millisecond))
			if code != ExitOK || !strings.Contains(stderr, "logged in as") || !strings.Contains(stdout, tt.want) {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
			}
			// One page: the log-in, and the command after it, without
			// opening the app again.
			if n := len(srv.Requests("jslogin")); n != 1 {
				t.Errorf("%d QR codes asked for, want 1", n)
			}
			if n := len(srv.Requests("webwxinit")); n != 1 {
				t.Errorf("%d webwxinit requests, want 1: the page was opened again", n)
			}
			noSecrets(t, srv, []string{stdout, stderr})
		})
	}
}

// TestLoginBlocked: WeChat refusing the log-in with 1203 ends it at once
// (exit 4) with the explanation and the --uos hint, although the page
// alerts a text of its own and reloads in the same instant.
func TestLoginBlocked(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t, sandbox.WithLoggedIn(false))
	srv.BlockLogin()
	srv.AutoLogin(200 * time.Millisecond)
	code, _, stderr := runCLI(t, append([]string{"login", "--login-timeout", "40s"}, onSandbox(url)...)...)
	done := time.Now()
	if code != ExitLoginBlocked || !strings.Contains(stderr, "1203") || !strings.Contains(stderr, "--uos") ||
		!strings.Contains(stderr, "does not let this account use web WeChat") || !strings.Contains(stderr, "已不允许登录网页微信") {
		t.Errorf("login of a blocked account: exit %d, stderr %q", code, stderr)
	}
	reqs := srv.Requests("webwxnewloginpage")
	if len(reqs) == 0 {
		t.Fatal("no webwxnewloginpage request")
	}
	if d := done.Sub(reqs[0].Time); d > 5*time.Second {
		t.Errorf("exit %v after the refusal, want within 5s", d.Round(time.Millisecond))
	} else {
		t.Logf("exit %v after the refusal", d.Round(time.Millisecond))
	}
	// A session command on a page whose session WeChat refuses the same way.
	blocked, url := startSandbox(t)
	blocked.BlockLogin()
	code, _, stderr = runCLI(t, append([]string{"room", "create", "--member", "Rain1ove", "--member", "Bob"}, onSandbox(url)...)...)
	if code != ExitLoginBlocked || strings.Count(stderr, "\n") != 1 {
		t.Errorf("room create on a blocked account: exit %d, stderr %q", code, stderr)
	}
}

// TestLoginRefused: a refusal of the log-in with another <ret> ends it at
// once too, with exit 6, the ret and WeChat's message.
func TestLoginRefused(t *testing.T) {
	needBrowser(t)
	for _, tt := range []struct {
		ret      int
		message  string
		want     []string
		commands []string
	}{
		{-1, "系统繁忙", []string{"<ret>-1</ret>", "系统繁忙"}, []string{"login"}},
		{1100, "", []string{"<ret>1100</ret>"}, []string{"contacts", "--login"}},
	} {
		srv, url := startSandbox(t, sandbox.WithLoggedIn(false))
		srv.RefuseLogin(tt.ret, tt.message)
		srv.AutoLogin(200 * time.Millisecond)
		code, stdout, stderr := runCLI(t, append(tt.commands, append([]string{"--login-timeout", "40s"}, onSandbox(url)...)...)...)
		done := time.Now()
		lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
		last := lines[len(lines)-1]
		if code != ExitRefused || !strings.HasPrefix(last, "wxctl: ") {
			t.Errorf("%v refused with %d: exit %d, stdout %q, stderr %q", tt.commands, tt.ret, code, stdout, stderr)
		}
		for _, w := range append(tt.want, "refused the log-in") {
			if !strings.Contains(last, w) {
				t.Errorf("%v refused with %d: the error lacks %q: %q", tt.commands, tt.ret, w, last)
			}
		}
		if reqs := srv.Requests("webwxnewloginpage"); len(reqs) == 0 || done.Sub(reqs[0].Time) > 5*time.Second {
			t.Errorf("%v refused with %d: did not end within 5s of the answer", tt.commands, tt.ret)
		}
	}
}

// TestSessionExpiresMidCommand: the session ends while room create loads
// the contacts; the command stops with exit 3 and says to log in.
func TestSessionExpiresMidCommand(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	// Hold the contact list, and end the session while it is held.
	srv.SetFault(sandbox.Fault{Endpoint: "webwxgetcontact", Delay: time.Second, Once: true})
	go func() {
		waitUntil(t, "the contact list request", func() bool { return len(srv.Requests("webwxgetcontact")) > 0 })
		srv.ExpireSession()
	}()
	start := time.Now()
	code, _, stderr := runCLI(t, append([]string{"room", "create", "--member", "Rain1ove", "--member", "Bob"}, onSandbox(url)...)...)
	if code != ExitNotLoggedIn || !strings.Contains(stderr, "session ended") || !strings.Contains(stderr, "wxctl login") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("took %v to notice: the command should stop when the session ends", d)
	}
	if n := len(srv.Requests("webwxcreatechatroom")); n != 0 {
		t.Errorf("%d create requests after the session ended", n)
	}
}

func TestStatusNotLoggedIn(t *testing.T) {
	needBrowser(t)
	_, url := startSandbox(t, sandbox.WithLoggedIn(false))
	code, stdout, stderr := runCLI(t, append([]string{"status", "--json"}, onSandbox(url)...)...)
	var out accountJSON
	if err := json.Unmarshal([]byte(stdout), &out); err != nil || out.LoggedIn || out.Error == "" {
		t.Errorf("stdout %s (%v)", stdout, err)
	}
	if code != ExitNotLoggedIn || !strings.Contains(stderr, "wxctl login") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// TestUOS: --uos sends client-version and extspam on webwxnewloginpage and
// on no other request, opens the entry URL with target=t, and never shows
// the token.
func TestUOS(t *testing.T) {
	needBrowser(t)
	code, _, stderr := runCLI(t, "login", "--uos", "--url", "http://127.0.0.1:1/")
	if code != ExitUsage || !strings.Contains(stderr, "extspam token") {
		t.Errorf("--uos without a token: exit %d, stderr %q", code, stderr)
	}

	const token = "uos-SECRET-token-8f3a"
	srv, url := startSandbox(t, sandbox.WithLoggedIn(false))
	srv.AutoLogin(200 * time.Millisecond)
	t.Setenv("WXCTL_EXTSPAM_TOKEN", token)
	capture := filepath.Join(t.TempDir(), "calls.json")
	code, stdout, stderr := runCLI(t, append([]string{"login", "--uos", "--capture", capture}, onSandbox(url)...)...)
	if code != ExitOK {
		t.Fatalf("login --uos: exit %d, stderr %q", code, stderr)
	}
	calls, err := os.ReadFile(capture)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("WXCTL_EXTSPAM_TOKEN", "")
	// The same page without --uos, for the headers a browser sends anyway.
	code, stdout2, stderr2 := runCLI(t, append([]string{"status"}, onSandbox(url)...)...)
	if code != ExitOK {
		t.Fatalf("status: exit %d, stderr %q", code, stderr2)
	}
	noSecrets(t, srv, []string{stdout, stderr, stdout2, stderr2, string(calls)}, token)

	var uos, plain []sandbox.Request
	for _, r := range srv.Requests("") {
		cv, ex := r.Header.Get("client-version"), r.Header.Get("extspam")
		switch {
		case cv == browser.UOSClientVersion && ex == token && r.Endpoint == "webwxnewloginpage":
			uos = append(uos, r)
		case cv != "" || ex != "":
			t.Errorf("%s carries client-version %q, extspam %q", r.Endpoint, cv, ex)
		case r.Endpoint == "webwxnewloginpage":
			plain = append(plain, r)
		}
	}
	if len(uos) != 1 || len(plain) == 0 {
		t.Fatalf("webwxnewloginpage requests: %d with the desktop headers (want 1), %d without", len(uos), len(plain))
	}
	if ref := uos[0].Header.Get("Referer"); !strings.Contains(ref, "target=t") {
		t.Errorf("the page was not opened with target=t: Referer %q", ref)
	}
	names := func(h http.Header) []string {
		var out []string
		for k := range h {
			if k != "Cookie" { // the browser's, present or not
				out = append(out, k)
			}
		}
		slices.Sort(out)
		return out
	}
	added := slices.DeleteFunc(names(uos[0].Header), func(k string) bool { return slices.Contains(names(plain[0].Header), k) })
	if !slices.Equal(added, []string{"Client-Version", "Extspam"}) {
		t.Errorf("--uos added the headers %v, want exactly Client-Version and Extspam", added)
	}
}

// TestProfileKeepsSession logs in with a browser launched on a profile of
// the test's own, then shows that later processes are logged in without a
// scan, that logout ends that, and that the next log-in is the page's
// association login (or a QR code with --fresh-qr).
func TestProfileKeepsSession(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t, sandbox.WithLoggedIn(false))
	srv.AutoLogin(300 * time.Millisecond)
	dir := t.TempDir()
	run := func(args ...string) (int, string, string) {
		t.Helper()
		start := time.Now()
		code, stdout, stderr := runCLI(t, append(args, "--url", url, "--profile", dir, "--timeout", "30s")...)
		t.Logf("%-12s exit %d in %v", args[0], code, time.Since(start).Round(time.Millisecond))
		return code, stdout, stderr
	}
	qrs := func() int { return len(srv.Requests("jslogin")) }

	if code, stdout, stderr := run("login"); code != ExitOK || !strings.Contains(stdout, "logged in as") {
		t.Fatalf("login: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	shown := qrs()
	code, stdout, stderr := run("status", "--json")
	var st accountJSON
	if err := json.Unmarshal([]byte(stdout), &st); err != nil || code != ExitOK || !st.LoggedIn || st.Since == "" || st.Profile != dir {
		t.Fatalf("status in a second process: exit %d, %s %s (%v)", code, stdout, stderr, err)
	}
	if code, _, stderr := run("room", "create", "--member", "Rain1ove", "--member", "Bob"); code != ExitOK {
		t.Fatalf("room create in a third process: exit %d, %s", code, stderr)
	}
	if qrs() != shown {
		t.Errorf("the later processes asked for %d more QR codes", qrs()-shown)
	}
	if code, stdout, stderr := run("logout"); code != ExitOK || !strings.Contains(stdout, "logged out") {
		t.Fatalf("logout: exit %d, %q %q", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, sess.MarkName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("logout left the session mark: %v", err)
	}
	if code, stdout, _ := run("status"); code != ExitNotLoggedIn || !strings.Contains(stdout, "not logged in") {
		t.Errorf("status after logout: exit %d, %q", code, stdout)
	}
	// After a log-out the page offers association login: the phone of the
	// last account confirms, no code is scanned.
	if code, stdout, stderr := run("login"); code != ExitOK || !strings.Contains(stdout, "asked your phone") ||
		strings.Contains(stdout, "scan with WeChat") {
		t.Errorf("login after logout: exit %d, %q %q", code, stdout, stderr)
	}
	if code, _, _ := run("logout"); code != ExitOK {
		t.Fatal("second logout failed")
	}
	if code, stdout, stderr := run("login", "--fresh-qr"); code != ExitOK || !strings.Contains(stdout, "scan with WeChat") {
		t.Errorf("login --fresh-qr: exit %d, %q %q", code, stdout, stderr)
	}
}

// TestLoginStaleSession: WeChat refuses the profile's session (webwxinit
// 1101); with --login the command logs in again (the page, logged out by
// its own app, offers association login) and goes on. A browser of its
// own: the log-out leaves association cookies behind.
func TestLoginStaleSession(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	srv.SetFault(sandbox.Fault{Endpoint: "webwxinit", Ret: 1101, Once: true})
	srv.AutoLogin(300 * time.Millisecond)
	code, stdout, stderr := runCLI(t, "room", "create", "--login", "--member", "Rain1ove", "--member", "Bob",
		"--url", url, "--profile", t.TempDir(), "--timeout", "30s")
	if code != ExitOK || !strings.Contains(stderr, "logged in as") || !strings.Contains(stdout, "Rain1ove") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "asked your phone") {
		t.Errorf("the page, logged out by its app, should offer association login: %q", stderr)
	}
	if n := len(srv.Requests("webwxinit")); n < 2 {
		t.Errorf("%d webwxinit requests: the page never got a new session", n)
	}
}

// TestLoginShow logs in with a visible window; make test gives it a display
// (xvfb-run) where there is none.
func TestLoginShow(t *testing.T) {
	needBrowser(t)
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		t.Skip("no display: make test runs the tests under xvfb-run")
	}
	srv, url := startSandbox(t, sandbox.WithLoggedIn(false))
	srv.AutoLogin(500 * time.Millisecond)
	start := time.Now()
	code, stdout, stderr := runCLI(t, "login", "--show", "--url", url, "--profile", t.TempDir(), "--timeout", "30s")
	t.Logf("visible login took %v", time.Since(start).Round(time.Millisecond))
	if code != ExitOK || !strings.Contains(stdout, "logged in as") {
		t.Errorf("login --show: exit %d, %q %q", code, stdout, stderr)
	}
}

// TestSandboxStartsLoggedOut runs wxctl sandbox and reads its page.
func TestSandboxStartsLoggedOut(t *testing.T) {
	if _, err := os.Stat(sandbox.DefaultAngularJS); err != nil {
		t.Skip(err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "isLogin: false"},
		{[]string{"--logged-in"}, "isLogin: true"},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		r, w := io.Pipe()
		done := make(chan int, 1)
		go func() {
			done <- Main(ctx, append([]string{"wxctl", "sandbox", "--addr", "127.0.0.1:0", "--auto-login", "1s"}, tt.args...), w, io.Discard)
			w.Close()
		}()
		line, err := readLine(r)
		if err != nil {
			t.Fatal(err)
		}
		go io.Copy(io.Discard, r) // the rest of what it prints
		url := regexp.MustCompile(`http://\S+/`).FindString(line)
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), tt.want) {
			t.Errorf("sandbox %v: the page lacks %q", tt.args, tt.want)
		}
		cancel()
		if code := <-done; code != ExitOK {
			t.Errorf("sandbox exit %d", code)
		}
	}
}

func readLine(r io.Reader) (string, error) {
	var b []byte
	one := make([]byte, 1)
	for {
		if _, err := r.Read(one); err != nil {
			return string(b), err
		}
		if one[0] == '\n' {
			return string(b), nil
		}
		b = append(b, one[0])
	}
}

func TestWriteQR(t *testing.T) {
	const url = "https://login.weixin.qq.com/l/QY1gJb0hXA=="
	for _, colour := range []bool{true, false} {
		var b bytes.Buffer
		if err := writeQR(&b, url, colour); err != nil {
			t.Fatal(err)
		}
		codes, widest := terminalQRs(t, b.String())
		if len(codes) != 1 || widest > 80 {
			t.Fatalf("colour %v: %d codes, %d columns", colour, len(codes), widest)
		}
		if got, err := decodeQR(codes[0]); err != nil || got != url {
			t.Errorf("colour %v: decodes to %q (%v)", colour, got, err)
		}
		if lines := strings.Count(b.String(), "\n"); lines > 25 {
			t.Errorf("colour %v: %d lines: too tall for a terminal", colour, lines)
		}
		if esc := strings.Contains(b.String(), "\x1b"); esc != colour {
			t.Errorf("colour %v: escape sequences %v", colour, esc)
		}
	}
}

// TestColourTerminal: colours only for a terminal, and never under
// NO_COLOR or TERM=dumb; a pipe or a buffer gets plain text.
func TestColourTerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if colourTerminal(w) || colourTerminal(&bytes.Buffer{}) {
		t.Error("colours for a pipe or a buffer")
	}
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		t.Setenv("TERM", "xterm")
		t.Setenv("NO_COLOR", "")
		if !colourTerminal(tty) {
			t.Error("no colours for a terminal")
		}
		t.Setenv("NO_COLOR", "1")
		if colourTerminal(tty) {
			t.Error("colours under NO_COLOR")
		}
		t.Setenv("NO_COLOR", "")
		t.Setenv("TERM", "dumb")
		if colourTerminal(tty) {
			t.Error("colours under TERM=dumb")
		}
	}
}
