package sandbox

// Wire shapes of the API answers. Field order follows the seed and the real
// server, because encoding/json writes struct fields in declaration order.
// Every answer type has a constructor that fills slices with empty ones, so
// that even an error answer has the real shape ("MemberList": [] rather than
// null).

// Ret values the sandbox answers, from the table in WEBWX.md.
const (
	retOK            = 0
	retSystem        = -1    // system error: fewer than two members on create
	retLogic         = -2    // logic error: topic too long, not in the room, removing yourself
	retNotOwner      = -66   // delmember by somebody who does not own the room
	retLoggedOut     = 1101  // session gone
	retBadRequest    = 1200  // malformed request, unknown room or fun, Count > 50
	retBadMember     = 1204  // not a friend, yourself, or a duplicate
	retCreateFlagged = -2013 // create made the room but answers a warning
)

type baseResponse struct {
	Ret    int
	ErrMsg string
}

// envelope is embedded first in every JSON answer.
type envelope struct {
	BaseResponse baseResponse
}

func (e *envelope) setBase(ret int, msg string) { e.BaseResponse = baseResponse{Ret: ret, ErrMsg: msg} }

// answer is a JSON answer whose BaseResponse can be set.
type answer interface{ setBase(ret int, msg string) }

type syncKey struct {
	Count int
	List  []syncKeyItem
}

type syncKeyItem struct {
	Key int
	Val int64
}

// user is the User object of webwxinit.
type user struct {
	Uin               int64
	UserName          string
	NickName          string
	HeadImgURL        string `json:"HeadImgUrl"`
	RemarkName        string
	PYInitial         string
	PYQuanPin         string
	RemarkPYInitial   string
	RemarkPYQuanPin   string
	HideInputBarFlag  int
	StarFriend        int
	Sex               int
	Signature         string
	AppAccountFlag    int
	VerifyFlag        int
	ContactFlag       int
	WebWxPluginSwitch int
	HeadImgFlag       int
	SnsFlag           int
}

type initAnswer struct {
	envelope
	Count               int
	ContactList         []Contact
	SyncKey             syncKey
	User                user
	ChatSet             string
	SKey                string
	ClientVersion       int
	SystemTime          int64
	GrayScale           int
	InviteStartCount    int
	MPSubscribeMsgCount int
	MPSubscribeMsgList  []struct{}
	ClickReportInterval int
}

func newInitAnswer() answer {
	return &initAnswer{ContactList: []Contact{}, SyncKey: syncKey{List: []syncKeyItem{}}, MPSubscribeMsgList: []struct{}{}}
}

type getContactAnswer struct {
	envelope
	MemberCount int
	MemberList  []Contact
	Seq         int
}

func newGetContactAnswer() answer { return &getContactAnswer{MemberList: []Contact{}} }

type batchAnswer struct {
	envelope
	Count       int
	ContactList []Contact
}

func newBatchAnswer() answer { return &batchAnswer{ContactList: []Contact{}} }

type createAnswer struct {
	envelope
	Topic        string
	PYInitial    string
	QuanPin      string
	MemberCount  int
	MemberList   []Member
	ChatRoomName string
	BlackList    string
}

func newCreateAnswer() answer { return &createAnswer{MemberList: []Member{}} }

type updateAnswer struct {
	envelope
	MemberCount int
	MemberList  []Member
}

func newUpdateAnswer() answer { return &updateAnswer{MemberList: []Member{}} }

type statusNotifyAnswer struct {
	envelope
	MsgID string
}

func newStatusNotifyAnswer() answer { return &statusNotifyAnswer{} }

// searchEntry is a webwxsearchcontact hit: the contact plus the
// EncryUserName the app's remoteSearch looks up in its contact map.
type searchEntry struct {
	Contact
	EncryUserName string
}

type searchAnswer struct {
	envelope
	Count int
	List  []searchEntry
}

func newSearchAnswer() answer { return &searchAnswer{List: []searchEntry{}} }

type buff struct{ Buff string }

type profile struct {
	BitFlag           int
	UserName          buff
	NickName          buff
	BindUin           int
	BindEmail         buff
	BindMobile        buff
	Status            int
	Sex               int
	PersonalCard      int
	Alias             string
	HeadImgUpdateFlag int
	HeadImgURL        string `json:"HeadImgUrl"`
	Signature         string
}

// message is an AddMsgList entry.
type message struct {
	MsgID                string `json:"MsgId"`
	FromUserName         string
	ToUserName           string
	MsgType              int
	Content              string
	Status               int
	ImgStatus            int
	CreateTime           int64
	VoiceLength          int
	PlayLength           int
	FileName             string
	FileSize             string
	MediaID              string `json:"MediaId"`
	URL                  string `json:"Url"`
	AppMsgType           int
	StatusNotifyCode     int
	StatusNotifyUserName string
	ForwardFlag          int
	HasProductID         int `json:"HasProductId"`
	Ticket               string
	ImgHeight            int
	ImgWidth             int
	SubMsgType           int
	NewMsgID             int64 `json:"NewMsgId"`
	OriContent           string
}

// msgTypeSys is the MsgType of system messages ("你邀请…加入了群聊").
const msgTypeSys = 10000

type syncAnswer struct {
	envelope
	AddMsgCount            int
	AddMsgList             []message
	ModContactCount        int
	ModContactList         []Contact
	DelContactCount        int
	DelContactList         []Contact
	ModChatRoomMemberCount int
	ModChatRoomMemberList  []Contact
	Profile                profile
	ContinueFlag           int
	SyncKey                syncKey
	SKey                   string
	SyncCheckKey           syncKey
}

func newSyncAnswer() answer {
	return &syncAnswer{
		AddMsgList: []message{}, ModContactList: []Contact{}, DelContactList: []Contact{},
		ModChatRoomMemberList: []Contact{},
		SyncKey:               syncKey{List: []syncKeyItem{}}, SyncCheckKey: syncKey{List: []syncKeyItem{}},
	}
}
