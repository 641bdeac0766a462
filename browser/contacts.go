package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wxctl/wxctl/scripts"
)

// ErrBadInput means what the user asked for cannot be done as given: an
// unknown or ambiguous name, yourself as a member, too few members. Nothing
// was sent to WeChat.
var ErrBadInput = errors.New("bad input")

// Contact is a contact or a group as the app holds it, reduced to plain JSON.
// Names keep WeChat's markup; PlainName turns them into text.
type Contact struct {
	UserName        string   `json:"UserName"`
	NickName        string   `json:"NickName"`
	RemarkName      string   `json:"RemarkName,omitempty"`
	Alias           string   `json:"Alias,omitempty"`
	DisplayName     string   `json:"DisplayName,omitempty"`
	ContactFlag     int      `json:"ContactFlag,omitempty"`
	VerifyFlag      int      `json:"VerifyFlag,omitempty"`
	MemberCount     int      `json:"MemberCount,omitempty"`
	EncryChatRoomID string   `json:"EncryChatRoomId,omitempty"`
	IsOwner         int      `json:"IsOwner,omitempty"`
	MemberList      []Member `json:"MemberList,omitempty"`
}

// Member is one entry of a group's MemberList.
type Member struct {
	UserName    string `json:"UserName"`
	NickName    string `json:"NickName"`
	DisplayName string `json:"DisplayName,omitempty"`
	AttrStatus  int64  `json:"AttrStatus,omitempty"`
}

// IsRoom reports whether the contact is a group (UserName "@@…").
func (c Contact) IsRoom() bool { return strings.HasPrefix(c.UserName, "@@") }

// IsSaved reports whether the contact is in the address book (ContactFlag
// bit 1): every friend, and the groups you saved there. Most groups are
// not saved; the app learns them from your recent chats.
func (c Contact) IsSaved() bool { return c.ContactFlag&contactFlagContact != 0 }

// contactFlagContact is the address-book bit of ContactFlag (the app's
// confFactory.CONTACTFLAG_CONTACT).
const contactFlagContact = 1

// Label is how the contact is shown to a person: the remark name if set,
// else the nickname, as plain text.
func (c Contact) Label() string {
	if r := PlainName(c.RemarkName); r != "" {
		return r
	}
	return PlainName(c.NickName)
}

// AddressBook is the app's view of the account: who you are, your friends
// and your groups.
type AddressBook struct {
	Self    Contact   `json:"self"`
	Friends []Contact `json:"friends"`
	Groups  []Contact `json:"groups"`
}

// contactsWait bounds how long LoadContacts waits for the app's contact
// list request before it reads what the app holds anyway.
const contactsWait = 15 * time.Second

// LoadContacts waits until the app has loaded its contact list and the
// groups of its recent chats (see WaitGroups), and returns them. It returns
// ErrNotLoggedIn when the page has no session, and a *GroupsLoadingError
// when ctx ends before the app has loaded its groups: a group looked for in
// a half-loaded list would seem not to exist.
func LoadContacts(ctx context.Context, p *Page) (*AddressBook, error) {
	// The app fetches the list with webwxgetcontact (paged by Seq) after
	// webwxinit; waiting for the last page avoids reading a half list.
	wctx, cancel := context.WithTimeout(ctx, contactsWait)
	call, err := p.WaitCall(wctx, func(c NetCall) bool {
		return c.Endpoint == "webwxgetcontact" && (contactListComplete(c.ResponseBody) || c.Done && CheckAnswer(c.Endpoint, c) != nil)
	})
	cancel()
	if err != nil && ctx.Err() != nil {
		return nil, fmt.Errorf("waiting for the contact list: %w", err)
	}
	if err == nil {
		// A refused list leaves the app without friends: say why, rather
		// than that nobody is called so. The end of the session is the
		// session watch's to tell.
		if err := CheckAnswer(call.Endpoint, call); err != nil && !errors.Is(err, ErrNotLoggedIn) {
			return nil, fmt.Errorf("loading the contact list: %w", err)
		}
	}
	if err := WaitGroups(ctx, p); err != nil {
		return nil, err
	}

	waitMs := int64(5000)
	if dl, ok := ctx.Deadline(); ok {
		waitMs = max(0, min(waitMs, time.Until(dl).Milliseconds()-100))
	}
	raw, err := p.Run(ctx, scripts.Contacts, waitMs, 1)
	if err != nil {
		return nil, fmt.Errorf("reading contacts: %w", err)
	}
	var got struct {
		LoggedIn bool      `json:"loggedIn"`
		Self     *Contact  `json:"self"`
		Friends  []Contact `json:"friends"`
		Groups   []Contact `json:"groups"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		return nil, fmt.Errorf("reading contacts: %w", err)
	}
	if !got.LoggedIn {
		return nil, ErrNotLoggedIn
	}
	if got.Self == nil {
		return nil, fmt.Errorf("reading contacts: the app never loaded its own user (webwxinit): %w", ErrAppNotReady)
	}
	return &AddressBook{Self: *got.Self, Friends: got.Friends, Groups: got.Groups}, nil
}

// contactListComplete reports whether a webwxgetcontact answer is the last
// page (Seq 0).
func contactListComplete(body json.RawMessage) bool {
	var r struct {
		Seq *int64 `json:"Seq"`
	}
	if json.Unmarshal(body, &r) != nil {
		return false
	}
	return r.Seq == nil || *r.Seq == 0
}

// NameError lists every name that could not be resolved, with the reason
// and, for ambiguous names, the candidates.
type NameError struct {
	Problems []string
}

func (e *NameError) Error() string {
	return strings.Join(e.Problems, "; ")
}

// Is makes a NameError a bad-input error.
func (e *NameError) Is(target error) bool { return target == ErrBadInput }

// ResolveFriends finds each of names among the friends: a UserName ("@…")
// is taken as is when the app knows it; any other name matches NickName,
// RemarkName or Alias, first exactly (emoji markup rendered), then ignoring
// case and spacing. Every unknown or ambiguous name is reported at once.
func (b *AddressBook) ResolveFriends(names []string) ([]Contact, error) {
	var out []Contact
	var problems []string
	for _, name := range names {
		c, problem := b.resolveOne(name)
		if problem != "" {
			problems = append(problems, problem)
			continue
		}
		out = append(out, c)
	}
	if len(problems) > 0 {
		return nil, &NameError{Problems: problems}
	}
	return out, nil
}

func (b *AddressBook) resolveOne(name string) (Contact, string) {
	name = strings.TrimSpace(name)
	if name == "" {
		return Contact{}, "an empty member name"
	}
	if b.isSelf(name) {
		return b.Self, fmt.Sprintf("%q is yourself: a group is created with you in it already", name)
	}
	if strings.HasPrefix(name, "@") || IsSpecialUserName(name) {
		for _, c := range b.Friends {
			if c.UserName == name {
				return c, ""
			}
		}
		return Contact{}, fmt.Sprintf("%s is not a friend's UserName in this session (UserNames change at every login; use a name)", name)
	}
	matches := matchNames(b.Friends, name)
	switch len(matches) {
	case 1:
		return matches[0], ""
	case 0:
		return Contact{}, fmt.Sprintf("no friend is called %q%s", name, suggest(b.Friends, name))
	}
	return Contact{}, fmt.Sprintf("%q is ambiguous: %s; use a UserName or a remark name", name, describe(matches))
}

func (b *AddressBook) isSelf(name string) bool {
	s := b.Self
	return name == s.UserName || name == PlainName(s.NickName) && !b.hasFriendNamed(name)
}

func (b *AddressBook) hasFriendNamed(name string) bool {
	return len(matchNames(b.Friends, name)) > 0
}

// matchNames returns the contacts one of whose names equals name exactly,
// or failing that, equals it when case and spacing are ignored.
func matchNames(list []Contact, name string) []Contact {
	var exact, folded []Contact
	key := foldName(name)
	for _, c := range list {
		names := []string{PlainName(c.NickName), PlainName(c.RemarkName), c.Alias}
		if contains(names, name) {
			exact = append(exact, c)
			continue
		}
		for _, n := range names {
			if n != "" && foldName(n) == key {
				folded = append(folded, c)
				break
			}
		}
	}
	if len(exact) > 0 {
		return exact
	}
	return folded
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// suggest names up to five contacts whose names are near name, nearest
// first: a name that contains it, then one within a few typing mistakes
// (case and spacing ignored): "Carl" finds Carol.
func suggest(list []Contact, name string) string {
	key := foldName(name)
	if key == "" {
		return ""
	}
	type near struct {
		c    Contact
		dist int
	}
	var found []near
	for _, c := range list {
		if d, ok := nameDistance(c, key); ok {
			found = append(found, near{c, d})
		}
	}
	if len(found) == 0 {
		return ""
	}
	slices.SortStableFunc(found, func(a, b near) int { return a.dist - b.dist })
	out := make([]Contact, 0, 5)
	for _, n := range found[:min(5, len(found))] {
		out = append(out, n.c)
	}
	return "; did you mean " + describe(out)
}

// nameDistance is how far key (folded) is from c's nearest name: 0 for a
// name that contains it, else the edit distance, when that is at most a
// third of key's length (at least 1).
func nameDistance(c Contact, key string) (int, bool) {
	best, ok := 0, false
	limit := max(1, utf8.RuneCountInString(key)/3)
	for _, n := range []string{c.NickName, c.RemarkName, c.Alias} {
		f := foldName(n)
		if f == "" {
			continue
		}
		d := 0
		if !strings.Contains(f, key) {
			d = 1 + EditDistance(f, key)
			if d-1 > limit {
				continue
			}
		}
		if !ok || d < best {
			best, ok = d, true
		}
	}
	return best, ok
}

// EditDistance is the Levenshtein distance of a and b, in runes.
func EditDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(rb)]
}

// describe lists contacts as `"Tom" (@12ab…9f3c)` so that a person can tell
// same-named friends apart.
func describe(list []Contact) string {
	parts := make([]string, len(list))
	for i, c := range list {
		s := fmt.Sprintf("%q (%s", PlainName(c.NickName), ShortUserName(c.UserName))
		if r := PlainName(c.RemarkName); r != "" {
			s += ", remark " + fmt.Sprintf("%q", r)
		}
		if c.Alias != "" {
			s += ", alias " + c.Alias
		}
		parts[i] = s + ")"
	}
	return strings.Join(parts, ", ")
}

// ShortUserName abbreviates a UserName for people: "@d909…f847".
func ShortUserName(u string) string {
	prefix := "@"
	if strings.HasPrefix(u, "@@") {
		prefix = "@@"
	}
	body := strings.TrimPrefix(u, prefix)
	if len(body) <= 10 {
		return u
	}
	return prefix + body[:4] + "…" + body[len(body)-4:]
}

// CheckRoomMembers refuses a member list that WeChat would refuse: fewer
// than two people besides yourself, yourself, or someone twice.
func CheckRoomMembers(self Contact, members []Contact) error {
	var problems []string
	seen := map[string]bool{}
	for _, m := range members {
		switch {
		case m.UserName == self.UserName:
			problems = append(problems, "you are in the member list: leave yourself out, you are in the group anyway")
			continue
		case seen[m.UserName]:
			problems = append(problems, fmt.Sprintf("%s (%s) is listed twice", m.Label(), ShortUserName(m.UserName)))
		}
		seen[m.UserName] = true
	}
	if len(seen) < 2 {
		problems = append(problems, fmt.Sprintf("a group needs at least 2 members besides you, got %d", len(seen)))
	}
	if len(problems) > 0 {
		return &NameError{Problems: problems}
	}
	return nil
}
