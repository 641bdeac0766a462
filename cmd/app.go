// Package cmd is wxctl's command line: flags, commands, output and exit
// codes. Each command is a short sequence of steps from package browser.
package cmd

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"runtime/debug"

	"github.com/urfave/cli/v2"
)

// Version may be set at build time with -ldflags "-X
// github.com/wxctl/wxctl/cmd.Version=…"; otherwise it is read from the
// build's own information (see buildVersion).
var Version = ""

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
		Version:                   buildVersion(),
		Commands:                  cloneCommands([]*cli.Command{loginCommand, statusCommand, logoutCommand, roomCommand, contactsCommand, sendCommand, watchCommand, demoCommand, sandboxCommand, smokeCommand, evalCommand, callCommand, completionCommand, manCommand}),
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
// prints one line on stderr for a failed command and, with --json, the
// JSON envelope on stdout for a failure the command did not report itself
// (a bad flag, no session, a bad --url…).
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := NewApp()
	out := &watchedWriter{w: stdout}
	app.Writer, app.ErrWriter = out, stderr
	placed, err := placeArgs(app, args)
	if err == nil {
		err = app.RunContext(ctx, placed.args)
	}
	if err != nil {
		fmt.Fprintln(stderr, errorLine(err))
		if placed.json && !out.wrote {
			_ = writeResult(stdout, nil, err)
		}
	}
	return ExitCode(err)
}

// watchedWriter tells whether anything was written through it.
type watchedWriter struct {
	w     io.Writer
	wrote bool
}

func (w *watchedWriter) Write(p []byte) (int, error) {
	w.wrote = w.wrote || len(p) > 0
	return w.w.Write(p)
}

// cloneCommands copies the command tree with fresh flag values. urfave/cli
// v2 keeps what it reads (a WXCTL_* variable, a run's own bookkeeping) in
// the flag and command values; each app built gets its own, so that one
// run cannot leak into the next one in the same process (the tests).
func cloneCommands(cmds []*cli.Command) []*cli.Command {
	out := make([]*cli.Command, len(cmds))
	for i, c := range cmds {
		cp := *c
		cp.Flags = cloneFlags(c.Flags)
		cp.Subcommands = cloneCommands(c.Subcommands)
		out[i] = &cp
	}
	return out
}

func cloneFlags(flags []cli.Flag) []cli.Flag {
	out := make([]cli.Flag, len(flags))
	for i, f := range flags {
		v := reflect.ValueOf(f)
		if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
			out[i] = f
			continue
		}
		cp := reflect.New(v.Elem().Type())
		cp.Elem().Set(v.Elem())
		out[i] = cp.Interface().(cli.Flag)
	}
	return out
}

// buildVersion is wxctl's version: the one set at build time, else the
// module's version (go install …@v1.2.3), else the source's revision and
// time from the build's VCS stamp, "-modified" when the tree had changes.
func buildVersion() string {
	if Version != "" {
		return Version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	return versionOf(info)
}

func versionOf(info *debug.BuildInfo) string {
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	rev := settings["vcs.revision"]
	if rev == "" {
		return "(devel), built without version control information"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	v := "(devel) " + rev
	if t := settings["vcs.time"]; t != "" {
		v += " " + t
	}
	if settings["vcs.modified"] == "true" {
		v += " modified"
	}
	return v
}
