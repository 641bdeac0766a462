package cmd

import (
	"github.com/urfave/cli/v2"

	"github.com/wxctl/wxctl/browser"
)

var roomRemoveCommand = &cli.Command{
	Name:      "remove",
	Usage:     "remove members from a group through the app's chatroomFactory.delMember",
	ArgsUsage: "GROUP",
	Description: `GROUP is one of your groups, by topic or UserName (@@…). Each --member is a
member of it: NickName, the RemarkName or Alias you gave a friend, the name they
use in the group, or UserName. People not in the group, yourself (use room
quit) and anybody named twice are refused before anything is sent.

The app's delMember takes one UserName, so wxctl calls it once per member and
stops at the first refusal. Only the owner may remove (Ret -66 otherwise).
Each webwxupdatechatroom?fun=delmember answer is reported with its meaning, and
the group as read back afterwards.

Example:
   wxctl room remove --member Dave "Book Club"
   wxctl room remove --json -m Dave -m Eve "Book Club"

Flags may stand anywhere; -- ends them.`,
	Flags:  append([]cli.Flag{changeMemberFlag}, appFlags()...),
	Action: runRoomRemove,
}

func runRoomRemove(c *cli.Context) error {
	if err := wantArgs(c, "GROUP"); err != nil {
		return err
	}
	names := c.StringSlice(changeMemberFlag.Name)
	if len(names) == 0 {
		return usagef("name the members to remove with --member")
	}
	return runChange(c, "remove", "", func(g *groupSession) ([]browser.Contact, *browser.RoomChange, error) {
		members, err := g.book.ResolveRoomMembers(g.room, names)
		if err != nil {
			return nil, nil, err
		}
		ch, err := browser.RemoveMembers(g.Context(), g.Page, g.room.UserName, members)
		return members, ch, err
	})
}
