package cmd

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// wantArgs refuses anything but exactly the named arguments. Flags stop
// at the first argument (urfave/cli), so a flag after one arrives as an
// argument: the message says where flags go.
func wantArgs(c *cli.Context, names ...string) error {
	if c.NArg() == len(names) {
		return nil
	}
	usage := commandPath(c) + " [flags] " + strings.Join(names, " ") // "wxctl room add [flags] GROUP"
	for _, a := range c.Args().Slice() {
		if strings.HasPrefix(a, "-") {
			return usagef("flags go before the arguments (%s), got %q after them", usage, a)
		}
	}
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
