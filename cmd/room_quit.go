package cmd

import (
	"github.com/urfave/cli/v2"

	"github.com/wxctl/wxctl/browser"
)

var roomQuitCommand = &cli.Command{
	Name:      "quit",
	Usage:     "leave a group through the app's chatroomFactory.quit",
	ArgsUsage: "GROUP",
	Description: `GROUP is one of your groups, by topic or UserName (@@…). You leave it; if you
own it, WeChat hands it on to another member.

The app's quit returns nothing, so wxctl reports the Ret of the app's own
webwxupdatechatroom?fun=quitchatroom call with its meaning, and the group as
read back afterwards (without you in it).

Example:
   wxctl room quit "Old Project"
   wxctl room quit --json @@2d6b…e8f1

Flags may stand anywhere; -- ends them.`,
	Flags:  appFlags(),
	Action: runRoomQuit,
}

func runRoomQuit(c *cli.Context) error {
	if err := wantArgs(c, "GROUP"); err != nil {
		return err
	}
	return runChange(c, "quit", "", func(g *groupSession) ([]browser.Contact, *browser.RoomChange, error) {
		ch, err := browser.QuitRoom(g.Context(), g.Page, g.room.UserName)
		return nil, ch, err
	})
}
