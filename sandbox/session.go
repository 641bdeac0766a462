package sandbox

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"net/http"
	"strconv"
	"time"
)

// Session holds the secret values of one sandbox instance, random per
// instance, so that redaction tests can look for them in output.
type Session struct {
	Uin        int64
	Sid        string
	Skey       string
	PassTicket string
	DataTicket string
	AuthTicket string // the webwx_auth_ticket cookie
	UVID       string // the webwxuvid cookie
}

// secrets is the Session the server holds.
type secrets struct {
	Session
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func newSecrets() secrets {
	return secrets{
		Session: Session{
			// The real Uin is a uint32; 9 or 10 digits like the seed's 488765359.
			Uin:        randomInt(100_000_000, 4_294_967_295),
			Sid:        randomString(alnum, 16),
			Skey:       "@crypt_" + randomHex(4) + "_" + randomHex(16),
			PassTicket: randomString(alnum, 64),
			DataTicket: randomString(alnum, 40),
			AuthTicket: randomString(alnum, 64),
			UVID:       randomHex(16),
		},
	}
}

// Session returns the secret values of this instance.
func (s *Server) Session() Session { return s.sess.Session }

// randomHex returns 2*n hex digits from crypto/rand; crypto/rand.Read never
// fails on the platforms Go supports.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func randomString(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[randomInt(0, int64(len(alphabet)))]
	}
	return string(b)
}

// randomInt returns a number in [lo, hi).
func randomInt(lo, hi int64) int64 {
	n, _ := rand.Int(rand.Reader, big.NewInt(hi-lo))
	return lo + n.Int64()
}

// cookies lists the session cookies the real site sets after a login.
func (s *Server) cookies() []*http.Cookie {
	expires := time.Now().Add(12 * time.Hour)
	pairs := [][2]string{
		{"wxuin", strconv.FormatInt(s.sess.Uin, 10)},
		{"wxsid", s.sess.Sid},
		{"webwx_data_ticket", s.sess.DataTicket},
		{"webwx_auth_ticket", s.sess.AuthTicket},
		{"webwxuvid", s.sess.UVID},
		{"mm_lang", "zh_CN"},
	}
	out := make([]*http.Cookie, len(pairs))
	for i, p := range pairs {
		out[i] = &http.Cookie{
			Name: p[0], Value: p[1], Path: "/", Expires: expires,
			// The app reads wxuin, wxsid and webwx_data_ticket from
			// document.cookie; only the auth ticket is hidden from scripts.
			HttpOnly: p[0] == "webwx_auth_ticket",
		}
	}
	return out
}

// setCookies sets the session cookies, as the real site does at login.
func (s *Server) setCookies(w http.ResponseWriter) {
	for _, c := range s.cookies() {
		http.SetCookie(w, c)
	}
}

// clearCookies expires the session cookies, as the real log-out does.
func (s *Server) clearCookies(w http.ResponseWriter) {
	for _, c := range s.cookies() {
		http.SetCookie(w, &http.Cookie{Name: c.Name, Value: "", Path: "/", MaxAge: -1})
	}
}

// cookiesMatch reports whether the request carries this session's cookies.
func (s *Server) cookiesMatch(r *http.Request) bool {
	uin, err1 := r.Cookie("wxuin")
	sid, err2 := r.Cookie("wxsid")
	return err1 == nil && err2 == nil &&
		uin.Value == strconv.FormatInt(s.sess.Uin, 10) && sid.Value == s.sess.Sid
}

// loggedIn reports whether the session is currently accepted.
func (s *Server) loggedIn() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.loggedIn
}

// baseRequest is the BaseRequest object of every POST API call.
type baseRequest struct {
	Uin      flexInt
	Sid      string
	Skey     string
	DeviceID string
}

// valid reports whether the BaseRequest names this live session.
func (s *Server) valid(b *baseRequest) bool {
	return b != nil && int64(b.Uin) == s.sess.Uin && b.Sid == s.sess.Sid &&
		b.Skey == s.sess.Skey && s.loggedIn()
}

// flexInt decodes a JSON number or a string of digits: the app sends the Uin
// as a number after webwxinit and as a string (from a cookie or the login
// XML) before it.
type flexInt int64

// UnmarshalJSON accepts 123, "123" and "" (as 0).
func (f *flexInt) UnmarshalJSON(b []byte) error {
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		n = json.Number(str)
	}
	if n == "" {
		*f = 0
		return nil
	}
	v, err := n.Int64()
	*f = flexInt(v)
	return err
}
