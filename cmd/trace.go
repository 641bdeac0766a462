package cmd

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/wxctl/wxctl/browser"
)

// traceErrorFile is the file of a trace folder that holds the command's
// error, when it failed.
const traceErrorFile = "error.txt"

// traceFailures makes every command with --trace (and its subcommands)
// write, when it fails, its exit code and error line into the trace folder,
// beside the snapshot its session took at the end: the folder then says
// what went wrong as well as what the page showed.
func traceFailures(c *cli.Command) {
	for _, sub := range c.Subcommands {
		traceFailures(sub)
	}
	// NewApp copies the flags, so they are known by name, not by value.
	hasTrace := slices.ContainsFunc(c.Flags, func(f cli.Flag) bool { return slices.Contains(f.Names(), traceFlag.Name) })
	if c.Action == nil || !hasTrace {
		return
	}
	action := c.Action
	c.Action = func(ctx *cli.Context) error {
		err := action(ctx)
		if dir := ctx.String(traceFlag.Name); err != nil && dir != "" {
			writeTraceError(dir, err)
		}
		return err
	}
}

// writeTraceError writes err into trace folder dir if the session made it
// (a command refused before that has nothing else to show there).
func writeTraceError(dir string, err error) {
	if fi, serr := os.Stat(dir); serr != nil || !fi.IsDir() {
		return
	}
	text := fmt.Sprintf("exit %d\n%s\n", ExitCode(err), errorLine(err))
	// Best effort: the error itself is printed on stderr anyway.
	_ = os.WriteFile(filepath.Join(dir, traceErrorFile), browser.Redact([]byte(text)), 0o600)
}

// checkOutputFlags refuses, before any browser starts, a --har whose
// folder does not exist and a --trace that cannot be a folder: finding out
// after the job would lose what it recorded.
func checkOutputFlags(c *cli.Context) error {
	if har := c.String(harFlag.Name); har != "" {
		dir := filepath.Dir(har)
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return usagef("--har %s: the folder %s does not exist: make it first or give another path", clipArg(har), clipArg(dir))
		}
	}
	if dir := c.String(traceFlag.Name); dir != "" {
		if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
			return usagef("--trace %s is a file, not a folder: give a folder (it is made if missing)", clipArg(dir))
		}
	}
	return nil
}
