// Package sandbox is the local stand-in of web WeChat (wx.qq.com) that the
// tests and `make demo` run wxctl against.
//
// It is a Go HTTP server that serves a page running real AngularJS (Debian's
// libjs-angularjs, 1.8) with the module, service names, method signatures
// and request shapes of the real web client, and API handlers that answer
// in the shapes the real server sends (seeds/000_d435c6d000276e86.txt). wxctl
// drives it exactly as it drives the real app: through
// angular.element(document).injector().get(NAME) and the network.
//
// # The page
//
// GET / renders the app with window.MMCgi.isLogin, which the page, like the
// real one, never changes: after a QR log-in in the page it stays false, and
// the app's user (accountFactory.getUserInfo(), set from webwxinit's answer)
// says that the session started. The module "Services"
// holds confFactory, utilFactory, accountFactory, loginFactory, appFactory,
// contactFactory, chatFactory and chatroomFactory; the module "webwxApp"
// adds the $http interceptor (pass_ticket and lang on every
// /cgi-bin/mmwebwx-bin/ call) and the start-up flow. Logged in, the page
// calls webwxnewloginpage (to learn its Skey and pass_ticket, as right after
// a login), webwxinit, webwxgetcontact, webwxstatusnotify, then loops on
// synccheck (a <script> long poll, like the real push host) and webwxsync,
// applying ModContactList, DelContactList and AddMsgList. The friends are
// loaded once contactFactory.getAllFriendContact() is not empty. Like the
// real app, contactFactory turns the server's emoji <span> markup in
// NickName and RemarkName into <img class="emoji …"> markup; the data on
// the wire keeps the <span>.
//
// Logged out, the page shows the QR view: the scope of
// [ng-controller="loginController"] holds code and qrcodeUrl, and Server.Phone
// (or the control endpoint) plays the phone: scan, confirm, cancel, expire.
// AutoLogin makes the phone scan and confirm by itself; WaitQR, QRCode and
// LoginURL give tests the code the page shows; ExpireSession ends the
// session; BlockLogin refuses the account (1203, with the real server's
// current text, BlockedMessage) and RefuseLogin refuses a log-in with any
// other <ret>. On a refused log-in the page does what the real one does: it
// alert()s the server's message (登陆失败 without one) and reloads at once,
// showing a new QR code. The jslogin answer also carries
// window.QRLogin.qrcodeImage, the PNG of the code.
//
// # Seed data
//
// The user is SelfUserName with the seed's emoji NickName. Friends:
// Rain1ove and 迴焘願點 (HuiTao) from the seed, "Zhang Wei" with RemarkName
// "Boss", "Alice" with Alias "alice_w", two friends named "Tom", one named
// QuoteNickName (hostile characters), and Bob, Carol, Dave, Eve and Frank.
// Like the real server, webwxgetcontact also lists special accounts among
// the friends: WeixinTeam ("weixin", 微信团队), FileHelper ("filehelper",
// 文件传输助手) and MediaNote ("medianote", 语音记事本); they can be sent
// to, and a room refuses them as members (1204). Contacts leaves them out,
// SpecialAccounts lists them. Grace is not a friend. One room exists from
// the start, SeedRoomTopic, owned by Bob and saved to the address book
// (ContactFlag 3). The recent chats also hold DefaultRecentGroups groups
// the user has not saved (ContactFlag 2), RecentGroupTopic(1) …
// RecentGroupTopic(n), the most recent first, each with the user and two
// friends; WithRecentGroups sets their number. Person UserNames are fixed
// constants; room UserNames
// ("@@" + 64 hex) and the session secrets (Uin, Sid, Skey, pass_ticket,
// webwx_data_ticket) are random per Server.
//
// Groups load the way the real server makes the app load them:
// webwxgetcontact lists the friends and the saved groups only; webwxinit
// gives the ten most recent chats in full (ContactList) and every recent
// chat, people and groups, by name (ChatSet). The page's
// chatFactory.initChatList queues each group of ChatSet through
// contactFactory.addBatchgetChatroomContact, and the queue goes out 200 ms
// later as webwxbatchgetcontact, at most 50 per request, one request at a
// time: with the default seed the app knows every group only after two
// batch gets. A change to a group, or a message sent, makes its chat the
// most recent.
//
// # Server answers
//
// Every API call proves the session like on the real server (BaseRequest
// Uin/Sid/Skey, or cookies and skey for GET webwxgetcontact, or the query of
// synccheck) and gets Ret 1101 otherwise. Refusals use the Ret values of
// WEBWX.md:
//
//	Ret    when
//	-1     create with fewer than 2 members besides the user
//	-2     topic longer than 32 characters; update of a room the user is not
//	       in; the owner removing himself
//	-66    delmember by a user who does not own the room
//	1101   the session is not accepted (wrong BaseRequest, logged out)
//	1200   malformed JSON, unknown room or fun, more than 50 in a batch get
//	1204   a member who is not a friend, the user himself, or a duplicate
//
// Changes (create, addmember, invitemember, delmember, modtopic,
// quitchatroom) reach the page the real way: synccheck answers selector 2
// at once, and webwxsync carries the room in ModContactList (DelContactList
// after a quit) with a system message in AddMsgList. A room just created
// comes as its system message alone (你邀请"A、B"加入了群聊): the page's
// message handling, like the real one, finds the room unknown and queues
// its own batch get of it (getContact → addBatchgetContact). The sandbox
// makes that read come first in every test (see push.go): while a page is
// on the push channel, a create is answered only once the page's own read
// of the new room has reached the server (1 s at most), and that read is
// answered 150 ms after the create answer, so it is on the wire when a tool
// that called create() looks.
//
// The page's contactFactory has the real queue: addBatchgetContact(userObj,
// isBatchNow, isHadBathGetErrorOnce) returns undefined for a contact
// queued, in flight or given up already; every call sets its own 200 ms
// timer, and only the call whose timer sends a batch settles its promise
// (the promises of the others never settle); a failed batch of several is
// queued again for retries, a failed batch of one is given up.
// batchGetContact(errorToken) rejects with errorToken.
//
// webwxsendmsg takes a text message (Msg.Type 1) to a friend or a room,
// answers {BaseResponse, MsgID, LocalID} and echoes the message in the next
// webwxsync's AddMsgList; a message to yourself or a stranger gets 1204, a
// malformed, empty or non-text one 1200. Names people type (topics) are
// kept HTML-escaped, as the real server sends them.
//
// Other people act through the push channel as on the real server:
// FriendSays sends the user a text (or says it in a group: FromUserName the
// group, the content "@sender:<br/>text"), HTML-escaped with emoji as
// <span class="emoji …"> markup; FriendJoins and FriendLeaves change a
// group's members and FriendRenames its topic, each coming as the group in
// ModContactList, with the system messages "X"加入了群聊 and
// "X"修改群名为“…” (a leave has none).
//
// AddFriends and AddRoom grow the seed for tests that need big rooms (the
// app invites instead of adding at 40 members). WithDrift serves the page
// with the changes of a web client that moved under its users (a renamed
// service, a create() that resolves on errors, a request without Topic),
// for the smoke checks to catch. WithRequestLog bounds what Requests keeps.
//
// # Faults and the control endpoint
//
// Tests call SetFault and ClearFaults. A person running `wxctl sandbox` by
// hand can do the same with POST /sandbox/control and a JSON body:
//
//	{"fault": {"endpoint": "webwxcreatechatroom", "ret": 1, "errMsg": "", "once": true}}
//	{"fault": {"endpoint": "webwxupdatechatroom", "status": 500}}
//	{"fault": {"endpoint": "webwxbatchgetcontact", "delay": "3s"}}
//	{"fault": {"endpoint": "webwxcreatechatroom", "emptyChatRoomName": true}}
//	{"fault": {"endpoint": "webwxcreatechatroom", "ret": -2013}}   (the room is made)
//	{"fault": {"endpoint": "webwxcreatechatroom", "body": "<html>502</html>"}}
//	{"fault": {"endpoint": "webwxnewloginpage", "ret": -1, "errMsg": "系统繁忙"}}   (a log-in refused with another ret)
//	{"clearFaults": true}
//	{"phone": "scan"}   (or "confirm", "cancel", "expire")
//	{"session": "expire"}   (every call answers 1101, synccheck retcode 1101)
//	{"session": "block"}    (webwxnewloginpage answers 1203 with BlockedMessage; clearFaults lifts it)
//	{"friend": {"name": "Bob", "action": "say", "text": "hi 😀"}}   (a friend's message to the user)
//	{"friend": {"name": "Carol", "action": "say", "group": "Weekend Hikers", "text": "hi"}}   (said in a group)
//	{"friend": {"name": "Dave", "action": "join", "group": "Weekend Hikers"}}   (also "leave")
//	{"friend": {"name": "Bob", "action": "rename", "group": "Weekend Hikers", "text": "New topic"}}
//
// for example with
//
//	curl -d '{"fault":{"endpoint":"webwxcreatechatroom","ret":1}}' http://127.0.0.1:PORT/sandbox/control
//
// Names are UserNames, NickNames or RemarkNames, groups UserNames or topics
// (of a group the user is in). The answer is {"ok": true, "faults": N}
// (with "msgId" after a friend's message), or HTTP 400 with
// {"ok": false, "error": "…"}.
//
// # Fidelity
//
// The sandbox is no kinder than the real page: what wxctl depends on, it
// does the real way. Where it still differs from the real page:
//
//	the real page does                          | the sandbox does                              | why
//	--------------------------------------------|-----------------------------------------------|------------------------------------------
//	served logged in (MMCgi.isLogin true), it   | asks webwxnewloginpage without a ticket       | its API proves every call by
//	calls webwxinit at once, with wxsid and     | first, to learn Skey and pass_ticket, then    | BaseRequest.Skey, so the page needs it
//	wxuin from the cookies and no Skey          | webwxinit                                     | first; a refusal there (BlockLogin on
//	                                            |                                               | a logged-in sandbox) shows on the page
//	                                            |                                               | (loginError) instead of an alert, and
//	                                            |                                               | stands for a blocked account's old session
//	loads the QR picture from                   | sends it with the jslogin answer              | it cannot serve the real login host
//	login.weixin.qq.com/qrcode/<uuid>           | (window.QRLogin.qrcodeImage)                  |
//	serves jslogin and the QR poll from         | serves them on its own host                   | one server, one host
//	login.wx.qq.com, and may move the session   |                                               |
//	to wx2.qq.com after the log-in              |                                               |
//	asks webwxpushloginurl?uin= for association | asks jslogin with uin                         | fewer endpoints; wxctl only presses the
//	login                                       |                                               | button and waits for the phone
//	newLoginPage retries (3 times, 10 s each)   | asks once, and never answers a redirecturl or | the sandbox's answers never need it
//	and follows a <redirecturl> or an HTML      | an HTML page                                  |
//	answer                                      |                                               |
//	sends Skey/Sid/Uin/pass_ticket of a log-in  | the same, through newLoginPage on $rootScope  | the app's controllers are fewer; the
//	to its own init through the appController's |                                               | services and requests are the same
//	scope (newLoginPage event)                  |                                               |
//	webwxgetcontact lists a saved group,        | lists it with its full MemberList (what a     | not checked against a capture; a later
//	possibly without its MemberList             | batch get answers)                            | batch get fills it either way
//	ChatSet names special and official accounts | names friends and the groups the user is in   | wxctl looks only at the "@@" names of
//	(filehelper, weixin, …) and may name groups |                                               | ChatSet
//	the user has left                           |                                               |
//	orders recent chats by the last message of  | orders them by the last change to a room or   | enough to push a group out of the ten
//	any kind, either way                        | message sent by the user                      | sent in full, as tests need
//	sends a varying number of recent chats in   | sends ten (the app's "top 10" comment)        | the real number was not measured
//	full in webwxinit                           |                                               |
//	refuses a long topic; its limit and its     | refuses more than 32 characters (runes) with  | the client has no limit of its own to
//	counting are not in the client              | Ret -2                                        | copy; wxctl checks the same 32 before
//	                                            |                                               | create (browser.CheckTopic)
//	answers -2013 to addmember at times (the    | answers -2013 to an update or a send only as  | a fault stands for a rare answer; wxctl
//	app's UI takes it as success); unknown for  | a fault, and then does not make the change    | takes -2013 as success only where the
//	other updates and sends                     |                                               | app's UI does
//	answers a create in its own time; the push  | holds the create answer until the page's      | to make the hard case (the app's read
//	usually outruns it, and the app's read of   | own read of the new room reached it (1 s      | first, in flight when the tool looks) the
//	the new group is on the wire or answered    | at most), and answers that read 150 ms        | normal one in every test, not a rare one
//	before a tool asks                          | after the create answer                       |
//	batches the new group with whatever else    | sends what the page queued: the new group     | the sandbox page queues only what its
//	the app has queued (Count 4 was seen)       | alone unless the page is still reading        | few groups and messages call for; the
//	                                            | other groups                                  | read-back never relies on Count 1
//	renames weixin, filehelper, newsapp and     | the server sends the Chinese names and        | the names are the server's own in zh_CN;
//	fmessage for the page's language, and       | the page keeps them; fmessage and newsapp     | the sandbox serves neither fmessage nor
//	turns fmessage into a non-friend            | are not served                                | newsapp
//	throws in webwxupdatechatroom's success     | skips the member list of a room it does       | an exception there only logs on the real
//	handler for a room it does not hold         | not hold                                      | page; the tests fail on page exceptions
//	tells the members of a group that somebody  | "X"加入了群聊 for any join (FriendJoins)      | the inviter's wording was not captured;
//	joined with the inviter's name ("A"邀请"B"  |                                               | wxctl watch tells joins from
//	加入了群聊) or the QR code they used        |                                               | ModContactList, not from the text
//	sends a friend's message with MsgType 1 and | the same fields, with the rest of the entry   | watch reads MsgId, From/ToUserName,
//	more fields (MsgSource, ClientMsgId, …)     | left at the wire's zero values                | MsgType, Content and CreateTime only
//	and the phone's status notifications        | no status notifications (MsgType 51)          | the app and watch pass them over
package sandbox
