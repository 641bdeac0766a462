package cmd

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/wxctl/wxctl/sandbox"
)

var (
	addrFlag = &cli.StringFlag{
		Name:    "addr",
		Usage:   "address to listen on (port 0 picks a free one)",
		Value:   "127.0.0.1:0",
		EnvVars: []string{"WXCTL_SANDBOX_ADDR"},
	}
	autoLoginFlag = &cli.DurationFlag{
		Name:    "auto-login",
		Usage:   "let the simulated phone scan and confirm every QR code by itself this long after it shows (0: play it through the control endpoint)",
		EnvVars: []string{"WXCTL_SANDBOX_AUTO_LOGIN"},
	}
	loggedInFlag = &cli.BoolFlag{
		Name:    "logged-in",
		Usage:   "start with the session accepted, as --sandbox does, instead of logged out",
		EnvVars: []string{"WXCTL_SANDBOX_LOGGED_IN"},
	}
)

var sandboxCommand = &cli.Command{
	Name:  "sandbox",
	Usage: "serve the built-in sandbox of web WeChat until interrupted",
	Description: `Serves the local stand-in of web WeChat (real AngularJS, the app's service
names, signatures and answers) for people and CI, and prints its URL. Point
wxctl at it with --url, or open it in a browser.

It starts logged out, showing the QR log-in, so that wxctl login can be tried
(--logged-in starts with the session accepted). Nobody scans the code: play the
phone with --auto-login 3s, or through POST /sandbox/control:
   {"phone": "scan"}   {"phone": "confirm"}   {"phone": "cancel"}   {"phone": "expire"}
   {"session": "expire"}   the server drops the session (Ret 1101, synccheck 1101)
   {"session": "block"}    webwxnewloginpage refuses with 1203 ({"clearFaults": true} lifts it)
   {"fault": {"endpoint": "webwxnewloginpage", "ret": -1, "errMsg": "…"}}   refuses with another ret
   {"friend": {"name": "Bob", "action": "say", "text": "hi"}}   a friend's message (add "group" to say it there)
   {"friend": {"name": "Dave", "action": "join", "group": "Weekend Hikers"}}   also "leave", and "rename" with "text"
and inject faults there (see the package documentation of sandbox). A refused
log-in makes the page alert WeChat's message and reload, as the real one does.

Example:
   wxctl sandbox --addr 127.0.0.1:8080 &
   wxctl login --url http://127.0.0.1:8080/ --profile /tmp/wx &
   curl -d '{"phone":"scan"}' http://127.0.0.1:8080/sandbox/control
   curl -d '{"phone":"confirm"}' http://127.0.0.1:8080/sandbox/control`,
	Flags:  []cli.Flag{addrFlag, angularFlag, autoLoginFlag, loggedInFlag},
	Action: runSandbox,
}

func runSandbox(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("sandbox takes no arguments, got %q", c.Args().First())
	}
	if c.Duration(autoLoginFlag.Name) < 0 {
		return usagef("--auto-login must not be negative")
	}
	srv, err := sandbox.New(
		sandbox.WithAngularJS(c.String(angularFlag.Name)),
		sandbox.WithLoggedIn(c.Bool(loggedInFlag.Name)),
	)
	if err != nil {
		return err
	}
	url, err := srv.Start(c.String(addrFlag.Name))
	if err != nil {
		return fmt.Errorf("starting the sandbox on %s: %w", c.String(addrFlag.Name), err)
	}
	defer srv.Close()
	w := c.App.Writer
	fmt.Fprintf(w, "web WeChat sandbox at %s (Ctrl-C stops it)\n", url)
	switch d := c.Duration(autoLoginFlag.Name); {
	case c.Bool(loggedInFlag.Name):
		fmt.Fprintln(w, "logged in: wxctl commands need no log-in")
	case d > 0:
		srv.AutoLogin(d)
		fmt.Fprintf(w, "logged out; the phone scans and confirms every QR code %v after it shows: wxctl login --url %s\n", d, url)
	default:
		fmt.Fprintf(w, "logged out: wxctl login --url %s, then play the phone:\n  curl -d '{\"phone\":\"scan\"}' %ssandbox/control\n  curl -d '{\"phone\":\"confirm\"}' %ssandbox/control\n", url, url, url)
	}
	<-c.Context.Done()
	return nil
}
