package sandbox

import (
	"slices"
	"strconv"
	"strings"
)

// Member is one entry of a room's MemberList, as in the seed.
type Member struct {
	Uin             int64
	UserName        string
	NickName        string
	AttrStatus      int64
	PYInitial       string
	PYQuanPin       string
	RemarkPYInitial string
	RemarkPYQuanPin string
	MemberStatus    int
	DisplayName     string
	KeyWord         string
}

// Contact is a person or a room with every field of the seed's ContactList
// entry, in the seed's order and with its JSON names.
type Contact struct {
	Uin              int64
	UserName         string
	NickName         string
	HeadImgURL       string `json:"HeadImgUrl"`
	ContactFlag      int
	MemberCount      int
	MemberList       []Member
	RemarkName       string
	HideInputBarFlag int
	Sex              int
	Signature        string
	VerifyFlag       int
	OwnerUin         int64
	PYInitial        string
	PYQuanPin        string
	RemarkPYInitial  string
	RemarkPYQuanPin  string
	StarFriend       int
	AppAccountFlag   int
	Statues          int
	AttrStatus       int64
	Province         string
	City             string
	Alias            string
	SnsFlag          int
	UniFriend        int
	DisplayName      string
	ChatRoomID       int64 `json:"ChatRoomId"`
	KeyWord          string
	EncryChatRoomID  string `json:"EncryChatRoomId"`
	IsOwner          int
}

// state is everything the server knows; Server.mu guards it.
type state struct {
	self     Contact
	people   map[string]*Contact // everybody but the user: friends and strangers
	friends  []string            // friend UserNames in seed order, special accounts included
	special  map[string]bool     // the special accounts among the friends
	rooms    map[string]*room
	roomList []string // room UserNames in creation order
	recent   []string // the recent chats, rooms and people, most recent first (see recent.go)
	seq      int64    // change counter behind the SyncKey
	events   []event
	loggedIn bool
	qr       qrCode
}

// room is a chat room. Members keep their room DisplayName.
type room struct {
	userName string
	encryID  string
	topic    string
	owner    string // UserName
	headSeq  int64
	members  []roomMember
	// saved is whether the user saved the room to the address book
	// (ContactFlag bit 1): webwxgetcontact lists only those.
	saved bool
}

type roomMember struct {
	userName    string
	displayName string
}

// event is one change a later webwxsync reports: a changed room and, for
// most changes, the system message the real server adds to the chat.
type event struct {
	seq  int64
	room string
	msg  *message
	// unlisted leaves the room out of ModContactList: a new room reaches
	// the page as its system message only, as on the real server, and the
	// app's message handling, finding the room unknown, reads it itself.
	unlisted bool
}

// newState loads the seed: the user, the people, the seed room (saved to the
// address book) and recentGroups groups the user chatted in lately without
// saving them, the recent chats.
func newState(sess secrets, loggedIn bool, recentGroups int) *state {
	st := &state{
		people:   make(map[string]*Contact),
		special:  make(map[string]bool),
		rooms:    make(map[string]*room),
		loggedIn: loggedIn,
	}
	st.self = Contact{
		Uin: sess.Uin, UserName: SelfUserName, NickName: SelfNickName,
		HeadImgURL: iconURL(SelfUserName, sess.Skey), MemberList: []Member{},
		Sex: 1, AttrStatus: selfAttrStatus, SnsFlag: 1,
	}
	for _, p := range seedPeople {
		c := p.contact(sess.Skey)
		st.people[p.userName] = &c
		if p.friend {
			st.friends = append(st.friends, p.userName)
		}
		if p.special {
			st.special[p.userName] = true
		}
	}
	st.addRoom(SeedRoomTopic, Bob, []string{SelfUserName, Bob, Carol, Grace}).saved = true
	st.seedRecent(recentGroups)
	return st
}

// addRoom makes a room with a fresh random UserName and returns it.
func (st *state) addRoom(topic, owner string, members []string) *room {
	r := &room{
		userName: "@@" + randomHex(32),
		encryID:  "@" + randomHex(16),
		topic:    topic,
		owner:    owner,
		headSeq:  randomInt(600_000_000, 700_000_000),
	}
	for _, m := range members {
		r.members = append(r.members, roomMember{userName: m})
	}
	st.rooms[r.userName] = r
	st.roomList = append(st.roomList, r.userName)
	return r
}

// person returns the user or a known person, nil when unknown.
func (st *state) person(userName string) *Contact {
	if userName == SelfUserName {
		return &st.self
	}
	return st.people[userName]
}

func (st *state) isFriend(userName string) bool {
	return slices.Contains(st.friends, userName)
}

// name is how system messages name a person: RemarkName, else NickName.
func (st *state) name(userName string) string {
	p := st.person(userName)
	switch {
	case p == nil:
		return userName
	case p.RemarkName != "":
		return p.RemarkName
	}
	return p.NickName
}

func (r *room) has(userName string) bool {
	return r.index(userName) >= 0
}

func (r *room) index(userName string) int {
	return slices.IndexFunc(r.members, func(m roomMember) bool { return m.userName == userName })
}

// member is a room member as the server lists it. The create answer lists
// invitees with AttrStatus 0, so the caller chooses whether to include it.
func (st *state) member(userName, displayName string, withAttr bool) Member {
	m := Member{UserName: userName, DisplayName: displayName}
	if p := st.person(userName); p != nil {
		m.NickName = p.NickName
		if withAttr {
			m.AttrStatus = p.AttrStatus
		}
	}
	return m
}

// roomContact is the room as webwxbatchgetcontact answers it: every member,
// the user included, sorted by UserName as in the seed.
func (st *state) roomContact(r *room) Contact {
	members := make([]Member, 0, len(r.members))
	for _, m := range r.members {
		members = append(members, st.member(m.userName, m.displayName, true))
	}
	slices.SortFunc(members, func(a, b Member) int { return strings.Compare(a.UserName, b.UserName) })
	c := Contact{
		UserName:        r.userName,
		NickName:        r.topic,
		HeadImgURL:      headImgURL(r.userName, r.headSeq),
		ContactFlag:     r.contactFlag(),
		MemberCount:     len(members),
		MemberList:      members,
		Statues:         1,
		EncryChatRoomID: r.encryID,
	}
	if r.owner == SelfUserName {
		c.IsOwner = 1
	}
	return c
}

// change records a change of a room for webwxsync; msg may be nil.
func (st *state) change(roomName string, msg *message) {
	st.record(event{room: roomName, msg: msg})
}

// created records a new room for webwxsync: its system message alone.
func (st *state) created(roomName string, msg *message) {
	st.record(event{room: roomName, msg: msg, unlisted: true})
}

func (st *state) record(e event) {
	st.seq++
	e.seq = st.seq
	st.touch(e.room)
	if e.msg != nil {
		e.msg.FromUserName = e.room
		e.msg.ToUserName = SelfUserName
	}
	st.events = append(st.events, e)
}

// Self returns the logged-in user.
func (s *Server) Self() Contact {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneContact(s.st.self)
}

// Contacts returns the friends who are people (not rooms, not special
// accounts) in seed order.
func (s *Server) Contacts() []Contact {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Contact, 0, len(s.st.friends))
	for _, u := range s.st.friends {
		if !s.st.special[u] {
			out = append(out, cloneContact(*s.st.people[u]))
		}
	}
	return out
}

// SpecialAccounts returns the special accounts the server lists among the
// friends (WeixinTeam, FileHelper, MediaNote).
func (s *Server) SpecialAccounts() []Contact {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Contact
	for _, u := range s.st.friends {
		if s.st.special[u] {
			out = append(out, cloneContact(*s.st.people[u]))
		}
	}
	return out
}

// Rooms returns every room the server knows (the seed room and those created
// since), with the full MemberList, in creation order.
func (s *Server) Rooms() []Contact {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Contact, 0, len(s.st.roomList))
	for _, id := range s.st.roomList {
		out = append(out, s.st.roomContact(s.st.rooms[id]))
	}
	return out
}

// Room returns one room by UserName.
func (s *Server) Room(userName string) (Contact, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.st.rooms[userName]
	if !ok {
		return Contact{}, false
	}
	return s.st.roomContact(r), true
}

func cloneContact(c Contact) Contact {
	c.MemberList = slices.Clone(c.MemberList)
	return c
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
