package cmd

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/wxctl/wxctl/browser"
	sess "github.com/wxctl/wxctl/cmd/internal/session"
)

var logoutCommand = &cli.Command{
	Name:      "logout",
	Usage:     "log out of web WeChat through the app and remove the session from the profile",
	ArgsUsage: " ",
	Description: `Opens web WeChat in the profile and logs out the way its own menu does
(loginFactory.loginout: WeChat ends the session), then deletes the session
cookies (wxuin, wxsid, webwx_data_ticket, webwx_auth_ticket), the site's
stored data and the browser's HTTP cache (whose entries hold the session's
keys), and wxctl's record of the log-in from the profile. An attached browser
(--remote) keeps its HTTP cache: it is yours, and DevTools clears it only
whole. A profile without a session is cleaned all the
same. The next wxctl login may offer association login (the phone confirms);
wxctl login --fresh-qr asks for a QR code instead.

Examples:
   wxctl logout
   wxctl logout --profile ~/.config/wxctl/work

Exit codes: 0 logged out (or there was no session), 7 no browser or not the
web app, 8 the page did not come back logged out before --timeout.`,
	Flags:  flagsWithout(appFlags(), loginFlag, loginTimeoutFlag, qrPNGFlag, freshQRFlag),
	Action: runLogout,
}

func runLogout(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("logout takes no arguments, got %q", c.Args().First())
	}
	s, err := openSession(c, c.Bool(sandboxFlag.Name), withoutSession())
	if err != nil {
		return err
	}
	defer s.Close()
	w := c.App.Writer
	acct, err := browser.CheckSession(s.Context(), s.Page)
	switch {
	case err == nil:
		if err := browser.Logout(s.Context(), s.Page); err != nil {
			return err
		}
	case errors.Is(err, browser.ErrNotLoggedIn), errors.Is(err, browser.ErrLoginBlocked):
		// Nothing to end in WeChat; the profile is cleaned all the same.
		acct = nil
	default:
		return err
	}
	n, err := browser.ForgetSession(s.Context(), s.Page, s.URL)
	if err != nil {
		return err
	}
	// The app's requests and answers in the browser's cache carry the
	// session's keys. An attached browser is the user's: its cache is
	// left whole, the site's storage is cleared all the same.
	if err := browser.ClearSiteData(s.Context(), s.Page, s.URL); err != nil {
		return err
	}
	if err := s.Browser.DropHTTPCache(s.Context(), s.Page); err != nil {
		return err
	}
	if err := s.RemoveMark(); err != nil {
		return err
	}
	out := struct {
		LoggedOut      bool   `json:"loggedOut"`
		NickName       string `json:"nickName,omitempty"`
		Host           string `json:"host"`
		CookiesRemoved int    `json:"cookiesRemoved"`
	}{acct != nil, "", sess.HostOf(s.URL), n}
	if acct != nil {
		out.NickName = browser.PlainName(acct.NickName)
	}
	if c.Bool(jsonFlag.Name) {
		return writeResult(w, out, nil)
	}
	if acct != nil {
		fmt.Fprintf(w, "logged out %s on %s\n", out.NickName, out.Host)
	} else {
		fmt.Fprintf(w, "not logged in on %s; nothing to end\n", out.Host)
	}
	fmt.Fprintf(w, "removed the session from %s (%d cookies)\n", s.Where(), n)
	return nil
}
