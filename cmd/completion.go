package cmd

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"
)

var completionCommand = &cli.Command{
	Name:      "completion",
	Usage:     "print a shell completion script: bash, zsh or fish",
	ArgsUsage: "bash|zsh|fish",
	Description: `Prints a script that completes wxctl's commands and flags, made from
wxctl's own definition of them.

Examples:
   source <(wxctl completion bash)          # or put it in ~/.bashrc
   wxctl completion zsh > "${fpath[1]}/_wxctl"
   wxctl completion fish > ~/.config/fish/completions/wxctl.fish`,
	Action: runCompletion,
}

var manCommand = &cli.Command{
	Name:   "man",
	Usage:  "print wxctl's manual page (roff), made from its definition",
	Hidden: true,
	Action: func(c *cli.Context) error {
		if c.NArg() > 0 {
			return usagef("man takes no arguments, got %q", c.Args().First())
		}
		page, err := c.App.ToManWithSection(1)
		if err != nil {
			return err
		}
		_, err = io.WriteString(c.App.Writer, page)
		return err
	},
}

func runCompletion(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("completion takes one shell: bash, zsh or fish (wxctl completion bash)")
	}
	w := c.App.Writer
	switch shell := c.Args().First(); shell {
	case "bash":
		_, err := io.WriteString(w, bashCompletion(c.App))
		return err
	case "zsh":
		_, err := io.WriteString(w, zshCompletion(c.App))
		return err
	case "fish":
		s, err := c.App.ToFishCompletion()
		if err != nil {
			return err
		}
		_, err = io.WriteString(w, s)
		return err
	default:
		msg := fmt.Sprintf("completion: no script for shell %q: give bash, zsh or fish", shell)
		if near := nearest(shell, []string{"bash", "zsh", "fish"}); len(near) > 0 {
			msg += " (did you mean " + strings.Join(near, " or ") + "?)"
		}
		return usagef("%s", msg)
	}
}

// completionWords maps each command path ("", "room", "room create") to
// the words that may follow it: its subcommands and its flags.
func completionWords(app *cli.App) map[string][]string {
	words := map[string][]string{}
	var walk func(path string, cmds []*cli.Command, flags []cli.Flag)
	walk = func(path string, cmds []*cli.Command, flags []cli.Flag) {
		var ws []string
		for _, c := range cmds {
			if !c.Hidden {
				ws = append(ws, c.Name)
			}
		}
		for _, f := range flags {
			ws = append(ws, dashed(f.Names())...)
		}
		ws = append(ws, "--help")
		words[path] = ws
		for _, c := range cmds {
			if !c.Hidden {
				walk(strings.TrimSpace(path+" "+c.Name), c.Subcommands, c.Flags)
			}
		}
	}
	walk("", app.Commands, append(app.Flags, &cli.BoolFlag{Name: "version"}))
	return words
}

// bashCompletion is a bash script that completes from completionWords: the
// command path is the words typed so far that are command names.
func bashCompletion(app *cli.App) string {
	words := completionWords(app)
	paths := make([]string, 0, len(words))
	for p := range words {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var b strings.Builder
	fmt.Fprintf(&b, "# bash completion for %s, made by `%s completion bash`\n", app.Name, app.Name)
	fmt.Fprintf(&b, "_%s_complete() {\n", app.Name)
	b.WriteString("  local cur=\"${COMP_WORDS[COMP_CWORD]}\" path=\"\" w i\n")
	b.WriteString("  for ((i = 1; i < COMP_CWORD; i++)); do\n")
	b.WriteString("    w=\"${COMP_WORDS[i]}\"\n")
	b.WriteString("    [[ $w == -- ]] && break\n")
	b.WriteString("    case \"${path:+$path }$w\" in\n")
	for _, p := range paths {
		if p != "" {
			fmt.Fprintf(&b, "      %q) path=%q ;;\n", p, p)
		}
	}
	b.WriteString("    esac\n  done\n")
	b.WriteString("  local opts\n  case \"$path\" in\n")
	for _, p := range paths {
		fmt.Fprintf(&b, "    %q) opts=%q ;;\n", p, strings.Join(words[p], " "))
	}
	b.WriteString("  esac\n")
	b.WriteString("  COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n}\n")
	fmt.Fprintf(&b, "complete -o default -F _%s_complete %s\n", app.Name, app.Name)
	return b.String()
}

// zshCompletion is the bash script run through zsh's bashcompinit.
func zshCompletion(app *cli.App) string {
	return fmt.Sprintf("#compdef %s\n# zsh completion for %s, made by `%s completion zsh`\nautoload -U +X bashcompinit && bashcompinit\n%s",
		app.Name, app.Name, app.Name, bashCompletion(app))
}
