package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/wxctl/wxctl/scripts"
)

// The app learns most groups after the page opens. webwxgetcontact lists
// only the groups saved to the address book; webwxinit names every recent
// chat in ChatSet, and the app's chatFactory.initChatList queues each group
// of it for a batch get (webwxbatchgetcontact, 50 per request, one request
// at a time). A group looked for by name before its batch get is answered
// looks like no group at all, so every resolution of a group waits for that
// loading first (WaitGroups).

// GroupsLoadingError says that the app had not loaded the groups of its
// recent chats when the time ran out. It is ErrAppNotReady: the app was
// still starting, nothing was sent for the command.
type GroupsLoadingError struct {
	// Missing are the UserNames of the groups the app neither held nor had
	// an answer for; Total is how many groups it was loading.
	Missing []string
	Total   int
	Err     error // the cause, such as context.DeadlineExceeded
}

// shownMissing bounds how many missing groups the message names.
const shownMissing = 5

func (e *GroupsLoadingError) Error() string {
	names := make([]string, 0, shownMissing)
	for _, u := range e.Missing[:min(len(e.Missing), shownMissing)] {
		names = append(names, ShortUserName(u))
	}
	list := strings.Join(names, ", ")
	if more := len(e.Missing) - len(names); more > 0 {
		list += fmt.Sprintf(" and %d more", more)
	}
	return fmt.Sprintf("the app had not loaded %d of the %d groups of its recent chats in time (its webwxbatchgetcontact requests were still under way): %s; "+
		"a group among them cannot be found by name yet: raise --timeout", len(e.Missing), e.Total, list)
}

// Unwrap returns ErrAppNotReady and the cause.
func (e *GroupsLoadingError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrAppNotReady}
	}
	return []error{ErrAppNotReady, e.Err}
}

// groupsRecheck bounds each look at what the app holds: after it, the
// answers recorded since are read again.
const groupsRecheck = 250 * time.Millisecond

// WaitGroups waits until the app has loaded the groups it started loading
// when the page opened: every group of the recorded webwxinit answer (its
// ChatSet and ContactList) is held by the app, or a batch get that listed
// it was answered without it (a failed request, a Ret other than 0, or a
// ContactList that leaves it out). Without a recorded webwxinit answer
// there is nothing to wait for. When ctx ends first it returns a
// *GroupsLoadingError naming the groups still missing (ctx's error alone
// when ctx was cancelled).
func WaitGroups(ctx context.Context, p *Page) error {
	init, wanted := loadingGroups(p.Calls())
	pending := wanted
	for len(pending) > 0 {
		settled := answeredWithout(p.Calls(), init)
		pending = slices.DeleteFunc(pending, func(u string) bool { return settled[u] })
		if len(pending) == 0 {
			return nil
		}
		// The page's wait ends well before ctx does (see pageTimeout), so
		// that the last look still answers.
		waitMs := groupsRecheck.Milliseconds()
		if dl, ok := ctx.Deadline(); ok {
			waitMs = max(0, min(waitMs, time.Until(dl).Milliseconds()-600))
		}
		raw, err := p.Run(ctx, scripts.MissingGroups, pending, waitMs)
		if err == nil {
			var missing []string
			if err = json.Unmarshal(raw, &missing); err == nil {
				pending = missing
			}
		}
		switch {
		case ctx.Err() != nil, errors.Is(err, context.DeadlineExceeded):
			return groupsLoadingError(ctx, pending, len(wanted))
		case err != nil:
			return fmt.Errorf("waiting for the app to load its groups: %w", err)
		case len(pending) > 0 && waitMs == 0:
			return groupsLoadingError(ctx, pending, len(wanted))
		}
	}
	return nil
}

func groupsLoadingError(ctx context.Context, missing []string, total int) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return fmt.Errorf("waiting for the app to load its groups: %w", ctx.Err())
	}
	return &GroupsLoadingError{Missing: missing, Total: total, Err: context.DeadlineExceeded}
}

// loadingGroups returns the Seq of the last answered webwxinit and the
// groups its answer named, in ChatSet order; none without one.
func loadingGroups(calls []NetCall) (int, []string) {
	for i := len(calls) - 1; i >= 0; i-- {
		c := calls[i]
		if c.Endpoint != "webwxinit" || !c.Done || c.ResponseBody == nil {
			continue
		}
		var a struct {
			ChatSet     string
			ContactList []struct{ UserName string }
		}
		if json.Unmarshal(c.ResponseBody, &a) != nil {
			return c.Seq, nil
		}
		names := strings.Split(a.ChatSet, ",")
		for _, contact := range a.ContactList {
			names = append(names, contact.UserName)
		}
		var groups []string
		for _, u := range names {
			if isGroupName(u) && !slices.Contains(groups, u) {
				groups = append(groups, u)
			}
		}
		return c.Seq, groups
	}
	return 0, nil
}

// isGroupName reports whether u names a group the app loads: "@@…", less
// the kinds of room its initChatList leaves alone.
func isGroupName(u string) bool {
	return strings.HasPrefix(u, "@@") && !strings.HasSuffix(u, "@lbsroom") && !strings.HasSuffix(u, "@talkroom")
}

// answeredWithout returns the groups that a batch get since Seq after
// listed and that its answer did not bring: the request failed, its Ret
// was not 0, or its ContactList left them out. The app will not hold
// those, at least not from this loading.
func answeredWithout(calls []NetCall, after int) map[string]bool {
	out := map[string]bool{}
	for _, c := range calls {
		if c.Seq <= after || c.Endpoint != EndpointBatchGet || !c.Done {
			continue
		}
		var req struct{ List []struct{ UserName string } }
		if json.Unmarshal(c.RequestBody, &req) != nil {
			continue
		}
		brought := map[string]bool{}
		var a struct {
			BaseResponse *struct{ Ret int }
			ContactList  []struct{ UserName string }
		}
		if c.Status == http.StatusOK && json.Unmarshal(c.ResponseBody, &a) == nil && a.BaseResponse != nil && a.BaseResponse.Ret == 0 {
			for _, contact := range a.ContactList {
				brought[contact.UserName] = true
			}
		}
		for _, item := range req.List {
			if !brought[item.UserName] {
				out[item.UserName] = true
			}
		}
	}
	return out
}
