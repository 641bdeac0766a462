package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// RoomQuery describes a group to look for among the groups the app holds:
// typically one whose create was sent but whose answer was never seen, so
// that nobody knows whether it exists.
type RoomQuery struct {
	// Topic is the planned topic, as plain text.
	Topic string
	// Self is your UserName, left out when members are compared.
	Self string
	// Members are the UserNames of the members besides you.
	Members []string
	// Skip holds ChatRoomNames that must not match: groups already claimed
	// for another purpose.
	Skip map[string]bool
}

// FoundRoom is a group that FindRoom matched.
type FoundRoom struct {
	Room Contact
	// Titled is true when the group has the query's topic; false when it
	// has no topic yet and matched by its members alone: the create went
	// through but the topic was never set.
	Titled bool
}

// FindRoom looks among the app's groups (contactFactory.getAllChatroomContact)
// for one with exactly the query's members, you aside, and either the
// query's topic or none at all. A create answer carries no topic (the app
// sends an empty Topic and sets it afterwards with modTopic), so a group
// made by a create whose answer was lost may have no name. A group with the
// topic is preferred to one without. Groups whose member list the app does
// not hold yet are read back through the app's batch get (ReadRoom); others
// cost no request. It returns nil when no group matches.
func FindRoom(ctx context.Context, p *Page, q RoomQuery) (*FoundRoom, error) {
	return newRoomFinder(p, q).find(ctx)
}

// WaitRoom is FindRoom, tried again whenever the app may have learnt of new
// groups, until within has passed. A group made by a create whose answer
// was lost reaches the app only through its push channel, a moment after
// the create: synccheck, then webwxsync, whose system message in the
// unknown group makes the app read it with its own batch get (or whose
// ModContactList carries it).
func WaitRoom(ctx context.Context, p *Page, q RoomQuery, within time.Duration) (*FoundRoom, error) {
	wctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	f := newRoomFinder(p, q)
	for {
		mark := p.LastSeq()
		found, err := f.find(ctx)
		if err != nil || found != nil {
			return found, err
		}
		if !f.waitForNews(wctx, mark) {
			return nil, ctx.Err()
		}
	}
}

// recheckEvery bounds how long WaitRoom goes without looking again: the app
// applies a webwxsync answer a moment after the recorder has read it.
const recheckEvery = 500 * time.Millisecond

// roomFinder keeps what one search has read back, so that trying again
// does not read the same group twice.
type roomFinder struct {
	p       *Page
	q       RoomQuery
	want    []string            // the members, sorted
	members map[string][]string // read back: room → its members besides you, sorted
}

func newRoomFinder(p *Page, q RoomQuery) *roomFinder {
	want := slices.Clone(q.Members)
	slices.Sort(want)
	return &roomFinder{p: p, q: q, want: slices.Compact(want), members: make(map[string][]string)}
}

// waitForNews waits until the app has synced or read contacts since mark,
// or recheckEvery has passed; it returns false when ctx ended.
func (f *roomFinder) waitForNews(ctx context.Context, mark int) bool {
	nctx, cancel := context.WithTimeout(ctx, recheckEvery)
	defer cancel()
	_, _ = f.p.WaitCall(nctx, func(c NetCall) bool {
		return c.Seq > mark && (c.Endpoint == "webwxsync" || c.Endpoint == "webwxinit" || c.Endpoint == EndpointBatchGet)
	})
	return ctx.Err() == nil
}

func (f *roomFinder) find(ctx context.Context) (*FoundRoom, error) {
	groups, err := appGroups(ctx, f.p)
	if err != nil {
		return nil, err
	}
	topic := strings.TrimSpace(f.q.Topic)
	var untitled *FoundRoom
	for _, g := range groups {
		name := PlainName(g.NickName)
		if f.q.Skip[g.UserName] || (name != topic && name != "") {
			continue
		}
		ok, err := f.sameMembers(ctx, g)
		if err != nil {
			return nil, err
		}
		switch {
		case !ok:
		case name == topic && topic != "":
			return &FoundRoom{Room: g, Titled: true}, nil
		case untitled == nil:
			untitled = &FoundRoom{Room: g}
		}
	}
	return untitled, nil
}

// sameMembers reports whether group g has exactly the wanted members,
// reading it back when the app does not hold its member list.
func (f *roomFinder) sameMembers(ctx context.Context, g Contact) (bool, error) {
	have, ok := f.members[g.UserName]
	if !ok {
		list := g.MemberList
		if len(list) == 0 && g.MemberCount > 0 && g.MemberCount != len(f.want)+1 {
			return false, nil // its count, you included, says no: no need to read it back
		}
		if len(list) == 0 {
			room, _, err := ReadRoom(ctx, f.p, g.UserName)
			if err != nil {
				return false, fmt.Errorf("reading group %s back to compare its members: %w", ShortUserName(g.UserName), err)
			}
			list = room.MemberList
		}
		for _, m := range list {
			if m.UserName != f.q.Self {
				have = append(have, m.UserName)
			}
		}
		slices.Sort(have)
		f.members[g.UserName] = have
	}
	return slices.Equal(have, f.want), nil
}

// appGroups returns the groups the app holds, through its own
// contactFactory.getAllChatroomContact, with their member lists when the
// app has them (it may not, for groups it has only heard the name of).
func appGroups(ctx context.Context, p *Page) ([]Contact, error) {
	res, err := p.Call(ctx, "contactFactory", "getAllChatroomContact", map[string]any{"isNewArray": true})
	if err != nil {
		return nil, fmt.Errorf("listing the app's groups: %w", err)
	}
	var groups []Contact
	if err := json.Unmarshal(res.Value, &groups); err != nil {
		return nil, fmt.Errorf("listing the app's groups: the answer is not a list of groups: %w", err)
	}
	return groups, nil
}

// TopicRooms are the groups FindTopic found with a topic.
type TopicRooms struct {
	// Rooms are the groups with the topic, the one with the query's
	// members first when there is one.
	Rooms []Contact
	// SameMembers is true when Rooms[0] has exactly the query's members.
	SameMembers bool
}

// FindTopic looks among the app's groups for those whose topic is
// q.Topic, whatever their members: before a create, whether a group
// planned with that topic exists already (made by an earlier run whose
// record is lost). It reads the same list as FindRoom and compares members
// the same way; a group whose members cannot be read back still counts,
// since it has the topic. Groups in q.Skip are left out. It waits for the
// groups the app is still loading (WaitGroups) and fails when they do not
// all come: a group missed there would be made a second time.
func FindTopic(ctx context.Context, p *Page, q RoomQuery) (TopicRooms, error) {
	var out TopicRooms
	topic := strings.TrimSpace(q.Topic)
	if topic == "" {
		return out, nil
	}
	// A group the app is still loading would be missed, and made again.
	if err := WaitGroups(ctx, p); err != nil {
		return out, err
	}
	groups, err := appGroups(ctx, p)
	if err != nil {
		return out, err
	}
	f := newRoomFinder(p, q)
	for _, g := range groups {
		if q.Skip[g.UserName] || PlainName(g.NickName) != topic {
			continue
		}
		out.Rooms = append(out.Rooms, g)
		if out.SameMembers {
			continue
		}
		if same, err := f.sameMembers(ctx, g); err == nil && same {
			out.SameMembers = true
			last := len(out.Rooms) - 1
			out.Rooms[0], out.Rooms[last] = out.Rooms[last], out.Rooms[0]
		}
	}
	return out, nil
}
