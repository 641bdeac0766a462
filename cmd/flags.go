package cmd

import (
	"net/url"
	"slices"
	"time"

	"github.com/urfave/cli/v2"
)

// DefaultURL is web WeChat's entry page.
const DefaultURL = "https://wx.qq.com/"

// Flags shared by the commands that drive the web app. Each is declared once
// here and added to every command that needs it, so that it may stand after
// the command name, where people put it.
var (
	chromeFlag = &cli.StringFlag{
		Name:    "chrome",
		Usage:   "Chrome or Chromium executable (default: found automatically, chromium-headless-shell first when headless)",
		EnvVars: []string{"WXCTL_CHROME"},
	}
	showFlag = &cli.BoolFlag{
		Name:    "show",
		Usage:   "open a visible browser window instead of a headless one (needs a display: try xvfb-run)",
		EnvVars: []string{"WXCTL_SHOW"},
	}
	remoteFlag = &cli.StringFlag{
		Name:    "remote",
		Usage:   "attach to a running Chrome's DevTools endpoint (http://127.0.0.1:9222 or ws://…) instead of launching one",
		EnvVars: []string{"WXCTL_REMOTE"},
	}
	chromeFlagFlag = &cli.StringSliceFlag{
		Name:    "chrome-flag",
		Usage:   "extra Chrome command-line flag, repeatable, passed whole (e.g. --chrome-flag=--proxy-server=http://127.0.0.1:3128)",
		EnvVars: []string{"WXCTL_CHROME_FLAG"},
	}
	profileFlag = &cli.StringFlag{
		Name:        "profile",
		Usage:       "Chrome profile directory that keeps the login session between runs",
		DefaultText: "<user config dir>/wxctl/profile; a throwaway one with --sandbox",
		EnvVars:     []string{"WXCTL_PROFILE"},
	}
	urlFlag = &cli.StringFlag{
		Name:    "url",
		Usage:   "web WeChat's address, http:// or https://",
		Value:   DefaultURL,
		EnvVars: []string{"WXCTL_URL"},
	}
	sandboxFlag = &cli.BoolFlag{
		Name:    "sandbox",
		Usage:   "start the built-in sandbox of web WeChat on a free loopback port and use it instead of --url",
		EnvVars: []string{"WXCTL_SANDBOX"},
	}
	angularFlag = &cli.StringFlag{
		Name:    "angular-js",
		Usage:   "AngularJS file the sandbox serves",
		Value:   "/usr/share/javascript/angular.js/angular.min.js",
		EnvVars: []string{"WXCTL_ANGULAR_JS"},
	}
	timeoutFlag = &cli.DurationFlag{
		Name:    "timeout",
		Usage:   "how long the job may take once the browser runs (room batch: each step of one group), 1s or more; past it, exit 8 when a change may have reached WeChat, else 7 (nothing was sent)",
		Value:   2 * time.Minute,
		EnvVars: []string{"WXCTL_TIMEOUT"},
	}
	jsonFlag = &cli.BoolFlag{
		Name:    "json",
		Usage:   "print JSON instead of text (schemas in README.md)",
		EnvVars: []string{"WXCTL_JSON"},
	}
	captureFlag = &cli.StringFlag{
		Name:    "capture",
		Usage:   "write the app's recorded API calls (requests and answers, secrets redacted) to this JSON file",
		EnvVars: []string{"WXCTL_CAPTURE"},
	}
	harFlag = &cli.StringFlag{
		Name:    "har",
		Usage:   "write the app's recorded API calls as HAR 1.2 (headers, bodies, timings; secrets redacted) to this file, for DevTools and HAR viewers",
		EnvVars: []string{"WXCTL_HAR"},
	}
	traceFlag = &cli.StringFlag{
		Name:    "trace",
		Usage:   "write the page's console, its document, a screenshot and the HAR into this folder, at the end and at each failed API call (see README.md)",
		EnvVars: []string{"WXCTL_TRACE"},
	}
)

// The log-in flags: wxctl login's, and every session command's for --login.
var (
	loginFlag = &cli.BoolFlag{
		Name:    "login",
		Usage:   "when the profile has no session (or it expired), log in first, as wxctl login does (QR code on stderr), then go on",
		EnvVars: []string{"WXCTL_LOGIN"},
	}
	loginTimeoutFlag = &cli.DurationFlag{
		Name:    "login-timeout",
		Usage:   "how long a log-in may wait for the QR code to be scanned and confirmed on the phone",
		Value:   5 * time.Minute,
		EnvVars: []string{"WXCTL_LOGIN_TIMEOUT"},
	}
	qrPNGFlag = &cli.StringFlag{
		Name:    "qr-png",
		Usage:   "also write the log-in QR code to this PNG file, rewritten for every new code (a headless server can serve it)",
		EnvVars: []string{"WXCTL_QR_PNG"},
	}
	freshQRFlag = &cli.BoolFlag{
		Name: "fresh-qr",
		Usage: "when the page offers association login (after a log-out: an avatar and a Log in button), " +
			"show a QR code instead of asking the phone of the account last logged in",
		EnvVars: []string{"WXCTL_FRESH_QR"},
	}
	uosFlag = &cli.BoolFlag{
		Name: "uos",
		Usage: "log in as WeChat's desktop client for UOS Linux (entry URL with target=t, and the headers " +
			"client-version: 2.0.0 and extspam on webwxnewloginpage only), for accounts web WeChat refuses with 1203; needs --extspam-token",
		EnvVars: []string{"WXCTL_UOS"},
	}
	extspamTokenFlag = &cli.StringFlag{
		Name:    "extspam-token",
		Usage:   "the extspam token of WeChat's desktop client, for --uos; a secret, never printed (prefer the environment variable)",
		EnvVars: []string{"WXCTL_EXTSPAM_TOKEN"},
	}
)

// loginFlags are the flags that shape a log-in.
func loginFlags() []cli.Flag {
	return []cli.Flag{loginTimeoutFlag, qrPNGFlag, freshQRFlag, uosFlag, extspamTokenFlag}
}

// appFlags are the flags of every command that opens web WeChat: the
// browser, the page, the job and the log-in (--login runs it inline).
func appFlags() []cli.Flag {
	return append([]cli.Flag{
		chromeFlag, showFlag, remoteFlag, chromeFlagFlag, profileFlag,
		urlFlag, sandboxFlag, angularFlag, timeoutFlag, jsonFlag, captureFlag, harFlag, traceFlag, loginFlag,
	}, loginFlags()...)
}

// flagsWithout returns flags less those in drop, for a command to which
// some shared flags do not apply.
func flagsWithout(flags []cli.Flag, drop ...cli.Flag) []cli.Flag {
	out := make([]cli.Flag, 0, len(flags))
	for _, f := range flags {
		if !slices.Contains(drop, f) {
			out = append(out, f)
		}
	}
	return out
}

// minTimeout is the shortest --timeout that leaves a page time to answer
// at all; less is a mistake (0, a negative value, 1ns), not a wish.
const minTimeout = time.Second

// checkPageFlags refuses, before any browser starts, a --timeout too short
// for any call and a --url that is not a web address: only http and https
// are web WeChat's (a file: URL would show a local file's text in errors).
func checkPageFlags(c *cli.Context, useSandbox bool) error {
	if t := c.Duration(timeoutFlag.Name); t < minTimeout {
		return usagef("--timeout %v leaves no time for the page: give %v or more, such as 30s or 2m", t, minTimeout)
	}
	if useSandbox {
		return nil
	}
	raw := c.String(urlFlag.Name)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return usagef("--url %q is not a web address: give http:// or https:// and a host, such as %s", clipArg(raw), DefaultURL)
	}
	return nil
}

// clipArg shortens a value quoted back in a message.
func clipArg(s string) string {
	if r := []rune(s); len(r) > 80 {
		return string(r[:80]) + "…"
	}
	return s
}
