package cmd

import (
	"github.com/urfave/cli/v2"

	"github.com/wxctl/wxctl/browser"
)

var roomTopicCommand = &cli.Command{
	Name:      "topic",
	Usage:     "rename a group through the app's chatroomFactory.modTopic",
	ArgsUsage: "GROUP \"NEW TOPIC\"",
	Description: `GROUP is one of your groups, by topic or UserName (@@…). The new topic is
sent as typed (emoji included; "" removes the topic). WeChat limits its length.

The app's modTopic returns nothing, so wxctl reports the Ret of the app's own
webwxupdatechatroom?fun=modtopic call with its meaning, and the group as read
back afterwards.

Example:
   wxctl room topic "Weekend Hikers" "Hikers 🥾 2025"
   wxctl room topic --json @@2d6b…e8f1 "Book Club"

Flags may stand anywhere; -- ends them.`,
	Flags:  appFlags(),
	Action: runRoomTopic,
}

func runRoomTopic(c *cli.Context) error {
	if err := wantArgs(c, "GROUP", `"NEW TOPIC"`); err != nil {
		return err
	}
	topic := c.Args().Get(1)
	return runChange(c, "topic", topic, func(g *groupSession) ([]browser.Contact, *browser.RoomChange, error) {
		ch, err := browser.RenameRoom(g.Context(), g.Page, g.room.UserName, topic)
		return nil, ch, err
	})
}
