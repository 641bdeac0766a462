package cmd

import (
	"encoding/json"

	"github.com/urfave/cli/v2"
)

var roomInfoCommand = &cli.Command{
	Name:      "info",
	Usage:     "show a group as the app reads it back: topic, owner, members",
	ArgsUsage: "GROUP",
	Description: `GROUP is one of your groups: its topic (emoji as emoji; an ambiguous or
unknown topic is refused with the candidates) or its UserName (@@…).

Reads the group back through the app's own batch get (webwxbatchgetcontact), as
web WeChat does after creating one, and prints its topic, whether you own it,
and every member with NickName and the name they use in the group
(DisplayName).

Example:
   wxctl room info "Weekend Hikers"
   wxctl room info --json @@2d6b…e8f1

Flags may stand anywhere; -- ends them.`,
	Flags:  appFlags(),
	Action: runRoomInfo,
}

func runRoomInfo(c *cli.Context) error {
	if err := wantArgs(c, "GROUP"); err != nil {
		return err
	}
	g, err := openGroup(c, c.Args().First())
	if g == nil {
		return err
	}
	defer g.Close()
	if c.Bool(jsonFlag.Name) {
		out := roomInfoJSON{OK: err == nil, Calls: callsJSON(g.OpCalls()), ExitCode: ExitCode(err), Error: errText(err)}
		if g.room != nil {
			out.Room, out.Info = newGroupJSON(g.room, g.book.Self.UserName), g.info
		}
		return writeOutput(c, out, err)
	}
	if g.room != nil {
		printGroup(c.App.Writer, g.room, g.book.Self.UserName)
	}
	return err
}

// roomInfoJSON is the --json output of room info.
type roomInfoJSON struct {
	OK       bool            `json:"ok"`
	Room     *groupJSON      `json:"room"`
	Info     json.RawMessage `json:"info"`
	Calls    []callJSON      `json:"calls"`
	Error    string          `json:"error,omitempty"`
	ExitCode int             `json:"exitCode"`
}
