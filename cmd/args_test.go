package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/wxctl/wxctl/sandbox"
)

// leafCommand is a command that runs, with its names from the top.
type leafCommand struct {
	path []string
	cmd  *cli.Command
}

func leafCommands(cmds []*cli.Command, path []string) []leafCommand {
	var out []leafCommand
	for _, c := range cmds {
		p := append(slices.Clone(path), c.Name)
		if c.Action != nil {
			out = append(out, leafCommand{p, c})
		}
		out = append(out, leafCommands(c.Subcommands, p)...)
	}
	return out
}

// sampleValue is a value a flag takes on the line, and how its value reads
// back from the command's context.
func sampleValue(f cli.Flag) (typed string, want string) {
	switch f.(type) {
	case *cli.BoolFlag:
		return "", "true"
	case *cli.DurationFlag:
		return "17s", "17s"
	case *cli.IntFlag:
		return "7", "7"
	case *cli.StringSliceFlag:
		return "--x=a,b", "[--x=a,b]"
	case *cli.Float64Flag:
		return "0.5", "0.5"
	}
	return "val ue", "val ue"
}

// readBack is a flag's value as the command sees it, in sampleValue's form.
func readBack(c *cli.Context, f cli.Flag) string {
	name := f.Names()[0]
	switch f.(type) {
	case *cli.BoolFlag:
		return fmt.Sprint(c.Bool(name))
	case *cli.DurationFlag:
		return c.Duration(name).String()
	case *cli.IntFlag:
		return fmt.Sprint(c.Int(name))
	case *cli.StringSliceFlag:
		return fmt.Sprint(c.StringSlice(name))
	case *cli.Float64Flag:
		return fmt.Sprint(c.Float64(name))
	}
	return c.String(name)
}

// recordingApp is wxctl's app with every command's action replaced by one
// that records what the command read: its arguments and one flag's value.
type recording struct {
	path []string
	args []string
	flag string
}

func recordingApp(flag cli.Flag, rec *recording) *cli.App {
	app := NewApp()
	app.Writer, app.ErrWriter = io.Discard, io.Discard
	var wire func(cmds []*cli.Command)
	wire = func(cmds []*cli.Command) {
		for _, c := range cmds {
			if c.Action != nil {
				c.Action = func(c *cli.Context) error {
					rec.path = strings.Fields(strings.TrimPrefix(commandPath(c), "wxctl"))
					rec.args = c.Args().Slice()
					if flag != nil {
						rec.flag = readBack(c, flag)
					}
					return nil
				}
			}
			wire(c.Subcommands)
		}
	}
	wire(app.Commands)
	return app
}

// runRecorded runs line through placeArgs and the recording app.
func runRecorded(t *testing.T, flag cli.Flag, line []string) (recording, error) {
	t.Helper()
	var rec recording
	app := recordingApp(flag, &rec)
	placed, err := placeArgs(app, append([]string{"wxctl"}, line...))
	if err != nil {
		return rec, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return rec, app.RunContext(ctx, placed.args)
}

// TestFlagPositions: every flag of every command means the same before
// the command, between its words and after its arguments.
func TestFlagPositions(t *testing.T) {
	leaves := leafCommands(NewApp().Commands, nil)
	if len(leaves) < 15 {
		t.Fatalf("found %d commands, want every one", len(leaves))
	}
	args := []string{"A1", "a 2"}
	cases := 0
	for _, leaf := range leaves {
		for _, f := range leaf.cmd.Flags {
			typed, want := sampleValue(f)
			for _, name := range f.Names() {
				tok := []string{"--" + name}
				if len(name) == 1 {
					tok = []string{"-" + name}
				}
				if typed != "" {
					tok = append(tok, typed)
				}
				lines := map[string][]string{
					"before": concat(tok, leaf.path, args),
					"after":  concat(leaf.path, args, tok),
					"middle": concat(leaf.path, args[:1], tok, args[1:]),
				}
				if typed != "" {
					// --flag=value, after the arguments.
					lines["after="] = concat(leaf.path, args, []string{tok[0] + "=" + typed})
				}
				for i := 1; i < len(leaf.path); i++ {
					lines[fmt.Sprintf("between%d", i)] = concat(leaf.path[:i], tok, leaf.path[i:], args)
				}
				for where, line := range lines {
					cases++
					rec, err := runRecorded(t, f, line)
					if err != nil {
						t.Errorf("%q (%s): %v", line, where, err)
						continue
					}
					if !slices.Equal(rec.path, leaf.path) || !slices.Equal(rec.args, args) || rec.flag != want {
						t.Errorf("%q (%s): ran %q with args %q and %s=%q; want %q, %q, %q",
							line, where, rec.path, rec.args, name, rec.flag, leaf.path, args, want)
					}
				}
			}
		}
	}
	t.Logf("%d commands, %d lines", len(leaves), cases)
}

func concat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// TestDoubleDashEndsFlags: after --, words that look like flags are
// arguments, wherever the -- stands.
func TestDoubleDashEndsFlags(t *testing.T) {
	json := jsonFlag
	for _, line := range [][]string{
		{"room", "info", "--", "--json"},
		{"--json=false", "room", "info", "--", "--json"},
	} {
		rec, err := runRecorded(t, json, line)
		if err != nil || rec.flag != "false" || !slices.Equal(rec.args, []string{"--json"}) {
			t.Errorf("%q: err %v, json %s, args %q; want false and [--json]", line, err, rec.flag, rec.args)
		}
	}
	rec, err := runRecorded(t, json, []string{"room", "info", "G", "--json", "--", "-x", "--json"})
	if err != nil || rec.flag != "true" || !slices.Equal(rec.args, []string{"G", "-x", "--json"}) {
		t.Errorf("args %q, json %s, err %v; want [G -x --json], true", rec.args, rec.flag, err)
	}
}

// TestUnknownWordsSuggest: an unknown command or flag is a usage error
// (exit 2) naming the nearest known ones, wherever it stands.
func TestUnknownWordsSuggest(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"roomz"}, `wxctl has no command "roomz"; did you mean room?`},
		{[]string{"room", "crate", "--member", "A"}, `wxctl room has no command "crate"; did you mean create?`},
		{[]string{"--json", "stauts"}, `did you mean status?`},
		{[]string{"room", "create", "--jsn"}, "wxctl room create has no flag --jsn; did you mean --json?"},
		{[]string{"--membr", "A", "room", "add", "G"}, "did you mean --member?"},
		{[]string{"status", "--member", "A"}, "wxctl status has no flag --member"},
		{[]string{"completion", "fsh"}, "did you mean zsh or fish?"},
		{[]string{"help", "romo"}, `did you mean room`},
	} {
		code, stdout, stderr := runCLI(t, tt.args...)
		if code != ExitUsage || !strings.Contains(stderr, tt.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%q: exit %d, stderr %q; want 2 and one line with %q", tt.args, code, stderr, tt.want)
		}
		if strings.Contains(tt.args[0], "json") {
			var env struct {
				OK       bool   `json:"ok"`
				ExitCode int    `json:"exitCode"`
				Error    string `json:"error"`
			}
			if err := json.Unmarshal([]byte(stdout), &env); err != nil || env.OK || env.ExitCode != ExitUsage || env.Error == "" {
				t.Errorf("%q: stdout %q, want the failure envelope", tt.args, stdout)
			}
		} else if stdout != "" {
			t.Errorf("%q: stdout %q, want nothing", tt.args, stdout)
		}
	}
}

// TestHelpEverywhere: help, help CMD, CMD --help and --help after the
// arguments all print the command's help and exit 0.
func TestHelpEverywhere(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"help"}, "wxctl [global options] command"},
		{[]string{"--help"}, "wxctl [global options] command"},
		{[]string{"help", "room"}, "wxctl room - create and manage groups"},
		{[]string{"help", "room", "create"}, "wxctl room create - create a group"},
		{[]string{"room", "create", "--help"}, "wxctl room create - create a group"},
		{[]string{"--help", "room", "add"}, "wxctl room add - "},
		{[]string{"room", "add", "Hike", "-h"}, "wxctl room add - "},
		{[]string{"help", "completion"}, "bash|zsh|fish"},
	} {
		code, stdout, stderr := runCLI(t, tt.args...)
		if code != ExitOK || !strings.Contains(stdout, tt.want) || stderr != "" {
			t.Errorf("%q: exit %d, stderr %q, stdout has %q: %v", tt.args, code, stderr, tt.want, strings.Contains(stdout, tt.want))
		}
	}
}

// TestFlagPositionsEndToEnd runs real commands against the sandbox with
// their flags before the command, between its words and after its
// arguments.
func TestFlagPositionsEndToEnd(t *testing.T) {
	needBrowser(t)
	srv, url := startSandbox(t)
	srv.AddRoom("Book Club", sandbox.Rain1ove, sandbox.HuiTao)
	on := onSandbox(url)
	for _, line := range [][]string{
		concat([]string{"--json"}, on, []string{"room", "info", "Book Club"}),
		concat([]string{"room", "--json"}, on, []string{"add", "Book Club", "--member", "Boss"}),
		concat([]string{"room", "remove", "Book Club"}, on, []string{"--json", "-m", "Boss"}),
		concat([]string{"--json", "contacts"}, on, []string{"--filter", "Book"}),
		concat([]string{"status"}, on, []string{"--json=true"}),
	} {
		code, stdout, stderr := runCLI(t, line...)
		var env struct {
			OK bool `json:"ok"`
		}
		if err := json.Unmarshal([]byte(stdout), &env); err != nil || code != ExitOK || !env.OK {
			t.Errorf("%q: exit %d, stderr %q, stdout %.300q", line, code, stderr, stdout)
		}
	}
}

func TestNearest(t *testing.T) {
	known := []string{"room", "demo", "status", "login", "logout", "completion"}
	for got, want := range map[string]string{
		"romo": "room", "stauts": "status", "STATUS": "status", "comp": "completion",
		"logn": "login", "bogus": "", "x": "",
	} {
		near := nearest(got, known)
		if (want == "" && len(near) > 0) || (want != "" && (len(near) == 0 || near[0] != want)) {
			t.Errorf("nearest(%q) = %q, want %q first", got, near, want)
		}
	}
}

// TestEnvDoesNotLeakBetweenRuns: a WXCTL_* variable read in one run in
// this process is not the next run's value (urfave/cli v2 stores what it
// read in the flag value; each app has its own).
func TestEnvDoesNotLeakBetweenRuns(t *testing.T) {
	line := []string{"status"}
	t.Run("set", func(t *testing.T) {
		t.Setenv("WXCTL_TIMEOUT", "41s")
		if rec, err := runRecorded(t, timeoutFlag, line); err != nil || rec.flag != "41s" {
			t.Fatalf("with WXCTL_TIMEOUT=41s: %q, %v", rec.flag, err)
		}
	})
	if rec, err := runRecorded(t, timeoutFlag, line); err != nil || rec.flag != "2m0s" {
		t.Errorf("after WXCTL_TIMEOUT was unset: --timeout %q, %v; want the default 2m0s", rec.flag, err)
	}
}
