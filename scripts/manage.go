package scripts

import _ "embed"

// The scripts of group management and messages. Each Source is one
// JavaScript function expression taking its arguments as JSON values.
var (
	//go:embed send_text.js
	sendTextSource string
	//go:embed group_mates.js
	groupMatesSource string

	// SendText sends a text message through chatFactory the way the page's
	// own chat box does and returns the message's LocalID, ClientMsgId and
	// MMSendContent (see send_text.js).
	SendText = Script{Name: "sendText", Source: sendTextSource}
	// GroupMates lists the people you share a group with who are not your
	// friends, from what the app holds, without asking the server (see
	// group_mates.js).
	GroupMates = Script{Name: "groupMates", Source: groupMatesSource}
)
