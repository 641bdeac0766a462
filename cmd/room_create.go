package cmd

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/wxctl/wxctl/browser"
)

var (
	memberFlag = &cli.StringSliceFlag{
		Name:    "member",
		Aliases: []string{"m"},
		Usage:   "a friend to add: NickName, RemarkName, Alias or UserName (@…); repeat for each, at least two",
	}
	topicFlag = &cli.StringFlag{
		Name:  "topic",
		Usage: "the group's name, set through the app's modTopic right after creation",
	}
	messageFlag = &cli.StringFlag{
		Name:  "message",
		Usage: "a first text message to the new group, sent the way the chat box sends it",
	}
)

var roomCreateCommand = &cli.Command{
	Name:      "create",
	Usage:     "create a group through the web app's own chatroomFactory.create and read it back",
	ArgsUsage: " ",
	Description: `Resolves each --member among your friends as the app holds them (an unknown or
ambiguous name is refused with the candidates, before anything is sent), calls
chatroomFactory.create in the page, and reads the new group back through the
app's batch get (webwxbatchgetcontact), as web WeChat itself does.

Success is Ret 0, or Ret -2013 (flagged), with a ChatRoomName.

Example:
   wxctl room create --member Rain1ove --member 迴焘願點 --topic "Weekend hike" --message "Hi all"
   wxctl room create --sandbox --member Rain1ove --member 迴焘願點 --json`,
	Flags:  append([]cli.Flag{memberFlag, topicFlag, messageFlag}, appFlags()...),
	Action: runRoomCreate,
}

func runRoomCreate(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("room create takes no arguments, got %q: name members with --member", c.Args().First())
	}
	names := c.StringSlice(memberFlag.Name)
	if len(names) < 2 {
		return usagef("a group needs at least 2 members besides you: give --member twice or more")
	}
	if err := browser.CheckTopic(c.String(topicFlag.Name)); err != nil {
		return err
	}
	s, err := openSession(c, c.Bool(sandboxFlag.Name))
	if err != nil {
		return nothingSent(err)
	}
	defer s.Close()
	res, self, err := createRoom(s, names, c.String(topicFlag.Name))
	var greeting *browser.SendResult
	if text := c.String(messageFlag.Name); err == nil && text != "" {
		if greeting, err = browser.SendText(s.Context(), s.Page, res.ChatRoomName, text); err != nil {
			err = fmt.Errorf("group %s was created, but the greeting failed: %w", res.ChatRoomName, err)
		}
	}
	return reportRoom(c, s, res, greeting, self, err)
}

// createRoom resolves names among the app's friends and creates the group.
// self is your UserName, for marking you in the output.
func createRoom(s *session, names []string, topic string) (*browser.RoomResult, string, error) {
	book, err := browser.LoadContacts(s.Context(), s.Page)
	if err != nil {
		return nil, "", nothingSent(err)
	}
	members, err := book.ResolveFriends(names)
	if err != nil {
		return nil, book.Self.UserName, nothingSent(err)
	}
	if err := browser.CheckNotSpecial(members); err != nil {
		return nil, book.Self.UserName, err
	}
	if err := browser.CheckRoomMembers(book.Self, members); err != nil {
		return nil, book.Self.UserName, nothingSent(err)
	}
	s.BeginOperation()
	res, err := browser.CreateRoom(s.Context(), s.Page, members, topic)
	return res, book.Self.UserName, err
}

// reportRoom prints the outcome, as JSON or for people, and passes err on
// for the exit code.
func reportRoom(c *cli.Context, s *session, res *browser.RoomResult, greeting *browser.SendResult, self string, err error) error {
	if c.Bool(jsonFlag.Name) {
		out := newRoomJSON(res, s.OpCalls(), err)
		if greeting != nil {
			out.Greeting = &greetingJSON{LocalID: greeting.LocalID, MsgID: greeting.MsgID, Ret: greeting.Ret}
		}
		if werr := writeResult(c.App.Writer, out, err); werr != nil && err == nil {
			return werr
		}
		return err
	}
	if res != nil && res.Created {
		printRoom(c.App.Writer, res, self)
	}
	if greeting != nil && greeting.MsgID != "" {
		fmt.Fprintf(c.App.Writer, "Greeted the group · MsgID %s\n", greeting.MsgID)
	}
	return err
}
