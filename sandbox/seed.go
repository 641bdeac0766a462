package sandbox

import "strings"

// UserNames of the seed people. The first three come from the seed exchange
// (seeds/000_d435c6d000276e86.txt); the others are fixed so that tests and
// golden files can name them. Room UserNames are random per room.
const (
	// SelfUserName is the logged-in user; the NickName is SelfNickName.
	SelfUserName = "@34ec15a61cf54e046611216d557409a82234b496a7d6ed59cec95cc99c9f9d39"
	// Rain1ove is the friend with NickName "Rain1ove".
	Rain1ove = "@d90971cfd323a2e2c13d345a9e1ca5c5608fefdae670c1ce470b2d10a86fd847"
	// HuiTao is the friend with NickName "迴焘願點". (The contract named the
	// constant 迴焘願點, but a Go name must start with an upper-case letter to
	// be exported, and CJK letters have no case.)
	HuiTao = "@53f3c05380da953d19116b903fcb9d9db287b138622f3ad902e6e88928cb3721"
	// ZhangWei is the friend with NickName "Zhang Wei" and RemarkName "Boss".
	ZhangWei = "@902f7d6ffdf7e648f00e6d7709bde564dc013a9ff857ab8479d415dcc6ecc474"
	// Alice is the friend with NickName "Alice" and Alias "alice_w".
	Alice = "@f847d4cfd8ba044fdf037d38b8298ca6c2fcbbb4fb926c20b34581a9c2d85be9"
	// Tom1 is the first of two friends both named "Tom".
	Tom1 = "@86cf071d358fe2f2866d3d8d7e08b4a1cc28d658635ca9be6c019700d472dcf5"
	// Tom2 is the second friend named "Tom".
	Tom2 = "@18e4f2cb02169130d4f4aa5bc4145dd2d99032595369139b8f47f61beed5fad4"
	// Quote is the friend whose NickName, QuoteNickName, holds characters
	// that break naive quoting in JavaScript, JSON and HTML.
	Quote = "@7edb56c4e42c447c45b4f146a232618727dfd930b88619242292fa822d27dc81"
	// Bob is an ordinary friend; he owns the seed room SeedRoomTopic.
	Bob = "@eaca8250d2b7f306840d956d1064580742bd0ee0478ee77d1700fd39c387bfbf"
	// Carol is an ordinary friend.
	Carol = "@088810182f8f9f1e3133fcd68bde845ec7ce417473fb46d777845a6c6a2a73c6"
	// Dave is an ordinary friend.
	Dave = "@53fe0b0c253018c136c2c57086c30920ab0f0ae7bdd6803ad5389cc007b5d84a"
	// Eve is an ordinary friend.
	Eve = "@15a10a086cabbfa2cd45d6c54a6c0dcc570fa205d93708df7ca120a00ee2dfd0"
	// Frank is an ordinary friend.
	Frank = "@08f5da32e6b1cc7c99da4e2c8c49282b73af23b6fc21df8f13f89bf4463cc536"
	// Grace is not a friend: she is only a member of the seed room, so the
	// server refuses her as a member of a new room (Ret 1204).
	Grace = "@83ed714b03e3e55ad3e33929913fd6b498f714c5f983f588a426a3a1fadbf006"
)

// Special accounts the real server lists among the friends
// (webwxgetcontact), by their fixed UserNames: they can be sent to, but
// they are not people and cannot join a room.
const (
	// WeixinTeam is 微信团队, WeChat's own account.
	WeixinTeam = "weixin"
	// FileHelper is 文件传输助手, the account that passes files and notes
	// to your own phone.
	FileHelper = "filehelper"
	// MediaNote is 语音记事本, one of the app's other special accounts.
	MediaNote = "medianote"
)

// SelfNickName is the seed's NickName of the logged-in user: emoji markup,
// which the server sends as is.
const SelfNickName = `<span class="emoji emoji1f601"></span> <span class="emoji emoji1f602"></span> <span class="emoji emoji1f603"></span> <span class="emoji emoji1f604"></span> <span class="emoji emoji1f47f"></span> <span class="emoji emoji1f60f"></span>`

// QuoteNickName is the hostile NickName of Quote as the server sends it:
// what the person typed, `Quote "Q" \ </script>`, HTML-escaped, as the real
// server escapes names people type.
const QuoteNickName = `Quote "Q" \ &lt;/script&gt;`

// SeedRoomTopic is the topic of the room that exists from the start: owned by
// Bob (so a delmember by the user answers Ret -66), with the user, Bob, Carol
// and Grace as members.
const SeedRoomTopic = "Weekend Hikers"

// seedPerson is one row of the seed table; the other Contact fields get the
// values the real server sends for a plain friend.
type seedPerson struct {
	userName, nickName, remarkName, alias string
	pyInitial, pyQuanPin                  string
	attrStatus                            int64
	sex                                   int
	verifyFlag                            int
	friend                                bool
	special                               bool // a special account, not a person
}

var seedPeople = []seedPerson{
	{userName: Rain1ove, nickName: "Rain1ove", pyInitial: "RAIN1OVE", pyQuanPin: "Rain1ove", attrStatus: 234169, sex: 2, friend: true},
	{userName: HuiTao, nickName: "迴焘願點", attrStatus: 102501, sex: 1, friend: true},
	{userName: ZhangWei, nickName: "Zhang Wei", remarkName: "Boss", pyInitial: "ZW", pyQuanPin: "ZhangWei", attrStatus: 102437, sex: 1, friend: true},
	{userName: Alice, nickName: "Alice", alias: "alice_w", pyInitial: "ALICE", pyQuanPin: "Alice", attrStatus: 233573, sex: 2, friend: true},
	{userName: Tom1, nickName: "Tom", pyInitial: "TOM", pyQuanPin: "Tom", attrStatus: 102501, sex: 1, friend: true},
	{userName: Tom2, nickName: "Tom", pyInitial: "TOM", pyQuanPin: "Tom", attrStatus: 4133, sex: 1, friend: true},
	{userName: Quote, nickName: QuoteNickName, pyInitial: "QUOTEQSCRIPT", pyQuanPin: "QuoteQscript", attrStatus: 4197, friend: true},
	{userName: Bob, nickName: "Bob", pyInitial: "BOB", pyQuanPin: "Bob", attrStatus: 102437, sex: 1, friend: true},
	{userName: Carol, nickName: "Carol", pyInitial: "CAROL", pyQuanPin: "Carol", attrStatus: 233509, sex: 2, friend: true},
	{userName: Dave, nickName: "Dave", pyInitial: "DAVE", pyQuanPin: "Dave", attrStatus: 4133, sex: 1, friend: true},
	{userName: Eve, nickName: "Eve", pyInitial: "EVE", pyQuanPin: "Eve", attrStatus: 102501, sex: 2, friend: true},
	{userName: Frank, nickName: "Frank", pyInitial: "FRANK", pyQuanPin: "Frank", attrStatus: 4197, sex: 1, friend: true},
	{userName: Grace, nickName: "Grace", attrStatus: 4133, sex: 2},
	{userName: WeixinTeam, nickName: "微信团队", pyInitial: "WXTD", pyQuanPin: "weixintuandui", verifyFlag: 56, friend: true, special: true},
	{userName: FileHelper, nickName: "文件传输助手", pyInitial: "WJCSZS", pyQuanPin: "wenjianchuanshuzhushou", friend: true, special: true},
	{userName: MediaNote, nickName: "语音记事本", pyInitial: "YYJSB", pyQuanPin: "yuyinjishiben", friend: true, special: true},
}

// selfAttrStatus is the user's AttrStatus in the seed's room read-back.
const selfAttrStatus = 102437

// Contact flags as the app's confFactory names them.
const (
	contactFlagContact     = 1
	contactFlagChatContact = 2
)

func (p seedPerson) contact(skey string) Contact {
	c := Contact{
		UserName:        p.userName,
		NickName:        p.nickName,
		HeadImgURL:      iconURL(p.userName, skey),
		ContactFlag:     contactFlagContact | contactFlagChatContact,
		MemberList:      []Member{},
		RemarkName:      p.remarkName,
		Sex:             p.sex,
		VerifyFlag:      p.verifyFlag,
		PYInitial:       p.pyInitial,
		PYQuanPin:       p.pyQuanPin,
		AttrStatus:      p.attrStatus,
		Alias:           p.alias,
		SnsFlag:         17,
		EncryChatRoomID: "",
	}
	if p.remarkName != "" {
		c.RemarkPYInitial = strings.ToUpper(p.remarkName)
		c.RemarkPYQuanPin = p.remarkName
	}
	if !p.friend {
		c.ContactFlag = 0
	}
	return c
}

// iconURL is a person's HeadImgUrl. Like the real server's, it carries the
// Skey, which is one more secret for the redaction tests to find.
func iconURL(userName, skey string) string {
	return "/cgi-bin/mmwebwx-bin/webwxgeticon?seq=" + itoa(randomInt(600_000_000, 700_000_000)) +
		"&username=" + userName + "&skey=" + skey
}

// headImgURL is a room's HeadImgUrl, with an empty skey as in the seed.
func headImgURL(userName string, seq int64) string {
	return "/cgi-bin/mmwebwx-bin/webwxgetheadimg?seq=" + itoa(seq) + "&username=" + userName + "&skey="
}
