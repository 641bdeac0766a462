package cmd

import (
	"errors"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/wxctl/wxctl/browser"
	sess "github.com/wxctl/wxctl/cmd/internal/session"
)

var statusCommand = &cli.Command{
	Name:      "status",
	Usage:     "say whether the profile is logged in to web WeChat, as whom, on which host and since when",
	ArgsUsage: " ",
	Description: `Opens web WeChat in the profile (the host its session cookies belong to:
wx.qq.com, wx2.qq.com or web.wechat.com) and lets the page tell: logged in when
the app's own webwxinit is accepted, with the user's NickName; since when wxctl
logged the profile in (unknown for a log-in made by hand in the browser).

Examples:
   wxctl status
   wxctl status --json

Exit codes: 0 logged in, 3 not logged in (or the session expired), 4 the
account may not use web WeChat, 7 no browser or not the web app.`,
	Flags:  flagsWithout(appFlags(), loginFlag, loginTimeoutFlag, qrPNGFlag, freshQRFlag),
	Action: runStatus,
}

func runStatus(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("status takes no arguments, got %q", c.Args().First())
	}
	s, err := openSession(c, c.Bool(sandboxFlag.Name), withoutSession())
	if err != nil {
		return err
	}
	defer s.Close()
	acct, err := browser.CheckSession(s.Context(), s.Page)
	if err != nil {
		err = s.Explain(err)
	}
	out := accountJSON{Profile: s.KeptProfile}
	var since time.Time
	if err == nil {
		out.LoggedIn, out.NickName, out.Host = true, browser.PlainName(acct.NickName), acct.Host
		if m, ok := s.ReadMark(); ok && m.Host == acct.Host {
			since = m.LoggedInAt
			out.Since = since.Format(time.RFC3339)
		}
	} else {
		out.Host = sess.HostOf(s.URL)
		out.Error = errorLine(err)
	}
	if c.Bool(jsonFlag.Name) {
		if werr := writeResult(c.App.Writer, out, err); werr != nil && err == nil {
			return werr
		}
		return err
	}
	w := c.App.Writer
	switch {
	case err == nil:
		fmt.Fprintf(w, "logged in as %s on %s, %s\n", out.NickName, out.Host, sinceText(since))
	case errors.Is(err, browser.ErrLoginBlocked):
		fmt.Fprintf(w, "not logged in: this account may not use web WeChat (%s)\n", out.Host)
	case errors.Is(err, browser.ErrNotLoggedIn):
		fmt.Fprintf(w, "not logged in (%s)\n", out.Host)
	}
	return err
}

// sinceText says since when a session lasts, for people.
func sinceText(t time.Time) string {
	if t.IsZero() {
		return "since an unknown time (not logged in by wxctl)"
	}
	age := time.Since(t).Round(time.Minute)
	if age < time.Minute {
		return "since " + t.Local().Format("2006-01-02 15:04") + " (just now)"
	}
	return fmt.Sprintf("since %s (%s ago)", t.Local().Format("2006-01-02 15:04"), age)
}
