package cmd

import (
	"github.com/urfave/cli/v2"

	"github.com/wxctl/wxctl/browser"
)

// This file holds the commands that change who is in a group: room add and
// room remove.

// changeMemberFlag names the people of room add and room remove.
var changeMemberFlag = &cli.StringSliceFlag{
	Name:    "member",
	Aliases: []string{"m"},
	Usage:   "a person: NickName, RemarkName, Alias, name in the group or UserName (@…); repeat for each",
}

var roomAddCommand = &cli.Command{
	Name:      "add",
	Usage:     "add people to a group through the app's chatroomFactory.addMember",
	ArgsUsage: "GROUP",
	Description: `GROUP is one of your groups, by topic or UserName (@@…). Each --member is one
of your friends (or somebody you share a group with, whom WeChat will likely
refuse with Ret 1204). Members already in the group, yourself, and anybody
named twice are refused before anything is sent.

The app's addMember takes the UserNames comma-joined and itself chooses
webwxupdatechatroom?fun=addmember, or fun=invitemember once the group would
reach 40 members: wxctl says which one happened, because an invitation is not a
membership. It reports WeChat's Ret with its meaning (1 or 1205: rate limited,
1204: not a friend) and the group as read back afterwards.

Example:
   wxctl room add --member Dave --member Boss "Weekend Hikers"
   wxctl room add --json -m alice_w @@2d6b…e8f1

Flags may stand anywhere; -- ends them.`,
	Flags:  append([]cli.Flag{changeMemberFlag}, appFlags()...),
	Action: runRoomAdd,
}

func runRoomAdd(c *cli.Context) error {
	if err := wantArgs(c, "GROUP"); err != nil {
		return err
	}
	names := c.StringSlice(changeMemberFlag.Name)
	if len(names) == 0 {
		return usagef("name the people to add with --member")
	}
	return runChange(c, "add", "", func(g *groupSession) ([]browser.Contact, *browser.RoomChange, error) {
		mates, err := browser.GroupMates(g.Context(), g.Page)
		if err != nil {
			return nil, nil, err
		}
		members, err := g.book.ResolveNewMembers(g.room, names, mates)
		if err != nil {
			return nil, nil, err
		}
		ch, err := browser.AddMembers(g.Context(), g.Page, g.room.UserName, members)
		return members, ch, err
	})
}

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
