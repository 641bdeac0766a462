package smoke

import (
	"context"
	"fmt"

	"github.com/wxctl/wxctl/browser"
)

// MemberRefs replaces every {"member": NAME} in v by a MemberRef.
func MemberRefs(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if name, ok := x["member"].(string); ok && len(x) == 1 {
			return MemberRef{Name: name}
		}
		for k, item := range x {
			x[k] = MemberRefs(item)
		}
	case []any:
		for i, item := range x {
			x[i] = MemberRefs(item)
		}
	}
	return v
}

// Resolver finds friends named in call arguments, loading the app's
// contacts once, on the first name.
type Resolver struct {
	Page *browser.Page
	book *browser.AddressBook
}

// Resolve replaces MemberRefs in v by UserNames, and resultRefs through
// result (nil: there are none).
func (a *Resolver) Resolve(ctx context.Context, v any, result func(resultRef) (any, error)) (any, error) {
	switch x := v.(type) {
	case MemberRef:
		return a.userName(ctx, x.Name)
	case resultRef:
		if result == nil {
			return nil, fmt.Errorf("{result: %s} has no check to read", x.Check)
		}
		return result(x)
	case []any:
		out := make([]any, len(x))
		for i, item := range x {
			var err error
			if out[i], err = a.Resolve(ctx, item, result); err != nil {
				return nil, err
			}
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, item := range x {
			var err error
			if out[k], err = a.Resolve(ctx, item, result); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return v, nil
}

// WaitForApp waits, when the page is logged in, until the app has loaded
// its own user and its contacts (webwxinit, webwxgetcontact), so that an
// ad-hoc call or expression sees what a person would see on the page. A
// logged-out page is taken as it is.
func (a *Resolver) WaitForApp(ctx context.Context) error {
	if ok, err := browser.HasSession(ctx, a.Page); err != nil || !ok {
		return err
	}
	book, err := browser.LoadContacts(ctx, a.Page)
	if err != nil {
		return fmt.Errorf("waiting for the app to load your contacts: %w", err)
	}
	a.book = book
	return nil
}

// userName resolves one friend as --member does.
func (a *Resolver) userName(ctx context.Context, name string) (string, error) {
	if a.book == nil {
		book, err := browser.LoadContacts(ctx, a.Page)
		if err != nil {
			return "", fmt.Errorf("finding member %q: %w", name, err)
		}
		a.book = book
	}
	friends, err := a.book.ResolveFriends([]string{name})
	if err != nil {
		return "", fmt.Errorf("finding member %q: %w", name, err)
	}
	return friends[0].UserName, nil
}
