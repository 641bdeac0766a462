package browser

import (
	"errors"
	"fmt"
	"strings"
)

// Conditions a caller branches on when WeChat answers with a non-zero
// BaseResponse.Ret. A *RetError matches exactly one of them with errors.Is.
var (
	// ErrNotLoggedIn means the page has no session (the server served it
	// logged out and the app has no user) or WeChat answered 1100, 1101 or
	// 1102: log in again.
	ErrNotLoggedIn = errors.New("not logged in to web WeChat")
	// ErrLoginBlocked means the account may not use web WeChat (1203).
	ErrLoginBlocked = errors.New("this account may not use web WeChat")
	// ErrRateLimited means WeChat refused for frequency (1 or 1205).
	ErrRateLimited = errors.New("rate limited by WeChat")
	// ErrRefused means any other non-zero Ret, or an answer that is not a
	// success although its Ret says so (Ret 0 with an empty ChatRoomName).
	ErrRefused = errors.New("refused by WeChat")
	// ErrOutcomeUnknown means the request may have reached WeChat but its
	// answer was not seen in time: the change may or may not have happened.
	ErrOutcomeUnknown = errors.New("outcome unknown")
)

// Ret codes with a documented meaning. See RetMeaning.
const (
	RetOK              = 0
	RetCreateFlagged   = -2013 // counted as success by the app's own UI
	RetTooFrequent     = 1
	RetSessionGone     = 1100
	RetSessionExpired  = 1101
	RetLoggedElsewhere = 1102
	RetFrequencyBlock  = 1205
	RetLoginBlocked    = 1203
	RetNotFriend       = 1204
	RetNotOwner        = -66
	RetSystemError     = -1
	RetLogicError      = -2
	RetBadRequest      = 1200
)

// RetMeaning returns a short English description of a BaseResponse.Ret.
func RetMeaning(ret int) string {
	switch ret {
	case RetOK:
		return "OK"
	case RetCreateFlagged:
		return "flagged: the app counts -2013 as success on create and add, and on nothing else"
	case RetTooFrequent:
		return "too frequent, try again later (操作太频繁)"
	case RetFrequencyBlock:
		return "frequency block: WeChat stopped this account for a while"
	case RetSessionGone, RetSessionExpired, RetLoggedElsewhere:
		return "session gone or logged in elsewhere"
	case RetLoginBlocked:
		return "this account may not use web WeChat"
	case RetNotFriend:
		return "not a friend, or yourself"
	case RetNotOwner:
		return "only the group owner may do this"
	case RetSystemError:
		return "system error"
	case RetLogicError:
		return "logic error"
	case RetBadRequest:
		return "bad request"
	}
	return "unknown error"
}

// FlaggedSuccess reports whether Ret -2013 answered to op (an endpoint,
// with its ?fun= for webwxupdatechatroom) is a success, as the app's own UI
// takes it: after webwxcreatechatroom and after adding members (addmember,
// invitemember). After any other change (delmember, modtopic,
// quitchatroom, webwxsendmsg) the app has no word for it, so wxctl takes it
// as a refusal (exit 6): it never reports a change it cannot stand for.
func FlaggedSuccess(op string) bool {
	switch op {
	case EndpointCreateRoom, EndpointUpdateRoom + "?fun=" + FunAddMember, EndpointUpdateRoom + "?fun=" + FunInviteMember:
		return true
	}
	return false
}

// RetError is a non-zero BaseResponse.Ret answered to Op (an endpoint such
// as "webwxcreatechatroom").
type RetError struct {
	Op     string
	Ret    int
	ErrMsg string
	// Why, when set, replaces the standard meaning of Ret: an answer can be
	// a failure although its Ret says OK.
	Why string
}

func (e *RetError) Error() string {
	why := e.Why
	if why == "" {
		why = RetMeaning(e.Ret)
	}
	msg := fmt.Sprintf("%s answered Ret %d: %s", e.Op, e.Ret, why)
	if e.ErrMsg != "" {
		msg += fmt.Sprintf(" (%q)", e.ErrMsg)
	}
	return msg
}

// Is reports the condition class of the Ret, so callers can test
// errors.Is(err, ErrRateLimited) and the like.
func (e *RetError) Is(target error) bool {
	return target == classifyRet(e.Ret)
}

func classifyRet(ret int) error {
	switch ret {
	case RetTooFrequent, RetFrequencyBlock:
		return ErrRateLimited
	case RetSessionGone, RetSessionExpired, RetLoggedElsewhere:
		return ErrNotLoggedIn
	case RetLoginBlocked:
		return ErrLoginBlocked
	}
	return ErrRefused
}

// HTTPError is an API call that failed below the JSON level: an HTTP status
// other than 200, or a body that is not the JSON the app expects.
type HTTPError struct {
	Op     string
	Status int
	Text   string
}

func (e *HTTPError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("%s failed: %s", e.Op, e.Text)
	}
	return fmt.Sprintf("%s answered HTTP %d", e.Op, e.Status)
}

// Is makes an HTTP failure count as a refusal: WeChat did not do the work.
func (e *HTTPError) Is(target error) bool { return target == ErrRefused }

// UnknownOutcomeError says what was sent and not answered in time.
type UnknownOutcomeError struct {
	Op   string
	Sent bool // the page's request was seen leaving
	Err  error
}

func (e *UnknownOutcomeError) Error() string {
	why := "no answer came in time"
	var h *HTTPError
	switch {
	case errors.As(e.Err, &h):
		why = strings.TrimPrefix(h.Error(), h.Op+" failed: ")
	case errors.Is(e.Err, ErrBrowserGone), errors.Is(e.Err, ErrPageClosed), errors.Is(e.Err, ErrNavigated):
		why = e.Err.Error()
	}
	if e.Sent {
		return fmt.Sprintf("%s was sent, but %s: it may or may not have taken effect", e.Op, why)
	}
	return fmt.Sprintf("%s did not complete (%s): it may or may not have been sent", e.Op, why)
}

func (e *UnknownOutcomeError) Unwrap() []error { return []error{ErrOutcomeUnknown, e.Err} }
