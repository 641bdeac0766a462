package sandbox

import (
	"strings"
	"time"
)

// clientVersion is a ClientVersion value as the real webwxinit sends it.
const clientVersion = 654314545

// maxBatch is the most contacts one webwxbatchgetcontact may ask for; the
// app's batchGetContact never sends more.
const maxBatch = 50

// serveInit answers webwxinit: the user, the most recent chats in full and
// all of them by name in ChatSet (see recent.go), and the first SyncKey.
func (s *Server) serveInit(c *call) {
	s.mu.Lock()
	full, chatSet := s.st.recentChats()
	a := &initAnswer{
		Count:               len(full),
		ContactList:         full,
		SyncKey:             s.st.syncKey(),
		User:                userOf(s.st.self),
		ChatSet:             chatSet,
		SKey:                s.sess.Skey,
		ClientVersion:       clientVersion,
		SystemTime:          time.Now().Unix(),
		GrayScale:           1,
		InviteStartCount:    40,
		MPSubscribeMsgList:  []struct{}{},
		ClickReportInterval: 600_000,
	}
	s.mu.Unlock()
	a.setBase(retOK, "")
	c.json(a)
}

func userOf(c Contact) user {
	return user{
		Uin: c.Uin, UserName: c.UserName, NickName: c.NickName, HeadImgURL: c.HeadImgURL,
		Sex: c.Sex, Signature: c.Signature, SnsFlag: c.SnsFlag, HeadImgFlag: 1,
		WebWxPluginSwitch: 3,
	}
}

// serveGetContact answers webwxgetcontact: every friend and the groups saved
// to the address book, in one page (Seq 0).
func (s *Server) serveGetContact(c *call) {
	s.mu.Lock()
	a := &getContactAnswer{MemberList: make([]Contact, 0, len(s.st.friends))}
	for _, u := range s.st.friends {
		a.MemberList = append(a.MemberList, cloneContact(*s.st.people[u]))
	}
	a.MemberList = append(a.MemberList, s.st.savedRooms()...)
	s.mu.Unlock()
	a.MemberCount = len(a.MemberList)
	a.setBase(retOK, "")
	c.json(a)
}

type batchRequest struct {
	Count int
	List  []struct{ UserName string }
}

// serveBatchGetContact answers webwxbatchgetcontact?type=ex: rooms with
// their full MemberList, people as contacts; unknown names are left out.
func (s *Server) serveBatchGetContact(c *call) {
	var req batchRequest
	if !c.decode(&req) {
		return
	}
	if len(req.List) > maxBatch {
		c.fail(retBadRequest, "at most 50 contacts per batch")
		return
	}
	names := make([]string, len(req.List))
	for i, item := range req.List {
		names[i] = item.UserName
	}
	s.holdFirstReads(c.r.Context(), names)
	a := newBatchAnswer().(*batchAnswer)
	s.mu.Lock()
	for _, item := range req.List {
		if r, ok := s.st.rooms[item.UserName]; ok {
			a.ContactList = append(a.ContactList, s.st.roomContact(r))
		} else if p := s.st.person(item.UserName); p != nil {
			a.ContactList = append(a.ContactList, cloneContact(*p))
		}
	}
	s.mu.Unlock()
	a.Count = len(a.ContactList)
	a.setBase(retOK, "")
	c.json(a)
}

// serveStatusNotify answers webwxstatusnotify, which the app sends after
// init (Code 3) and when a chat is read.
func (s *Server) serveStatusNotify(c *call) {
	var req struct {
		Code                     int
		FromUserName, ToUserName string
	}
	if !c.decode(&req) {
		return
	}
	a := &statusNotifyAnswer{MsgID: itoa(randomInt(1e18, 9e18))}
	a.setBase(retOK, "")
	c.json(a)
}

// serveSearchContact answers webwxsearchcontact: the friends whose
// NickName, RemarkName, Alias or PYQuanPin contains the keyword.
func (s *Server) serveSearchContact(c *call) {
	var req struct{ KeyWord string }
	if !c.decode(&req) {
		return
	}
	a := newSearchAnswer().(*searchAnswer)
	kw := strings.ToLower(strings.TrimSpace(req.KeyWord))
	s.mu.Lock()
	for _, u := range s.st.friends {
		if p := s.st.people[u]; kw != "" && matches(p, kw) {
			a.List = append(a.List, searchEntry{Contact: cloneContact(*p), EncryUserName: p.UserName})
		}
	}
	s.mu.Unlock()
	a.Count = len(a.List)
	a.setBase(retOK, "")
	c.json(a)
}

func matches(p *Contact, kw string) bool {
	for _, f := range []string{p.NickName, p.RemarkName, p.Alias, p.PYQuanPin} {
		if strings.Contains(strings.ToLower(f), kw) {
			return true
		}
	}
	return false
}
