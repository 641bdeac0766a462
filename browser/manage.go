package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/wxctl/wxctl/scripts"
)

// Funs of webwxupdatechatroom: the ?fun= of the app's chatroomFactory
// calls.
const (
	FunAddMember    = "addmember"
	FunInviteMember = "invitemember" // addMember's choice once a group reaches 40 members
	FunDelMember    = "delmember"
	FunModTopic     = "modtopic"
	FunQuit         = "quitchatroom"
)

// EndpointSearch is the endpoint of contactFactory.remoteSearch.
const EndpointSearch = "webwxsearchcontact"

// RoomUpdate is one webwxupdatechatroom call the app made and WeChat's
// answer to it, as the page's network traffic showed them.
type RoomUpdate struct {
	Fun string
	// Members are the UserNames the call names in AddMemberList,
	// InviteMemberList or DelMemberList.
	Members []string
	// Answered is true when a WeChat answer was read; Ret and ErrMsg are
	// then its BaseResponse. A call that failed below JSON (HTTP 500) or got
	// no answer in time is not answered.
	Answered bool
	Ret      int
	ErrMsg   string
	Call     NetCall
}

// RoomChange is the outcome of changing a group through chatroomFactory,
// whose addMember, delMember, modTopic and quit return nothing: the
// webwxupdatechatroom calls the app made, in order, and the group as the
// app read it back afterwards.
type RoomChange struct {
	ChatRoomName string
	Updates      []RoomUpdate
	// Room and Info are the group read back through the app's batch get and
	// its ContactList entry as received; nil when ReadErr says why not.
	Room    *Contact
	Info    json.RawMessage
	ReadErr error
}

// Invited reports whether the app invited rather than added: addMember
// switches to fun=invitemember at 40 members, and an invitation is not a
// membership.
func (ch *RoomChange) Invited() bool {
	return slices.ContainsFunc(ch.Updates, func(u RoomUpdate) bool { return u.Fun == FunInviteMember })
}

// ReadBack reads the group back through the app's batch get (see readBack)
// into Room and Info, or records in ReadErr why it could not. Only a read
// that began after the answer of the last change counts, so that the group
// shows the change: one begun before may have been answered before the
// change was made. After a change whose outcome is unknown, call it again
// with a fresh context.
func (ch *RoomChange) ReadBack(ctx context.Context, p *Page) {
	rb := readBack{room: ch.ChatRoomName, mark: p.LastSeq()}
	if n := len(ch.Updates); n > 0 && ch.Updates[n-1].Call.Done {
		last := ch.Updates[n-1].Call
		rb.mark, rb.since = last.Seq, answeredAt(last)
	}
	ch.Room, ch.Info, ch.ReadErr = rb.read(ctx, p)
}

// AddMembers adds members to a group through chatroomFactory.addMember,
// which takes their UserNames comma-joined and itself chooses
// fun=addmember, or fun=invitemember when the group would reach 40 members
// (see RoomChange.Invited). Check the members first (ResolveNewMembers):
// the app sends whatever it is given.
//
// The change is returned with the error. Errors: a *RetError or *HTTPError
// when WeChat refused, an *UnknownOutcomeError when no answer came before
// ctx ended (read back again with a fresh context then).
func AddMembers(ctx context.Context, p *Page, room string, members []Contact) (*RoomChange, error) {
	ch := &RoomChange{ChatRoomName: room}
	userNames := make([]string, len(members))
	for i, m := range members {
		userNames[i] = m.UserName
	}
	err := ch.update(ctx, p, []string{FunAddMember, FunInviteMember}, "addMember", room, strings.Join(userNames, ","))
	return ch.finish(ctx, p, err)
}

// RemoveMembers removes members from a group through
// chatroomFactory.delMember, once per member as its signature takes one
// UserName, stopping at the first that fails. Only the owner may remove
// (Ret -66 otherwise). Errors as for AddMembers.
func RemoveMembers(ctx context.Context, p *Page, room string, members []Contact) (*RoomChange, error) {
	ch := &RoomChange{ChatRoomName: room}
	var err error
	for _, m := range members {
		if err = ch.update(ctx, p, []string{FunDelMember}, "delMember", room, m.UserName); err != nil {
			break
		}
	}
	return ch.finish(ctx, p, err)
}

// RenameRoom sets a group's topic through chatroomFactory.modTopic.
// Errors as for AddMembers.
func RenameRoom(ctx context.Context, p *Page, room, topic string) (*RoomChange, error) {
	ch := &RoomChange{ChatRoomName: room}
	err := ch.update(ctx, p, []string{FunModTopic}, "modTopic", room, topic)
	return ch.finish(ctx, p, err)
}

// QuitRoom leaves a group through chatroomFactory.quit. Errors as for
// AddMembers.
func QuitRoom(ctx context.Context, p *Page, room string) (*RoomChange, error) {
	ch := &RoomChange{ChatRoomName: room}
	err := ch.update(ctx, p, []string{FunQuit}, "quit", room)
	return ch.finish(ctx, p, err)
}

// finish reads the group back unless ctx has ended, and passes err on.
func (ch *RoomChange) finish(ctx context.Context, p *Page, err error) (*RoomChange, error) {
	if ctx.Err() == nil {
		ch.ReadBack(ctx, p)
	}
	return ch, err
}

// update calls a chatroomFactory method that returns nothing and waits for
// the webwxupdatechatroom call it makes for the group with one of funs,
// which it appends to ch.Updates, answered or not, with the error its
// answer stands for.
func (ch *RoomChange) update(ctx context.Context, p *Page, funs []string, method string, args ...any) error {
	mark := p.LastSeq()
	// The recorder has a request's body once the request is done; one still
	// in flight is taken as this group's, as wxctl makes one at a time.
	made := func(c NetCall) bool {
		return c.Seq > mark && c.Endpoint == EndpointUpdateRoom && slices.Contains(funs, queryParam(c.URL, "fun")) &&
			(!c.Done || requestField(c.RequestBody, "ChatRoomName") == ch.ChatRoomName)
	}
	if _, err := p.Call(ctx, "chatroomFactory", method, args...); err != nil {
		ch.noteSent(p, made)
		return outcomeError(ctx, p, mark, EndpointUpdateRoom, err)
	}
	call, err := p.WaitCall(ctx, made)
	if err != nil {
		ch.noteSent(p, made)
		return outcomeError(ctx, p, mark, EndpointUpdateRoom, err)
	}
	u := newRoomUpdate(call)
	ch.Updates = append(ch.Updates, u)
	return checkChange(EndpointUpdateRoom+"?fun="+u.Fun, call)
}

// noteSent records the app's call that is still without an answer, so
// that the report says which fun went out.
func (ch *RoomChange) noteSent(p *Page, made func(NetCall) bool) {
	for _, c := range p.Calls() {
		if made(c) {
			ch.Updates = append(ch.Updates, newRoomUpdate(c))
			return
		}
	}
}

// newRoomUpdate reads a recorded webwxupdatechatroom call.
func newRoomUpdate(c NetCall) RoomUpdate {
	u := RoomUpdate{Fun: queryParam(c.URL, "fun"), Call: c}
	for _, field := range []string{"AddMemberList", "InviteMemberList", "DelMemberList"} {
		for name := range strings.SplitSeq(requestField(c.RequestBody, field), ",") {
			if name != "" {
				u.Members = append(u.Members, name)
			}
		}
	}
	u.Ret, u.ErrMsg, u.Answered = answerOf(c)
	return u
}

// answerOf returns the BaseResponse of a recorded call's answer, and
// whether there is one: a failed or unanswered request has none.
func answerOf(c NetCall) (ret int, errMsg string, ok bool) {
	var br baseResponse
	if !c.Done || c.Status != http.StatusOK || json.Unmarshal(c.ResponseBody, &br) != nil || br.BaseResponse == nil {
		return 0, "", false
	}
	return br.BaseResponse.Ret, br.BaseResponse.ErrMsg, true
}

// HasMember reports whether userName is in the contact's MemberList.
func (c Contact) HasMember(userName string) bool {
	return slices.ContainsFunc(c.MemberList, func(m Member) bool { return m.UserName == userName })
}

// ResolveGroup finds one of your groups: "@@…" as is when the app holds
// it, any other name by the group's topic (emoji markup rendered), first
// exactly, then ignoring case and spacing. An unknown or ambiguous name is
// a *NameError listing the candidates with their UserNames.
func (b *AddressBook) ResolveGroup(name string) (Contact, error) {
	name = strings.TrimSpace(name)
	var found []Contact
	if strings.HasPrefix(name, "@@") {
		found = slices.DeleteFunc(slices.Clone(b.Groups), func(g Contact) bool { return g.UserName != name })
	} else if name != "" {
		found = matchNames(b.Groups, name)
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return Contact{}, &NameError{Problems: []string{fmt.Sprintf("no group is called %q in this session; %s", name, listGroups(nearGroups(b.Groups, name)))}}
	}
	return Contact{}, &NameError{Problems: []string{fmt.Sprintf("%q is ambiguous: %s; name the group by its UserName", name, listGroups(found))}}
}

// nearGroups orders groups for a person who named one that is not there:
// first those whose topic contains the name or shares a word with it
// (ignoring case), then those saved to the address book, then the rest.
func nearGroups(groups []Contact, name string) []Contact {
	key := foldName(name)
	words := strings.Fields(strings.ToLower(name))
	rank := func(g Contact) int {
		topic := PlainName(g.NickName)
		switch {
		case key != "" && strings.Contains(foldName(topic), key):
			return 0
		case key != "" && func() bool { _, near := nameDistance(g, key); return near }():
			return 1 // a typing mistake: "Book Clb"
		case slices.ContainsFunc(strings.Fields(strings.ToLower(topic)), func(w string) bool { return slices.Contains(words, w) }):
			return 2
		case g.IsSaved():
			return 3
		}
		return 4
	}
	out := slices.Clone(groups)
	slices.SortStableFunc(out, func(a, b Contact) int { return rank(a) - rank(b) })
	return out
}

// listGroups names groups with their full UserNames, which a person can
// then pass instead of a topic: the first maxListed of them, each topic
// cut short, so that an account with thousands of groups still gets an
// error of one readable line.
func listGroups(groups []Contact) string {
	if len(groups) == 0 {
		return "the app holds no group"
	}
	parts := make([]string, 0, min(len(groups), maxListed)+1)
	for _, g := range groups[:min(len(groups), maxListed)] {
		topic := PlainName(g.NickName)
		if topic == "" {
			topic = "(no topic)"
		} else {
			topic = fmt.Sprintf("%q", Abbreviate(topic, 40))
		}
		parts = append(parts, topic+" "+g.UserName)
	}
	if more := len(groups) - maxListed; more > 0 {
		parts = append(parts, "and "+thousands(more)+" more (wxctl contacts --groups lists them all)")
	}
	return "groups: " + strings.Join(parts, ", ")
}

// maxListed is how many groups an error lists at most.
const maxListed = 10

// GroupMates returns the people you share a group with who are not your
// friends, from what the app holds (it asks the server nothing).
func GroupMates(ctx context.Context, p *Page) ([]Contact, error) {
	raw, err := p.Run(ctx, scripts.GroupMates)
	if err != nil {
		return nil, fmt.Errorf("listing the members of your groups: %w", err)
	}
	var mates []Contact
	if err := json.Unmarshal(raw, &mates); err != nil {
		return nil, fmt.Errorf("listing the members of your groups: %w", err)
	}
	return mates, nil
}

// ResolveNewMembers finds the people to add to room: each name among your
// friends, or failing that among mates (see GroupMates), whom WeChat will
// likely refuse as strangers (1204) but whom the tool leaves to WeChat.
// Before anything is sent it refuses, all at once, unknown and ambiguous
// names, special accounts (see Contact.IsSpecial), yourself, members
// already in the group and anybody named twice.
func (b *AddressBook) ResolveNewMembers(room *Contact, names []string, mates []Contact) ([]Contact, error) {
	return resolveEach(names, func(name string) (Contact, string) {
		c, problem := pickOne(b.Friends, name, matchNames, "friend")
		if problem != "" && !b.isSelfName(name) {
			if mate, p := pickOne(mates, name, matchNames, "member of your groups"); p == "" {
				c, problem = mate, ""
			}
		}
		if problem != "" && b.isSelfName(name) {
			c, problem = b.Self, ""
		}
		switch {
		case problem != "":
		case c.IsSpecial():
			problem = specialProblem(c)
		case c.UserName == b.Self.UserName:
			problem = "you are in the group already"
		case room.HasMember(c.UserName):
			problem = fmt.Sprintf("%s (%s) is in the group already", c.Label(), ShortUserName(c.UserName))
		}
		return c, problem
	})
}

// resolveEach resolves every name with one, which returns the contact or
// why not, refuses anybody named twice, and reports every problem at once.
func resolveEach(names []string, one func(name string) (Contact, string)) ([]Contact, error) {
	var out []Contact
	var problems []string
	seen := map[string]bool{}
	for _, name := range names {
		c, problem := one(name)
		if problem == "" && seen[c.UserName] {
			problem = fmt.Sprintf("%s (%s) is listed twice", c.Label(), ShortUserName(c.UserName))
		}
		if problem != "" {
			problems = append(problems, problem)
			continue
		}
		seen[c.UserName] = true
		out = append(out, c)
	}
	if len(problems) > 0 {
		return nil, &NameError{Problems: problems}
	}
	return out, nil
}

// ResolveRoomMembers finds the members of room to remove: by UserName, or
// by NickName, a friend's RemarkName or Alias, and then the name they use
// in the group (DisplayName). Before anything is sent it refuses, all at
// once, names that are not members, ambiguous names, yourself and anybody
// named twice.
func (b *AddressBook) ResolveRoomMembers(room *Contact, names []string) ([]Contact, error) {
	members := b.roomMembers(room)
	return resolveEach(names, func(name string) (Contact, string) {
		c, problem := pickOne(members, name, matchMembers, fmt.Sprintf("member of %q", PlainName(room.NickName)))
		if problem == "" && c.UserName == b.Self.UserName {
			problem = "you cannot remove yourself: leave the group with wxctl room quit"
		}
		return c, problem
	})
}

// roomMembers turns a group's members into contacts, with the RemarkName
// and Alias you gave those who are your friends.
func (b *AddressBook) roomMembers(room *Contact) []Contact {
	out := make([]Contact, len(room.MemberList))
	for i, m := range room.MemberList {
		out[i] = Contact{UserName: m.UserName, NickName: m.NickName, DisplayName: m.DisplayName}
		if f := slices.IndexFunc(b.Friends, func(f Contact) bool { return f.UserName == m.UserName }); f >= 0 {
			out[i].RemarkName, out[i].Alias = b.Friends[f].RemarkName, b.Friends[f].Alias
		}
	}
	return out
}

// isSelfName reports whether name stands for you: your UserName or your
// NickName as plain text.
func (b *AddressBook) isSelfName(name string) bool {
	name = strings.TrimSpace(name)
	return name == b.Self.UserName || name != "" && name == PlainName(b.Self.NickName)
}

// pickOne resolves name in list: a UserName ("@…") exactly, any other name
// through match. It returns the contact, or the problem in words; what
// names the kind of contact searched for ("friend").
func pickOne(list []Contact, name string, match func([]Contact, string) []Contact, what string) (Contact, string) {
	name = strings.TrimSpace(name)
	var found []Contact
	switch {
	case name == "":
		return Contact{}, "an empty name"
	case strings.HasPrefix(name, "@") || IsSpecialUserName(name):
		// Special accounts have fixed UserNames ("filehelper") people use.
		found = slices.DeleteFunc(slices.Clone(list), func(c Contact) bool { return c.UserName != name })
	default:
		found = match(list, name)
	}
	switch len(found) {
	case 1:
		return found[0], ""
	case 0:
		if strings.HasPrefix(name, "@") {
			return Contact{}, fmt.Sprintf("%s is not the UserName of a %s in this session (UserNames change at every login; use a name)", name, what)
		}
		return Contact{}, fmt.Sprintf("no %s is called %q%s", what, name, suggest(list, name))
	}
	return Contact{}, fmt.Sprintf("%q is ambiguous: %s; use a UserName", name, describe(found))
}

// matchMembers matches group members by their names (matchNames), and
// failing that by the name they use in the group.
func matchMembers(members []Contact, name string) []Contact {
	if found := matchNames(members, name); len(found) > 0 {
		return found
	}
	byDisplay := make([]Contact, len(members))
	for i, m := range members {
		byDisplay[i] = Contact{UserName: m.UserName, NickName: m.DisplayName}
	}
	var out []Contact
	for _, d := range matchNames(byDisplay, name) {
		out = append(out, members[slices.IndexFunc(members, func(m Contact) bool { return m.UserName == d.UserName })])
	}
	return out
}

// SearchResult is what the server found for a keyword through the app's
// contactFactory.remoteSearch.
type SearchResult struct {
	Keyword string
	// Asked is true when the app asked the server (webwxsearchcontact); the
	// app answers a keyword it searched before from its cache.
	Asked bool
	Ret   int
	// Hits are the friends among the server's answer, as the app holds
	// them (remoteSearch keeps only known, non-brand contacts).
	Hits []Contact
}

// RemoteSearch asks the server for keyword through
// contactFactory.remoteSearch. The real method's promise never settles when
// the answer's Ret is not 0 or the request fails, so the outcome is read
// from the app's webwxsearchcontact call as well: a refusal is a *RetError
// or *HTTPError as soon as it is seen, and no answer before ctx ends is an
// *UnknownOutcomeError.
func RemoteSearch(ctx context.Context, p *Page, keyword string) (*SearchResult, error) {
	res := &SearchResult{Keyword: keyword}
	mark := p.LastSeq()
	sctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends whichever wait is still on
	type settled struct {
		v   Result
		err error
	}
	promise := make(chan settled, 1)
	go func() {
		v, err := p.Call(sctx, "contactFactory", "remoteSearch", keyword)
		promise <- settled{v, err}
	}()
	answer := make(chan NetCall, 1)
	go func() {
		if c, err := p.WaitCall(sctx, func(c NetCall) bool { return c.Seq > mark && c.Endpoint == EndpointSearch }); err == nil {
			answer <- c
		}
	}()
	for {
		select {
		case c := <-answer:
			res.Asked = true
			res.Ret, _, _ = answerOf(c)
			if err := CheckAnswer(EndpointSearch, c); err != nil {
				return res, searchRefused(err)
			}
		case s := <-promise:
			if s.err != nil {
				return res, outcomeError(ctx, p, mark, EndpointSearch, s.err)
			}
			if !s.v.Resolved {
				return res, fmt.Errorf("contactFactory.remoteSearch rejected: %s", abbreviate(string(s.v.Value), 120))
			}
			if err := json.Unmarshal(s.v.Value, &res.Hits); err != nil {
				return res, fmt.Errorf("reading remoteSearch's hits: %w", err)
			}
			res.Asked = res.Asked || slices.ContainsFunc(p.Calls(), func(c NetCall) bool { return c.Seq > mark && c.Endpoint == EndpointSearch })
			return res, nil
		}
	}
}

// searchRefused adds to a refusal of webwxsearchcontact that the app's
// promise will never settle on it, which is why it is read from the network.
func searchRefused(err error) error {
	var re *RetError
	if errors.As(err, &re) {
		re.Why = RetMeaning(re.Ret) + "; the app's remoteSearch never settles on such an answer"
	}
	return err
}
