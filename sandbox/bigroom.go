package sandbox

import "fmt"

// The seed has a dozen friends; a group that takes the app's invitation path
// (40 members and more) needs many more. AddFriends and AddRoom add them to
// a Server after New. They are methods rather than Options because they
// change the state New builds, which an Option cannot reach.

// AddFriends adds n ordinary friends named "Friend 01", "Friend 02", … (the
// numbering goes on across calls) and returns their UserNames. The page
// loads friends once, at start-up: call it before the page opens.
func (s *Server) AddFriends(n int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	extra := len(s.st.people) - len(seedPeople)
	out := make([]string, 0, n)
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("Friend %02d", extra+i)
		p := seedPerson{
			userName: "@" + randomHex(32), nickName: name,
			pyInitial: fmt.Sprintf("FRIEND%02d", extra+i), pyQuanPin: fmt.Sprintf("Friend%02d", extra+i),
			attrStatus: 4133, sex: 1, friend: true,
		}
		c := p.contact(s.sess.Skey)
		s.st.people[p.userName] = &c
		s.st.friends = append(s.st.friends, p.userName)
		out = append(out, p.userName)
	}
	return out
}

// AddRoom makes a room owned by the user, with the user and members in it,
// and returns its UserName. Like every change, it reaches an open page
// through webwxsync.
func (s *Server) AddRoom(topic string, members ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.st.addRoom(escapeText(topic), SelfUserName, append([]string{SelfUserName}, members...))
	s.st.change(r.userName, nil)
	s.notifyLocked()
	return r.userName
}
