package browser

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestRetErrorClasses(t *testing.T) {
	tests := []struct {
		ret  int
		want error
	}{
		{1, ErrRateLimited},
		{1205, ErrRateLimited},
		{1100, ErrNotLoggedIn},
		{1101, ErrNotLoggedIn},
		{1102, ErrNotLoggedIn},
		{1203, ErrLoginBlocked},
		{1204, ErrRefused},
		{-66, ErrRefused},
		{-1, ErrRefused},
		{12345, ErrRefused},
	}
	all := []error{ErrRateLimited, ErrNotLoggedIn, ErrLoginBlocked, ErrRefused}
	for _, tt := range tests {
		err := error(&RetError{Op: "webwxcreatechatroom", Ret: tt.ret})
		for _, class := range all {
			if got := errors.Is(err, class); got != (class == tt.want) {
				t.Errorf("Ret %d: errors.Is(%v) = %v", tt.ret, class, got)
			}
		}
	}
}

func TestRetErrorMessage(t *testing.T) {
	err := &RetError{Op: "webwxcreatechatroom", Ret: 1, ErrMsg: "操作太频繁，请稍后再试"}
	for _, want := range []string{"webwxcreatechatroom", "Ret 1", "too frequent", "操作太频繁"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
	why := &RetError{Op: "webwxcreatechatroom", Why: "but no ChatRoomName"}
	if !strings.Contains(why.Error(), "Ret 0: but no ChatRoomName") {
		t.Errorf("Why not used: %q", why)
	}
}

func TestUnknownOutcome(t *testing.T) {
	err := error(&UnknownOutcomeError{Op: "webwxcreatechatroom", Sent: true, Err: context.DeadlineExceeded})
	if !errors.Is(err, ErrOutcomeUnknown) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("%v should be ErrOutcomeUnknown and DeadlineExceeded", err)
	}
	if !strings.Contains(err.Error(), "may or may not") {
		t.Errorf("message %q does not say the outcome is unknown", err)
	}
}
