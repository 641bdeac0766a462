package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/wxctl/wxctl/scripts"
)

// Endpoints of the app's own calls that room operations read back.
const (
	EndpointCreateRoom = "webwxcreatechatroom"
	EndpointUpdateRoom = "webwxupdatechatroom"
	EndpointBatchGet   = "webwxbatchgetcontact"
)

// baseResponse is the envelope of every WeChat API answer.
type baseResponse struct {
	BaseResponse *struct {
		Ret    int    `json:"Ret"`
		ErrMsg string `json:"ErrMsg"`
	} `json:"BaseResponse"`
}

// createAnswer is the part of the webwxcreatechatroom answer wxctl reads.
type createAnswer struct {
	baseResponse
	ChatRoomName string   `json:"ChatRoomName"`
	Topic        string   `json:"Topic"`
	MemberList   []Member `json:"MemberList"`
}

// RoomResult is the outcome of creating a group: what WeChat answered to the
// app's create call and the group as the app read it back afterwards.
type RoomResult struct {
	// Created is true when WeChat made the group (Ret 0 or -2013 with a
	// ChatRoomName). Later steps (topic, read-back) may still have failed.
	Created bool
	// Flagged is true when the answer was Ret -2013, which the app's own UI
	// counts as success.
	Flagged      bool
	Ret          int
	ErrMsg       string
	ChatRoomName string
	Topic        string
	// Invited is the create answer's MemberList: the invited members, not you.
	Invited []Member
	// Answer is the create answer as the app received it.
	Answer json.RawMessage
	// Room is the group read back through the app's batch get, you included.
	Room *Contact
	// Info is the ContactList entry of that read-back, as the app received it.
	Info json.RawMessage
}

// CreateRoom creates a group with members through the app's own
// chatroomFactory.create, sets its topic through modTopic when topic is not
// empty (the app's create always sends an empty Topic), and reads the group
// back through the app's batch get, the app's own one included (see
// readBack). The members must be friends, two at
// least, yourself not among them (see CheckRoomMembers).
//
// The result is returned with the error whenever WeChat answered, so a
// caller can report what happened: a *RetError or *HTTPError when WeChat
// refused, an *UnknownOutcomeError when the answer did not come before ctx
// ended, and a wrapped error with res.Created true when the group exists but
// a later step failed.
func CreateRoom(ctx context.Context, p *Page, members []Contact, topic string) (*RoomResult, error) {
	list := make([]map[string]string, len(members))
	for i, m := range members {
		list[i] = map[string]string{"UserName": m.UserName}
	}
	mark := p.LastSeq()
	v, err := p.Call(ctx, "chatroomFactory", "create", list)
	if err != nil {
		return nil, outcomeError(ctx, p, mark, EndpointCreateRoom, err)
	}
	res, err := readCreateAnswer(ctx, p, mark, v)
	if err != nil {
		return res, err
	}
	// The app reads the new group by itself, often before anybody asks:
	// every batch get since the create counts, and right after a create
	// the app's store holds nothing of the group but the new one.
	rb := readBack{room: res.ChatRoomName, mark: mark, stored: true}
	if topic != "" {
		call, err := SetTopic(ctx, p, res.ChatRoomName, topic)
		if err != nil {
			return res, fmt.Errorf("group %s was created, but setting its topic failed: %w", res.ChatRoomName, err)
		}
		res.Topic = topic
		// Show the group with its topic: only reads that began after it.
		rb.since, rb.stored = answeredAt(call), false
	}
	room, info, err := rb.read(ctx, p)
	if err != nil {
		return res, fmt.Errorf("group %s was created, but reading it back failed: %w", res.ChatRoomName, err)
	}
	res.Room, res.Info = room, info
	if room.NickName != "" {
		res.Topic = room.NickName
	}
	return res, nil
}

// readCreateAnswer interprets a settled create(): it resolves only on Ret 0
// and rejects with the raw answer on any other Ret, or with the error body
// on an HTTP failure.
func readCreateAnswer(ctx context.Context, p *Page, mark int, v Result) (*RoomResult, error) {
	var ans createAnswer
	if err := json.Unmarshal(v.Value, &ans); err != nil || ans.BaseResponse == nil {
		return nil, httpFailure(ctx, p, mark, EndpointCreateRoom, v.Value)
	}
	res := &RoomResult{
		Ret:          ans.BaseResponse.Ret,
		ErrMsg:       ans.BaseResponse.ErrMsg,
		ChatRoomName: ans.ChatRoomName,
		Topic:        ans.Topic,
		Invited:      ans.MemberList,
		Answer:       v.Value,
	}
	switch {
	case res.Ret == RetOK && res.ChatRoomName != "":
		res.Created = true
	case res.Ret == RetCreateFlagged && res.ChatRoomName != "":
		res.Created, res.Flagged = true, true
	case res.Ret == RetOK || res.Ret == RetCreateFlagged:
		return res, &RetError{Op: EndpointCreateRoom, Ret: res.Ret, ErrMsg: res.ErrMsg,
			Why: "but the answer has no ChatRoomName: the group was not created"}
	default:
		return res, &RetError{Op: EndpointCreateRoom, Ret: res.Ret, ErrMsg: res.ErrMsg}
	}
	return res, nil
}

// httpFailure explains an answer that is not WeChat JSON, with the status
// of the app's own request. The promise can settle before the recorder has
// read the answer, so it waits a moment for the recorded call. An error
// status is a refusal; no answer at all, or a 200 whose body is not WeChat
// JSON (cut short, or a proxy's page), leaves the outcome unknown: the
// server may have done the work.
func httpFailure(ctx context.Context, p *Page, mark int, endpoint string, body json.RawMessage) error {
	wctx, cancel := context.WithTimeout(ctx, recordWait)
	defer cancel()
	c, err := p.WaitCall(wctx, func(c NetCall) bool { return c.Seq > mark && c.Endpoint == endpoint })
	switch {
	case err != nil:
		// Not recorded: judge by what the app was given.
	case c.Status != 0 && c.Status != http.StatusOK:
		return &HTTPError{Op: endpoint, Status: c.Status}
	case c.Status == 0:
		return &UnknownOutcomeError{Op: endpoint, Sent: true, Err: &HTTPError{Op: endpoint, Text: "no answer: " + c.Err}}
	default:
		return &UnknownOutcomeError{Op: endpoint, Sent: true,
			Err: &HTTPError{Op: endpoint, Text: "the answer is not WeChat JSON: " + abbreviate(string(c.ResponseBody), 120)}}
	}
	var rejected struct {
		Status int `json:"status"`
	}
	if json.Unmarshal(body, &rejected) == nil && rejected.Status != 0 && rejected.Status != http.StatusOK {
		return &HTTPError{Op: endpoint, Status: rejected.Status}
	}
	return &UnknownOutcomeError{Op: endpoint, Sent: true,
		Err: &HTTPError{Op: endpoint, Text: "the answer is not WeChat JSON: " + abbreviate(string(body), 120)}}
}

// recordWait bounds how long a settled call waits for the recorder to
// finish reading the request behind it.
const recordWait = 2 * time.Second

// outcomeError explains a failed Call by what may have reached WeChat. When
// the job ended under it (the session ended, or wxctl was interrupted) it is
// a *StoppedError, of that class, saying whether the request was sent. When
// the context ran out, or the browser or page went away mid-call, a change
// (see IsChange) that may have left is an *UnknownOutcomeError, and a read
// is of the page's class (exit 7): it changed nothing.
func outcomeError(ctx context.Context, p *Page, mark int, endpoint string, err error) error {
	sent := false
	for _, c := range p.Calls() {
		if c.Seq > mark && c.Endpoint == endpoint {
			sent = true
		}
	}
	if cause := ctx.Err(); errors.Is(cause, ErrNotLoggedIn) || errors.Is(cause, context.Canceled) {
		return &StoppedError{Op: endpoint, Sent: sent, Change: IsChange(endpoint), Err: cause}
	}
	timedOut := ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded)
	// A browser or page that goes away mid-call may have sent the request
	// before its events reached the recorder: unknown, even when unseen.
	gone := errors.Is(err, ErrBrowserGone) || errors.Is(err, ErrPageClosed) || errors.Is(err, ErrNavigated)
	switch {
	case (timedOut || gone) && IsChange(endpoint):
		return &UnknownOutcomeError{Op: endpoint, Sent: sent, Err: err}
	case timedOut:
		return stalled(endpoint, err)
	}
	return fmt.Errorf("calling the app for %s: %w", endpoint, err)
}

// SetTopic renames a group through chatroomFactory.modTopic and returns
// the app's webwxupdatechatroom?fun=modtopic call: the method reports
// nothing, so the call's answer is the outcome. RenameRoom also reads the
// group back.
func SetTopic(ctx context.Context, p *Page, room, topic string) (NetCall, error) {
	ch := &RoomChange{ChatRoomName: room}
	err := ch.update(ctx, p, []string{FunModTopic}, "modTopic", room, topic)
	var call NetCall
	if n := len(ch.Updates); n > 0 {
		call = ch.Updates[n-1].Call
	}
	return call, err
}

// CheckAnswer returns the error that a recorded call's answer stands for:
// an *HTTPError for a failed request, a *RetError for a non-zero Ret, nil
// for success (Ret 0, or -2013 where FlaggedSuccess says so).
func CheckAnswer(op string, c NetCall) error {
	if c.Err != "" {
		return &HTTPError{Op: op, Text: c.Err}
	}
	if c.Status != http.StatusOK {
		return &HTTPError{Op: op, Status: c.Status}
	}
	var br baseResponse
	if err := json.Unmarshal(c.ResponseBody, &br); err != nil || br.BaseResponse == nil {
		return &HTTPError{Op: op, Text: "the answer is not WeChat JSON: " + abbreviate(string(c.ResponseBody), 120)}
	}
	if ret := br.BaseResponse.Ret; ret != RetOK && (ret != RetCreateFlagged || !FlaggedSuccess(op)) {
		return &RetError{Op: op, Ret: br.BaseResponse.Ret, ErrMsg: br.BaseResponse.ErrMsg}
	}
	return nil
}

// ReadRoom reads a group back the way the app does after creating one: a
// batch get of the room contact (webwxbatchgetcontact?type=ex), made after
// ReadRoom is called. It returns the group and its ContactList entry
// exactly as the app received it. See readBack for how it works with the
// app's own reads.
func ReadRoom(ctx context.Context, p *Page, room string) (*Contact, json.RawMessage, error) {
	return readBack{room: room, mark: p.LastSeq()}.read(ctx, p)
}

// readBack reads a group back through the app's batch get, working with
// the app rather than against it. The app reads groups by itself: right
// after a create, the system message in the new group makes it queue the
// group (getContact → addBatchgetContact), and that batch get, which may
// list other contacts too, is often on the wire or answered before wxctl
// asks. And the app's addBatchgetContact returns no promise for a contact
// already queued, in flight or given up, while the promise it does return
// settles only when that call's own timer sent the batch: waiting on a
// request of one's own, or on the promise, can wait for ever.
//
// So any answer counts, whoever asked: the first answered batch get after
// mark that started no earlier than since and whose request and answer
// list the group. The app is asked to read the group only when no batch
// get is in flight, and asked again when nothing came of it; a contact the
// app gave up on is queued through its own retry path. With stored, the
// app's store also counts once it holds the group's members (right after
// a create, whatever it holds of the group is new), when no answer on the
// network can be read.
type readBack struct {
	room  string
	mark  int       // only the app's requests after this Seq
	since time.Time // that started at this moment or later: after the answer of the change to show
	// stored lets the app's store stand for the read-back.
	stored bool
}

// askAgain is how long a read-back waits for the app's batch get after
// asking for it, before it looks at the app again: the app sends its queue
// 200 ms after a contact is queued, unless a batch is in flight.
const askAgain = time.Second

// stalledBatch is how long an unanswered batch get holds back asking the
// app: one that has not finished by then may never.
const stalledBatch = 10 * time.Second

// roomProbe is what read_room.js returns.
type roomProbe struct {
	Stored json.RawMessage `json:"stored"`
	Asked  bool            `json:"asked"`
	Queued bool            `json:"queued"`
}

func (rb readBack) read(ctx context.Context, p *Page) (*Contact, json.RawMessage, error) {
	var askedAt time.Time // zero: not asked yet
	refused := 0          // asks in a row that found the read queued, in flight or given up
	for {
		calls, changed := p.rec.snapshot(0)
		inFlight := false
		for _, c := range calls {
			if c.Endpoint != EndpointBatchGet {
				continue
			}
			if !c.Done {
				inFlight = inFlight || time.Since(c.Started) < stalledBatch
				continue
			}
			if c.Seq <= rb.mark || c.Started.Before(rb.since) || !listsUser(c.RequestBody, rb.room) {
				continue
			}
			if room, info, err, ok := batchAnswer(c, rb.room); ok {
				return room, info, err
			}
		}
		if !inFlight {
			ask := askedAt.IsZero() || time.Since(askedAt) >= askAgain
			// A contact the app gave up on is queued again through the app's
			// retry path; one left in that path, through its queue.
			raw, err := p.Run(ctx, scripts.ReadRoom, rb.room, ask, refused%2 == 1)
			if err != nil {
				return nil, nil, outcomeError(ctx, p, rb.mark, EndpointBatchGet, err)
			}
			var probe roomProbe
			if err := json.Unmarshal(raw, &probe); err != nil {
				return nil, nil, fmt.Errorf("reading group %s back: %w", rb.room, err)
			}
			if rb.stored && len(probe.Stored) > 0 && string(probe.Stored) != "null" {
				return decodeRoom(probe.Stored)
			}
			if probe.Asked {
				askedAt = time.Now()
				if probe.Queued {
					refused = 0
				} else {
					refused++
				}
			}
		}
		if err := p.waitChange(ctx, changed, askAgain); err != nil {
			return nil, nil, outcomeError(ctx, p, rb.mark, EndpointBatchGet, err)
		}
	}
}

// batchAnswer reads a done batch get whose request lists room: the group,
// or the error its answer stands for. ok is false when its answer cannot be
// read (the browser no longer had the body), and when a batch of several
// failed: the app then asks for each of them again, alone.
func batchAnswer(c NetCall, room string) (_ *Contact, _ json.RawMessage, _ error, ok bool) {
	if c.BodiesDropped || (c.Status == http.StatusOK && c.ResponseBody == nil) {
		return nil, nil, nil, false
	}
	if err := CheckAnswer(EndpointBatchGet, c); err != nil {
		var req struct{ List []json.RawMessage }
		if json.Unmarshal(c.RequestBody, &req) == nil && len(req.List) > 1 {
			return nil, nil, nil, false
		}
		return nil, nil, err, true
	}
	var ans struct {
		ContactList []json.RawMessage `json:"ContactList"`
	}
	if err := json.Unmarshal(c.ResponseBody, &ans); err != nil {
		return nil, nil, &HTTPError{Op: EndpointBatchGet, Text: err.Error()}, true
	}
	for _, entry := range ans.ContactList {
		if requestField(entry, "UserName") == room {
			c, info, err := decodeRoom(entry)
			return c, info, err, true
		}
	}
	return nil, nil, &RetError{Op: EndpointBatchGet, Ret: RetOK, Why: "but the answer does not list " + room}, true
}

// answeredAt is when the answer of a done call had come in full.
func answeredAt(c NetCall) time.Time {
	return c.Started.Add(c.Duration)
}

func decodeRoom(entry json.RawMessage) (*Contact, json.RawMessage, error) {
	var c Contact
	if err := json.Unmarshal(entry, &c); err != nil {
		return nil, nil, &HTTPError{Op: EndpointBatchGet, Text: "the group entry is not what the app expects: " + err.Error()}
	}
	return &c, entry, nil
}

// listsUser reports whether a batch-get request body lists userName.
func listsUser(body json.RawMessage, userName string) bool {
	var req struct {
		List []struct {
			UserName string `json:"UserName"`
		} `json:"List"`
	}
	if json.Unmarshal(body, &req) != nil {
		return false
	}
	for _, u := range req.List {
		if u.UserName == userName {
			return true
		}
	}
	return false
}

// requestField returns a top-level string field of a JSON object, or "".
func requestField(body json.RawMessage, field string) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	var s string
	if json.Unmarshal(m[field], &s) != nil {
		return ""
	}
	return s
}

func queryParam(rawURL, name string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return u.Query().Get(name)
}

// abbreviate keeps a page's or a server's text to n columns in an error:
// see Abbreviate.
func abbreviate(s string, n int) string { return Abbreviate(s, n) }
