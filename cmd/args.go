package cmd

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
)

// urfave/cli v2 reads a command's flags only between the command's name and
// its first argument, and the app's own flags only before the command. People
// type flags where they think of them: before the command (`wxctl --json room
// create`, as `git -C`), between command words, and after the arguments (`wxctl
// room add Hike --member Carol`, as gh does). placeArgs reads the command line
// against the app definition and moves every flag to where urfave reads it:
// after the deepest command name, before the arguments. `--` ends the flags.

// placedArgs is a command line read against the app definition.
type placedArgs struct {
	// args is the command line in the order urfave/cli reads it.
	args []string
	// path is the command's names: ["room", "create"].
	path []string
	// json is whether --json was asked for, on the line or in WXCTL_JSON.
	json bool
}

// flagKind is what the pre-pass knows of one flag name.
type flagKind struct {
	takesValue bool
}

// appFlagKinds maps every flag name and alias of the app's commands to its
// kind. A name means the same on every command that has it.
func appFlagKinds(app *cli.App) map[string]flagKind {
	kinds := map[string]flagKind{"help": {}, "h": {}, "version": {}, "v": {}}
	var walk func(cmds []*cli.Command)
	add := func(flags []cli.Flag) {
		for _, f := range flags {
			k := flagKind{}
			if d, ok := f.(cli.DocGenerationFlag); ok {
				k.takesValue = d.TakesValue()
			}
			for _, n := range f.Names() {
				kinds[n] = k
			}
		}
	}
	add(app.Flags)
	walk = func(cmds []*cli.Command) {
		for _, c := range cmds {
			add(c.Flags)
			walk(c.Subcommands)
		}
	}
	walk(app.Commands)
	return kinds
}

// findCommand returns the command of cmds named name (or aliased so).
func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

// flagName is the name in a flag token: "json" for --json, -json and
// --json=true; ok is false for a token that is not a flag ("-", "x").
func flagName(tok string) (name string, inlineValue bool, ok bool) {
	if len(tok) < 2 || tok[0] != '-' {
		return "", false, false
	}
	name = strings.TrimPrefix(strings.TrimPrefix(tok, "-"), "-")
	if name == "" || name[0] == '-' {
		return "", false, false
	}
	if i := strings.IndexByte(name, '='); i >= 0 {
		return name[:i], true, true
	}
	return name, false, true
}

// placeArgs reads args (os.Args form) against app and returns them in the
// order urfave/cli reads them. An unknown command or flag is a usage error
// that names the nearest known ones. `wxctl help CMD…` becomes `wxctl CMD…
// --help`.
func placeArgs(app *cli.App, args []string) (placedArgs, error) {
	out := placedArgs{json: envBool("WXCTL_JSON")}
	if len(args) == 0 {
		return out, nil
	}
	kinds := appFlagKinds(app)
	var (
		cmds     = app.Commands
		leaf     *cli.Command
		flags    []string // flag tokens with their values, in order
		names    []string // the flag names in flags, for checking
		pos      []string // arguments
		rest     []string // arguments after --
		dashdash bool
		help     bool
	)
	rawArgs := args[1:]
	if len(rawArgs) > 0 && rawArgs[0] == "help" {
		help, rawArgs = true, rawArgs[1:]
	}
	for i := 0; i < len(rawArgs); i++ {
		tok := rawArgs[i]
		if tok == "--" {
			dashdash, rest = true, rawArgs[i+1:]
			break
		}
		if name, inline, ok := flagName(tok); ok {
			k, known := kinds[name]
			if !known {
				// Whether it takes a value is unknown, so is the rest.
				return out, unknownFlag(app, leaf, out.path, name, kinds)
			}
			flags, names = append(flags, tok), append(names, name)
			if known && k.takesValue && !inline && i+1 < len(rawArgs) {
				i++
				flags = append(flags, rawArgs[i])
			}
			if name == "json" {
				out.json = tokBool(tok, true)
			}
			continue
		}
		if len(pos) == 0 && (leaf == nil || len(leaf.Subcommands) > 0) {
			if c := findCommand(cmds, tok); c != nil {
				leaf, cmds = c, c.Subcommands
				out.path = append(out.path, c.Name)
				continue
			}
			if leaf == nil || leaf.Action == nil {
				return out, unknownCommand(app, out.path, cmds, tok)
			}
		}
		pos = append(pos, tok)
	}
	if help {
		flags, names = append(flags, "--help"), append(names, "help")
	}
	if slices.Contains(names, "help") || slices.Contains(names, "h") {
		// urfave/cli reads an argument next to --help as a help topic.
		pos, rest, dashdash = nil, nil, false
	}
	if err := checkFlags(app, leaf, out.path, names); err != nil {
		return out, err
	}
	if leaf == nil && slices.ContainsFunc(names, func(n string) bool { return n == "version" || n == "v" }) {
		// --version is the app's own: it stands before any command.
		out.args = append([]string{args[0]}, flags...)
		return out, nil
	}
	out.args = append([]string{args[0]}, out.path...)
	out.args = append(out.args, flags...)
	if dashdash {
		out.args = append(out.args, "--")
	}
	out.args = append(out.args, pos...)
	out.args = append(out.args, rest...)
	return out, nil
}

// unknownFlag is the usage error for a flag no command has.
func unknownFlag(app *cli.App, leaf *cli.Command, path []string, name string, kinds map[string]flagKind) error {
	where := strings.Join(append([]string{app.Name}, path...), " ")
	var known []string
	if leaf != nil {
		for _, f := range leaf.Flags {
			known = append(known, f.Names()...)
		}
	}
	if len(known) == 0 {
		for k := range kinds {
			known = append(known, k)
		}
		slices.Sort(known)
	}
	msg := fmt.Sprintf("%s has no flag --%s", where, name)
	if near := nearest(name, known); len(near) > 0 {
		msg += "; did you mean " + strings.Join(dashed(near), " or ") + "?"
	}
	return usageError{fmt.Errorf("%s (see %s --help)", msg, where)}
}

// checkFlags refuses a flag that the command does not have, naming the
// nearest ones it has.
func checkFlags(app *cli.App, leaf *cli.Command, path []string, names []string) error {
	known := []string{"help", "h"}
	where := app.Name
	if leaf == nil {
		known = append(known, "version", "v")
		for _, f := range app.Flags {
			known = append(known, f.Names()...)
		}
	} else {
		where += " " + strings.Join(path, " ")
		for _, f := range leaf.Flags {
			known = append(known, f.Names()...)
		}
	}
	for _, n := range names {
		if slices.Contains(known, n) {
			continue
		}
		msg := fmt.Sprintf("%s has no flag --%s", where, n)
		if leaf == nil && len(app.Flags) == 0 {
			msg = fmt.Sprintf("--%s needs a command: it is a flag of the commands (wxctl --help lists them)", n)
		}
		if near := nearest(n, known); len(near) > 0 {
			msg += "; did you mean " + strings.Join(dashed(near), " or ") + "?"
		}
		return usageError{fmt.Errorf("%s (see %s --help)", msg, where)}
	}
	return nil
}

func dashed(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		if len(n) == 1 {
			out[i] = "-" + n
		} else {
			out[i] = "--" + n
		}
	}
	return out
}

// unknownCommand is the usage error for a word that is no command of the
// commands cmds (under path).
func unknownCommand(app *cli.App, path []string, cmds []*cli.Command, word string) error {
	where := strings.Join(append([]string{app.Name}, path...), " ")
	var names []string
	for _, c := range cmds {
		if !c.Hidden {
			names = append(names, c.Names()...)
		}
	}
	msg := fmt.Sprintf("%s has no command %q", where, word)
	if near := nearest(word, names); len(near) > 0 {
		msg += "; did you mean " + strings.Join(near, " or ") + "?"
	}
	return usageError{fmt.Errorf("%s (see %s --help)", msg, where)}
}

// nearest returns the known names closest to got, case ignored: those
// within an edit distance of a third of its length (at least 1), or that it
// begins.
func nearest(got string, known []string) []string {
	got = strings.ToLower(got)
	best, bestDist := []string(nil), max(1, len([]rune(got))/3)+1
	for _, k := range known {
		d := editDistanceRunes(got, strings.ToLower(k))
		if len(got) >= 3 && strings.HasPrefix(strings.ToLower(k), got) {
			d = min(d, 1)
		}
		switch {
		case d < bestDist:
			best, bestDist = []string{k}, d
		case d == bestDist && !slices.Contains(best, k):
			best = append(best, k)
		}
	}
	if len(best) > 3 {
		best = best[:3]
	}
	return best
}

// editDistanceRunes is the edit distance of a and b in runes, a swap of
// two neighbours counting as one edit ("stauts" is 1 from "status").
func editDistanceRunes(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// tokBool is the value of a bool flag token: --json, --json=false.
func tokBool(tok string, def bool) bool {
	i := strings.IndexByte(tok, '=')
	if i < 0 {
		return def
	}
	v, err := strconv.ParseBool(tok[i+1:])
	return err == nil && v
}

func envBool(name string) bool {
	v, err := strconv.ParseBool(os.Getenv(name))
	return err == nil && v
}

// wantArgs refuses anything but exactly the named arguments. (Flags may
// stand anywhere: placeArgs has moved them before the arguments.)
func wantArgs(c *cli.Context, names ...string) error {
	if c.NArg() == len(names) {
		return nil
	}
	usage := commandPath(c) + " [flags] " + strings.Join(names, " ") // "wxctl room add [flags] GROUP"
	hint := usage
	if c.NArg() > len(names) {
		hint = "quote a name with spaces: " + usage
	}
	return usagef("%s takes %s, got %d argument(s) (%s)",
		strings.TrimPrefix(commandPath(c), c.App.Name+" "), strings.Join(names, " "), c.NArg(), hint)
}

// commandPath is how the running command is called: "wxctl room add".
// (Command.HelpName is no help: the command values are shared by every
// app NewApp builds, and each run prefixes it again.)
func commandPath(c *cli.Context) string {
	var path []string
	for _, l := range c.Lineage() {
		if l.Command != nil && l.Command.Name != "" && l.Command.Name != c.App.Name {
			path = append([]string{l.Command.Name}, path...)
		}
	}
	return strings.Join(append([]string{c.App.Name}, path...), " ")
}
