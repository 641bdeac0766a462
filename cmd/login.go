package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/wxctl/wxctl/browser"
	sess "github.com/wxctl/wxctl/cmd/internal/session"
)

// sandboxPhoneDelay is how long the phone of `wxctl login --sandbox` takes
// to scan and confirm by itself: long enough to see the QR code.
const sandboxPhoneDelay = 2 * time.Second

var loginCommand = &cli.Command{
	Name:      "login",
	Usage:     "log in to web WeChat with a QR code in the terminal, and keep the session in the profile",
	ArgsUsage: " ",
	Description: `Opens web WeChat in the profile, waits for the page's QR code and draws it in
the terminal (black on white whatever the terminal's colours, about 40 columns
wide), prints the log-in URL it encodes and, with --qr-png, writes it as a PNG
for a headless server to serve. Scan it with WeChat on the phone; wxctl follows
the page live: "scan with WeChat", "scanned, confirm on your phone", "logged in
as <NickName>". An expired code is replaced by the page, and the new one shown,
without anyone doing anything; the whole wait is bounded by --login-timeout.
With --show the browser window shows the page's own QR code as well.

After a log-out the page often offers association login instead of a QR code
(an avatar and a "Log in" button): wxctl presses it and WeChat asks the phone
to confirm; --fresh-qr shows a QR code instead.

The session stays in the profile (--profile): later commands need no scan
until it expires. A profile already logged in says so and exits 0.

WeChat accepts or refuses the log-in by the <ret> of its webwxnewloginpage
answer, which wxctl reads as it arrives: accounts that web WeChat refuses (1203)
exit 4 at once, any other refusal exits 6 with the ret and WeChat's message.
WeChat's desktop client for UOS
Linux logs in through the same page with two more headers: --uos with that
client's extspam token (--extspam-token, or WXCTL_EXTSPAM_TOKEN) does the same.

With --sandbox the built-in sandbox starts logged out and its phone scans and
confirms by itself after 2s.

Examples:
   wxctl login
   wxctl login --qr-png /var/www/html/wechat-qr.png --login-timeout 10m
   wxctl login --fresh-qr
   WXCTL_EXTSPAM_TOKEN=… wxctl login --uos
   wxctl login --sandbox

Exit codes: 0 logged in, 3 not logged in before --login-timeout, 4 the account
may not use web WeChat, 6 WeChat refused the log-in with another ret, 2 bad
usage (--uos without a token), 7 no browser or not the web app.`,
	Flags:  flagsWithout(appFlags(), loginFlag),
	Action: runLogin,
}

// accountJSON is what login --json and status --json print. The fields are
// a stable interface: README.md documents them.
type accountJSON struct {
	LoggedIn bool   `json:"loggedIn"`
	NickName string `json:"nickName,omitempty"`
	Host     string `json:"host,omitempty"`
	// Since is when wxctl logged this profile in, RFC 3339; absent when it
	// does not know (a log-in by hand in the browser).
	Since string `json:"since,omitempty"`
	// Already is true when login found the profile logged in already.
	Already bool   `json:"alreadyLoggedIn,omitempty"`
	Profile string `json:"profile,omitempty"`
	Error   string `json:"error,omitempty"`
}

func runLogin(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("login takes no arguments, got %q", c.Args().First())
	}
	if err := checkQRPNG(c.String(qrPNGFlag.Name)); err != nil {
		return err
	}
	s, err := openSession(c, c.Bool(sandboxFlag.Name), withoutSession(), withSandboxLoggedOut(sandboxPhoneDelay))
	if err != nil {
		return err
	}
	defer s.Close()
	// With --json stdout holds the one object; the log-in talks on stderr.
	talk := c.App.Writer
	if c.Bool(jsonFlag.Name) {
		talk = c.App.ErrWriter
	}
	already := false
	acct, err := browser.CheckSession(s.Context(), s.Page)
	switch {
	case err == nil:
		already = true
		fmt.Fprintf(talk, "already logged in as %s on %s\n", browser.PlainName(acct.NickName), acct.Host)
		if _, ok := s.ReadMark(); !ok {
			// A log-in made by hand in this profile: from now on is the
			// best "since" there is.
			err = s.SaveMark(acct.Host)
		}
	case errors.Is(err, browser.ErrNotLoggedIn):
		acct, err = logIn(c, s, talk, err)
	default:
		err = s.Explain(err)
	}
	if c.Bool(jsonFlag.Name) {
		out := accountJSON{Already: already, Profile: s.KeptProfile}
		if acct != nil && err == nil {
			out.LoggedIn, out.NickName, out.Host = true, browser.PlainName(acct.NickName), acct.Host
			if m, ok := s.ReadMark(); ok {
				out.Since = m.LoggedInAt.Format(time.RFC3339)
			}
		}
		if err != nil {
			out.Error = errorLine(err)
		}
		if werr := writeResult(c.App.Writer, out, err); werr != nil && err == nil {
			return werr
		}
	}
	return err
}

// logIn runs the log-in on the session's page, talking to the person on w:
// the QR code, its URL, and each step. It records the log-in time in the
// profile and returns the account. checked is why CheckSession found no
// session: when WeChat refused the page's cookies (1100, 1101, 1102) rather
// than there being none, they are dropped and the page opened again, so
// that it shows the login view even if the app does not log itself out.
func logIn(c *cli.Context, s *session, w io.Writer, checked error) (*browser.Account, error) {
	limit := c.Duration(loginTimeoutFlag.Name)
	ctx, cancel := context.WithTimeout(c.Context, limit)
	defer cancel()
	if checked != browser.ErrNotLoggedIn {
		if _, err := browser.ForgetSession(ctx, s.Page, s.URL); err != nil {
			return nil, err
		}
		if err := s.Page.Open(ctx, s.URL); err != nil {
			return nil, err
		}
	}
	pr := &loginPrinter{w: w, png: c.String(qrPNGFlag.Name), colour: colourTerminal(w)}
	if s.Sandbox != nil {
		fmt.Fprintf(w, "sandbox %s: its phone scans and confirms by itself (POST %ssandbox/control plays it by hand)\n",
			s.Sandbox.URL(), s.Sandbox.URL())
	}
	acct, err := browser.Login(ctx, s.Page,
		browser.WithProgress(pr.show),
		browser.WithFreshQR(c.Bool(freshQRFlag.Name)))
	var timeout *browser.LoginTimeoutError
	switch {
	case errors.As(err, &timeout) && c.Context.Err() == nil:
		return nil, sess.NewError(err, fmt.Sprintf(
			"not logged in: %v (--login-timeout %v); log in first: wxctl login, with a longer --login-timeout if it takes more time", err, limit))
	case err != nil:
		return nil, s.Explain(err)
	}
	s.Account = acct
	if err := s.Page.MaskSessionSecrets(ctx); err != nil {
		return nil, err
	}
	return acct, s.SaveMark(acct.Host)
}

// checkQRPNG refuses a --qr-png that cannot be written before anyone waits
// for a QR code that would never reach the file.
func checkQRPNG(path string) error {
	if path == "" {
		return nil
	}
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return usagef("--qr-png %s: the directory %s does not exist", path, dir)
	}
	return nil
}

// loginPrinter tells a person how the log-in goes.
type loginPrinter struct {
	w      io.Writer
	png    string // --qr-png
	codes  int    // QR codes shown so far
	colour bool   // w is a terminal that takes ANSI colours
}

// show prints one step of the log-in.
func (p *loginPrinter) show(pr browser.LoginProgress) {
	switch pr.Step {
	case browser.LoginQR:
		p.codes++
		if p.codes == 1 {
			fmt.Fprintln(p.w, "scan with WeChat (on the phone: + › Scan):")
		} else {
			fmt.Fprintln(p.w, "new QR code, scan with WeChat:")
		}
		if err := writeQR(p.w, pr.LoginURL, p.colour); err != nil {
			fmt.Fprintf(p.w, "(cannot draw the QR code: %v)\n", err)
		}
		fmt.Fprintf(p.w, "log-in URL: %s\n", pr.LoginURL)
		if p.png != "" {
			if err := writeQRPNG(p.png, pr.LoginURL); err != nil {
				fmt.Fprintf(p.w, "cannot write --qr-png: %v\n", err)
			} else {
				fmt.Fprintf(p.w, "QR code saved to %s\n", p.png)
			}
		}
	case browser.LoginPushed:
		fmt.Fprintln(p.w, "asked your phone to confirm the log-in (the page offered association login; --fresh-qr shows a QR code instead)")
	case browser.LoginScanned:
		fmt.Fprintln(p.w, "scanned, confirm on your phone")
	case browser.LoginConfirmed:
		fmt.Fprintln(p.w, "confirmed, logging in…")
	case browser.LoginExpired:
		fmt.Fprintln(p.w, "the QR code expired, the page is getting a new one…")
	case browser.LoginCancelled:
		fmt.Fprintln(p.w, "cancelled on the phone, the page is getting a new QR code…")
	case browser.LoginDone:
		fmt.Fprintf(p.w, "logged in as %s\n", browser.PlainName(pr.NickName))
	}
}

// ANSI colours of the terminal QR code: both set for every cell, black
// modules on bright white, so that the code has the same polarity (dark on
// light, which every scanner reads) on dark and light terminals alike.
const (
	sgrReset   = "\x1b[0m"
	fgDark     = "30"
	fgLight    = "97"
	bgDark     = "40"
	bgLight    = "107"
	upperBlock = "▀"
)

// colourTerminal says whether w takes ANSI colours: a terminal, unless
// NO_COLOR is set (no-color.org) or TERM is dumb. A pipe, a file or a CI
// log gets plain text.
func colourTerminal(w io.Writer) bool {
	if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// plainBlocks draw a QR code without colours, for pipes, files, TERM=dumb
// and NO_COLOR: each character cell holds two modules, and a light module
// is drawn ("▀" upper, "▄" lower, "█" both). That is qrencode's UTF8 form,
// right for the usual dark terminal and CI log (on a light one the code
// shows inverted, which scanners such as WeChat's also read).
var plainBlocks = [2][2]string{
	// [upper dark][lower dark]
	{"█", "▀"},
	{"▄", " "},
}

// writeQR draws text as a QR code with half blocks: each character cell
// holds two modules, the upper one in the foreground colour of "▀" and the
// lower one in the background colour; without colour, in plainBlocks. A
// module is one column wide, so a log-in URL's code (version 3 or 4, with
// its 4-module quiet zone) takes 37 to 41 columns and half as many lines.
func writeQR(w io.Writer, text string, colour bool) error {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return err
	}
	bits := q.Bitmap() // true is dark; the quiet zone is included
	var b strings.Builder
	for y := 0; y < len(bits); y += 2 {
		if !colour {
			for x := range bits[y] {
				upper, lower := 0, 0
				if bits[y][x] {
					upper = 1
				}
				if y+1 < len(bits) && bits[y+1][x] {
					lower = 1
				}
				b.WriteString(plainBlocks[upper][lower])
			}
			b.WriteString("\n")
			continue
		}
		cur := ""
		for x := range bits[y] {
			fg, bg := fgLight, bgLight
			if bits[y][x] {
				fg = fgDark
			}
			if y+1 < len(bits) && bits[y+1][x] {
				bg = bgDark
			}
			// Colours change only at module edges: most cells need no
			// escape sequence of their own.
			if sgr := "\x1b[" + fg + ";" + bg + "m"; sgr != cur {
				b.WriteString(sgr)
				cur = sgr
			}
			b.WriteString(upperBlock)
		}
		b.WriteString(sgrReset + "\n")
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// writeQRPNG writes text's QR code as a PNG, 8 pixels a module, replacing
// the file in one step so that a server never serves half a picture.
func writeQRPNG(path, text string) error {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return err
	}
	png, err := q.PNG(-8)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".wxctl-qr-*.png")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename there is nothing left to remove
	if _, err := tmp.Write(png); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
