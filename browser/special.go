package browser

import (
	"fmt"
	"strings"
)

// specialAccounts are the UserNames of WeChat's own accounts, which the app
// lists among your friends (getAllFriendContact) when the server does:
// 微信团队 (weixin), 文件传输助手 (filehelper), and the app's other special
// accounts (newsapp, fmessage, medianote, …). They can be sent to, as
// filehelper is every day, but they are not people: a group cannot have
// them as members.
var specialAccounts = map[string]bool{
	"weixin": true, "filehelper": true, "newsapp": true, "fmessage": true,
	"weibo": true, "qqmail": true, "tmessage": true, "qmessage": true, "qqsync": true,
	"floatbottle": true, "lbsapp": true, "shakeapp": true, "medianote": true,
	"qqfriend": true, "readerapp": true, "blogapp": true, "facebookapp": true,
	"masssendapp": true, "meishiapp": true, "feedsapp": true, "voip": true,
	"blogappweixin": true, "brandsessionholder": true, "weixinreminder": true,
	"officialaccounts": true, "notification_messages": true,
}

// IsSpecialUserName reports whether userName is one of WeChat's special
// accounts (see Contact.IsSpecial). Their UserNames are fixed words, not
// "@…"; QQ contacts end in "@qqim".
func IsSpecialUserName(userName string) bool {
	return specialAccounts[userName] || strings.HasSuffix(userName, "@qqim")
}

// IsSpecial reports whether the contact is one of WeChat's special
// accounts (微信团队, 文件传输助手, …), which the app lists among your
// friends but which are not people who can join a group.
func (c Contact) IsSpecial() bool { return IsSpecialUserName(c.UserName) }

// specialProblem is why a special account cannot be a member.
func specialProblem(c Contact) string {
	return fmt.Sprintf("%s (%s) is a special account of WeChat, not a person: it cannot be a member of a group",
		c.Label(), c.UserName)
}

// CheckNotSpecial refuses special accounts among the members of a group,
// naming every one of them, before anything is sent.
func CheckNotSpecial(members []Contact) error {
	var problems []string
	for _, m := range members {
		if m.IsSpecial() {
			problems = append(problems, specialProblem(m))
		}
	}
	if len(problems) > 0 {
		return &NameError{Problems: problems}
	}
	return nil
}
