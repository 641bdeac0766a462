package cmd

import "github.com/urfave/cli/v2"

var roomCommand = &cli.Command{
	Name:  "room",
	Usage: "create and manage groups (chat rooms)",
	Subcommands: []*cli.Command{
		roomCreateCommand, roomBatchCommand,
		roomInfoCommand, roomAddCommand, roomRemoveCommand, roomTopicCommand, roomQuitCommand,
	},
}
