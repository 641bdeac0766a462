package sandbox

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// SyncKey values: key 1 counts the changes (on top of syncBase, so that the
// numbers look like the real ones); keys 2, 3 and 1000 are decoration.
const (
	syncBase  = 658_243_820
	syncKey2  = 658_243_999
	syncKey3  = 658_243_766
	syncStamp = 1_511_950_321
)

func (st *state) syncKey() syncKey {
	return syncKey{Count: 4, List: []syncKeyItem{
		{Key: 1, Val: syncBase + st.seq},
		{Key: 2, Val: syncKey2 + st.seq},
		{Key: 3, Val: syncKey3 + st.seq},
		{Key: 1000, Val: syncStamp},
	}}
}

// syncPosition is the change counter a client's SyncKey stands for; a
// missing or foreign key counts as 0, so the client gets every change.
func syncPosition(items []syncKeyItem) int64 {
	for _, it := range items {
		if it.Key == 1 && it.Val >= syncBase {
			return it.Val - syncBase
		}
	}
	return 0
}

// parseSyncKey reads the synccheck form of a SyncKey, "1_658243820|2_…".
func parseSyncKey(s string) []syncKeyItem {
	var out []syncKeyItem
	for part := range strings.SplitSeq(s, "|") {
		k, v, ok := strings.Cut(part, "_")
		key, err1 := strconv.Atoi(k)
		val, err2 := strconv.ParseInt(v, 10, 64)
		if ok && err1 == nil && err2 == nil {
			out = append(out, syncKeyItem{Key: key, Val: val})
		}
	}
	return out
}

// poll waits up to the hold time until ready (called with s.mu held) is
// true. It reports whether ready became true, and alive=false when the
// request ended or the server closed meanwhile.
func (s *Server) poll(ctx context.Context, ready func(*state) bool) (held, alive bool) {
	deadline := time.Now().Add(s.cfg.hold)
	for {
		s.mu.Lock()
		ok, ch := ready(s.st), s.changed
		s.mu.Unlock()
		if ok {
			return true, true
		}
		left := time.Until(deadline)
		if left <= 0 {
			return false, true
		}
		if s.wait(ctx, ch, left) == gone {
			return false, false
		}
	}
}

// serveSyncCheck answers the push channel's long poll: selector "2" as soon
// as there are changes past the client's SyncKey, "0" after the hold time.
func (s *Server) serveSyncCheck(c *call) {
	pos := syncPosition(parseSyncKey(c.r.URL.Query().Get("synckey")))
	s.startPoll()
	defer s.endPoll()
	held, alive := s.poll(c.r.Context(), func(st *state) bool { return st.seq > pos })
	if !alive {
		return
	}
	selector := "0"
	if held {
		selector = "2"
	}
	c.script(`window.synccheck={retcode:"0",selector:"` + selector + `"}`)
}

// syncCheckFail carries a Ret as synccheck's retcode.
func syncCheckFail(c *call, ret int, _ string) {
	c.script(`window.synccheck={retcode:"` + itoa(int64(ret)) + `",selector:"0"}`)
}

// serveSync answers webwxsync with the changes past the client's SyncKey:
// rooms the user is in go to ModContactList, rooms the user left to
// DelContactList, system messages to AddMsgList. A room just created is
// not listed: its system message comes alone, as on the real server.
func (s *Server) serveSync(c *call) {
	var req struct{ SyncKey syncKey }
	if !c.decode(&req) {
		return
	}
	s.mu.Lock()
	a := s.st.syncSince(syncPosition(req.SyncKey.List))
	s.mu.Unlock()
	a.SKey = s.sess.Skey
	a.setBase(retOK, "")
	c.json(a)
}

// syncSince builds the webwxsync answer for the changes after pos, each
// room once, in its current state.
func (st *state) syncSince(pos int64) *syncAnswer {
	a := newSyncAnswer().(*syncAnswer)
	seen := make(map[string]bool)
	for _, e := range st.events {
		if e.seq <= pos {
			continue
		}
		if e.msg != nil {
			a.AddMsgList = append(a.AddMsgList, *e.msg)
		}
		if r, ok := st.rooms[e.room]; ok && !seen[e.room] && !e.unlisted {
			seen[e.room] = true
			if r.has(SelfUserName) {
				a.ModContactList = append(a.ModContactList, st.roomContact(r))
			} else {
				a.DelContactList = append(a.DelContactList, st.roomContact(r))
			}
		}
	}
	a.AddMsgCount = len(a.AddMsgList)
	a.ModContactCount = len(a.ModContactList)
	a.DelContactCount = len(a.DelContactList)
	a.SyncKey = st.syncKey()
	a.SyncCheckKey = a.SyncKey
	return a
}
