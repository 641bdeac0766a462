package sandbox

import (
	"net/http"
	"time"
)

// ExpireSession ends the session on the server's side, as a log-in
// elsewhere or a long absence does: from now on every API call answers Ret
// 1101 and synccheck retcode 1101, and the page, once it notices, logs
// itself out. A new log-in (QR code) makes a session again.
func (s *Server) ExpireSession() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.loggedIn = false
	s.notifyLocked()
}

// BlockLogin makes WeChat refuse the account on the web, as it does for many
// accounts since 2018: webwxnewloginpage answers <ret>1203</ret> with the
// real server's text (BlockedMessage), for a new log-in and for a page that
// resumes a session. The page then alerts the text and reloads at once, as
// the real one does. It is a fault on webwxnewloginpage, so ClearFaults
// lifts it.
func (s *Server) BlockLogin() {
	s.RefuseLogin(1203, BlockedMessage)
}

// RefuseLogin makes webwxnewloginpage refuse every log-in with ret (not 0)
// and message as its <message> ("" for none: the page then alerts its own
// "登陆失败"). BlockLogin is RefuseLogin with 1203; other rets stand for
// the refusals WeChat gives less often. ClearFaults lifts it.
func (s *Server) RefuseLogin(ret int, message string) {
	s.SetFault(Fault{Endpoint: "webwxnewloginpage", Ret: ret, ErrMsg: message})
}

// associationDays is how long the page remembers the last account for
// association login.
const associationDays = 30

// setAssociationCookies makes the next login page offer association login
// (an avatar and a "Log in" button that asks the phone to confirm) instead
// of a QR code, as the real page does after a log-out: login_frequency of 2
// or more and last_wxuin, the account to push the log-in to.
func (s *Server) setAssociationCookies(w http.ResponseWriter) {
	expires := time.Now().Add(associationDays * 24 * time.Hour)
	http.SetCookie(w, &http.Cookie{Name: "login_frequency", Value: "2", Path: "/", Expires: expires})
	http.SetCookie(w, &http.Cookie{Name: "last_wxuin", Value: itoa(s.sess.Uin), Path: "/", Expires: expires})
}
