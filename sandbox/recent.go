package sandbox

import (
	"fmt"
	"slices"
	"strings"
)

// The real server makes the app load most groups in the background: its
// webwxgetcontact lists friends and only the groups saved to the address
// book (ContactFlag bit 1), and its webwxinit gives a few recent chats in
// full (ContactList) and every recent chat by name only (ChatSet, a
// comma-joined string of people and groups). The app's
// chatFactory.initChatList queues each group of ChatSet for a batch get,
// 50 per webwxbatchgetcontact, one request at a time; until those answers
// arrive, getAllChatroomContact() lacks most groups people use. The sandbox
// answers the same way, and its seed has enough unsaved groups in the
// recent chats to need several batch requests.

// DefaultRecentGroups is how many unsaved groups the seed's recent chats
// hold unless WithRecentGroups says otherwise: more than one batch get's
// worth, so that the app needs two requests in a row to load them.
const DefaultRecentGroups = 60

// initFull is how many of the most recent chats webwxinit sends in full.
const initFull = 10

// personEvery mixes a person into the seed's recent chats after every so
// many groups, as a real chat list mixes them.
const personEvery = 10

// WithRecentGroups makes the seed's recent chats hold n groups the user is
// in but has not saved to the address book (ContactFlag 2), named by
// RecentGroupTopic(1) (the most recent) to RecentGroupTopic(n) (the
// oldest, which the app loads last). The default is DefaultRecentGroups.
func WithRecentGroups(n int) Option {
	return func(c *config) { c.recentGroups = max(n, 0) }
}

// RecentGroupTopic is the topic of the seed's ith most recent unsaved group.
func RecentGroupTopic(i int) string { return fmt.Sprintf("Recent group %03d", i) }

// seedRecent makes the seed's recent chats: the seed room, then n unsaved
// groups with a friend between every personEvery of them. Each group has
// the user and two friends, one of whom owns it.
func (st *state) seedRecent(n int) {
	st.recent = append(st.recent, st.roomList...)
	for i := 1; i <= n; i++ {
		a, b := st.friends[i%len(st.friends)], st.friends[(i+1)%len(st.friends)]
		r := st.addRoom(RecentGroupTopic(i), a, []string{SelfUserName, a, b})
		st.recent = append(st.recent, r.userName)
		if i%personEvery == 0 {
			st.recent = append(st.recent, st.friends[(i/personEvery)%len(st.friends)])
		}
	}
}

// touch makes a chat the most recent one, as a message in it does.
func (st *state) touch(userName string) {
	if i := slices.Index(st.recent, userName); i >= 0 {
		st.recent = slices.Delete(st.recent, i, i+1)
	}
	st.recent = slices.Insert(st.recent, 0, userName)
}

// recentChats returns webwxinit's ContactList, the first initFull recent
// chats in full, and its ChatSet, all of them by name. Rooms the user has
// left are left out.
func (st *state) recentChats() (full []Contact, chatSet string) {
	full = []Contact{}
	var names []string
	for _, u := range st.recent {
		var c Contact
		if r, ok := st.rooms[u]; ok {
			if !r.has(SelfUserName) {
				continue
			}
			c = st.roomContact(r)
		} else if p := st.person(u); p != nil {
			c = cloneContact(*p)
		} else {
			continue
		}
		if len(full) < initFull {
			full = append(full, c)
		}
		names = append(names, u)
	}
	return full, strings.Join(names, ",")
}

// savedRooms are the rooms saved to the address book that the user is in,
// as webwxgetcontact lists them.
func (st *state) savedRooms() []Contact {
	var out []Contact
	for _, id := range st.roomList {
		if r := st.rooms[id]; r.saved && r.has(SelfUserName) {
			out = append(out, st.roomContact(r))
		}
	}
	return out
}

// contactFlag is the room's ContactFlag: a chat contact, and a contact
// when saved to the address book.
func (r *room) contactFlag() int {
	if r.saved {
		return contactFlagContact | contactFlagChatContact
	}
	return contactFlagChatContact
}
