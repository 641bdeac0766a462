package sandbox

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path"
	"time"
)

// apiPrefix is where the real app's CGI endpoints live.
const apiPrefix = "/cgi-bin/mmwebwx-bin/"

// maxBody bounds what the server reads of a request body.
const maxBody = 1 << 20

// authKind is how an endpoint proves the session, as on the real server.
type authKind int

const (
	authNone   authKind = iota
	authBody            // BaseRequest{Uin, Sid, Skey} in the JSON body
	authCookie          // wxuin and wxsid cookies plus the skey query parameter
	authQuery           // uin, sid and skey query parameters (synccheck)
)

// route is one API endpoint. fail writes the endpoint's error answer, in the
// shape of its normal answer, for a Ret (session checks, validation, faults).
type route struct {
	method string // "" accepts any method
	auth   authKind
	serve  func(*Server, *call)
	fail   func(c *call, ret int, msg string)
}

// apiRoutes maps the last path element of an API request to its endpoint.
func apiRoutes() map[string]route {
	get, post := http.MethodGet, http.MethodPost
	return map[string]route{
		"webwxinit":            {post, authBody, (*Server).serveInit, jsonFail(newInitAnswer)},
		"webwxgetcontact":      {get, authCookie, (*Server).serveGetContact, jsonFail(newGetContactAnswer)},
		"webwxbatchgetcontact": {post, authBody, (*Server).serveBatchGetContact, jsonFail(newBatchAnswer)},
		"webwxcreatechatroom":  {post, authBody, (*Server).serveCreateChatRoom, jsonFail(newCreateAnswer)},
		"webwxupdatechatroom":  {post, authBody, (*Server).serveUpdateChatRoom, jsonFail(newUpdateAnswer)},
		"webwxstatusnotify":    {post, authBody, (*Server).serveStatusNotify, jsonFail(newStatusNotifyAnswer)},
		"webwxsearchcontact":   {post, authBody, (*Server).serveSearchContact, jsonFail(newSearchAnswer)},
		"webwxsendmsg":         {post, authBody, (*Server).serveSendMsg, jsonFail(newSendMsgAnswer)},
		"webwxsync":            {post, authBody, (*Server).serveSync, jsonFail(newSyncAnswer)},
		"synccheck":            {get, authQuery, (*Server).serveSyncCheck, syncCheckFail},
		"webwxlogout":          {"", authNone, (*Server).serveLogout, textFail},
		"webwxnewloginpage":    {get, authNone, (*Server).serveNewLoginPage, loginPageFail},
		"jslogin":              {get, authNone, (*Server).serveJSLogin, jsLoginFail},
		"login":                {get, authNone, (*Server).serveLoginPoll, loginPollFail},
		"webwxgeticon":         {get, authNone, (*Server).serveImage, textFail},
		"webwxgetheadimg":      {get, authNone, (*Server).serveImage, textFail},
	}
}

// unknownRoute answers endpoints the sandbox does not implement: 404, or the
// bare BaseResponse when a fault names them.
var unknownRoute = route{
	serve: func(_ *Server, c *call) { http.NotFound(c.w, c.r) },
	fail:  jsonFail(func() answer { return &envelope{} }),
}

// call is one API request being answered.
type call struct {
	w        http.ResponseWriter
	r        *http.Request
	endpoint string
	body     []byte
	route    route
	// flagged is the Ret a fault asks a successful create to answer with
	// (-2013: the room is made, the Ret is not 0).
	flagged *refusal
}

func (c *call) fail(ret int, msg string) { c.route.fail(c, ret, msg) }

// json writes v like the real server: UTF-8, with <, > and & left as they are
// (NickNames carry emoji <span> markup).
func (c *call) json(v any) {
	c.w.Header().Set("Content-Type", "application/json; charset=utf-8")
	enc := json.NewEncoder(c.w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // a write error means the client went away
}

// script writes a JavaScript answer, for the endpoints the app loads with a
// <script> tag.
func (c *call) script(js string) {
	c.w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	_, _ = io.WriteString(c.w, js)
}

// decode reads the JSON body into v, answering Ret 1200 when it cannot.
func (c *call) decode(v any) bool {
	if err := json.Unmarshal(c.body, v); err != nil {
		c.fail(retBadRequest, "bad request: "+err.Error())
		return false
	}
	return true
}

// jsonFail answers a Ret in the shape of the endpoint's normal answer,
// as the real server does (empty lists, zero values).
func jsonFail(empty func() answer) func(*call, int, string) {
	return func(c *call, ret int, msg string) {
		a := empty()
		a.setBase(ret, msg)
		c.json(a)
	}
}

// textFail answers a Ret for the endpoints that answer neither JSON nor
// script (log-out, images); the app never reads those bodies.
func textFail(c *call, ret int, msg string) {
	c.w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(c.w, "ret="+itoa(int64(ret))+" "+msg+"\n")
}

// serveAPI records the request, applies a matching fault, checks the session
// and hands the request to its endpoint.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	c := &call{w: w, r: r, endpoint: path.Base(r.URL.Path), body: body}
	s.record(c)
	rt, ok := s.routes[c.endpoint]
	if !ok {
		rt = unknownRoute
	}
	c.route = rt
	if f, ok := s.takeFault(c.endpoint); ok && s.applyFault(c, f) {
		return
	}
	if rt.method != "" && r.Method != rt.method {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !s.authorize(c) {
		return
	}
	rt.serve(s, c)
}

// authorize checks the session the way the endpoint proves it, answering
// Ret 1101 (or 1200 for a body that is not JSON) when the check fails.
func (s *Server) authorize(c *call) bool {
	var ok bool
	switch c.route.auth {
	case authNone:
		return true
	case authBody:
		var req struct{ BaseRequest *baseRequest }
		if !c.decode(&req) {
			return false
		}
		ok = s.valid(req.BaseRequest)
	case authCookie:
		ok = s.cookiesMatch(c.r) && c.r.URL.Query().Get("skey") == s.sess.Skey && s.loggedIn()
	case authQuery:
		q := c.r.URL.Query()
		ok = q.Get("uin") == itoa(s.sess.Uin) && q.Get("sid") == s.sess.Sid &&
			q.Get("skey") == s.sess.Skey && s.loggedIn()
	}
	if !ok {
		c.fail(retLoggedOut, "")
	}
	return ok
}

// waitResult says why wait returned.
type waitResult int

const (
	woken    waitResult = iota // ch fired
	timedOut                   // d passed
	gone                       // the request ended or the server closed
)

// wait blocks until ch fires (a nil ch never does), d passes, the request
// ends or the server closes.
func (s *Server) wait(ctx context.Context, ch <-chan struct{}, d time.Duration) waitResult {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
		return woken
	case <-t.C:
		return timedOut
	case <-ctx.Done():
	case <-s.closed:
	}
	return gone
}
