// Package cmd is wxctl's command line: flags, commands, output and exit
// codes. Each command is a short sequence of steps from package browser.
package cmd

import (
	"context"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"
)

// Version is set at build time with -ldflags "-X github.com/wxctl/wxctl/cmd.Version=…".
var Version = "dev"

// NewApp builds the wxctl command line.
func NewApp() *cli.App {
	app := &cli.App{
		Name:  "wxctl",
		Usage: "drive web WeChat (wx.qq.com) through the web app's own AngularJS services",
		Description: `wxctl opens web WeChat in a real Chrome, headless by default, and does its work
by calling the page's own services (chatroomFactory, contactFactory, …), so the
web app itself makes every request. It reads the results back from the returned
value and from the app's own network traffic.

Try it without an account: wxctl demo (the built-in sandbox of web WeChat).`,
		Version:                   Version,
		Commands:                  []*cli.Command{loginCommand, statusCommand, logoutCommand, roomCommand, contactsCommand, sendCommand, demoCommand, sandboxCommand, smokeCommand, evalCommand, callCommand},
		DisableSliceFlagSeparator: true, // names and Chrome flags may hold commas
		Suggest:                   true,
		HideHelpCommand:           true,
		ExitErrHandler:            func(*cli.Context, error) {}, // exit codes are decided in Main
	}
	app.OnUsageError = onUsageError
	for _, c := range app.Commands {
		setUsageErrorHandler(c)
		traceFailures(c)
	}
	return app
}

func onUsageError(_ *cli.Context, err error, _ bool) error {
	return usageError{fmt.Errorf("%w (see --help)", err)}
}

// setUsageErrorHandler makes a bad flag anywhere a usage error (exit 2)
// with one line, not a help page.
func setUsageErrorHandler(c *cli.Command) {
	c.OnUsageError = onUsageError
	for _, sub := range c.Subcommands {
		setUsageErrorHandler(sub)
	}
}

// Main runs wxctl with args (os.Args form) and returns the exit code. It
// prints one line on stderr for a failed command.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := NewApp()
	app.Writer, app.ErrWriter = stdout, stderr
	err := app.RunContext(ctx, args)
	if err != nil {
		fmt.Fprintln(stderr, errorLine(err))
	}
	return ExitCode(err)
}
