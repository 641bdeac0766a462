package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestErrorClasses(t *testing.T) {
	cause := errors.New("cause")
	for _, tc := range []struct {
		err  error
		is   []error
		text string
	}{
		{&ServiceError{Service: "chatroomFactory"}, []error{ErrServiceMissing}, `no service "chatroomFactory"`},
		{&ServiceError{Service: "chatroomFactory", Method: "create"}, []error{ErrServiceMissing}, `no method "create"`},
		{&NotAppError{URL: "http://x/", Title: "T", Err: context.DeadlineExceeded}, []error{ErrAppNotReady, context.DeadlineExceeded}, `title "T"`},
		{&NotAppError{URL: "http://x/", Blocked: true}, []error{ErrAppNotReady}, "1203"},
		{&NotAppError{URL: "http://x/", NavError: "net::ERR_CONNECTION_REFUSED"}, []error{ErrAppNotReady}, "ERR_CONNECTION_REFUSED"},
		{&classError{class: ErrProfileInUse, msg: "in use", cause: cause}, []error{ErrProfileInUse, cause}, "in use"},
		{fmt.Errorf("calling x.y: %w", &ScriptError{Script: "call", Message: "boom"}), nil, "JavaScript error: boom"},
		{&ScriptError{Script: "s", Value: json.RawMessage(`{"Ret":1}`)}, nil, `rejected with {"Ret":1}`},
	} {
		for _, target := range tc.is {
			if !errors.Is(tc.err, target) {
				t.Errorf("%v is not %v", tc.err, target)
			}
		}
		if !strings.Contains(tc.err.Error(), tc.text) {
			t.Errorf("%q lacks %q", tc.err, tc.text)
		}
	}
	var se *ScriptError
	if !errors.As(fmt.Errorf("x: %w", &ScriptError{Script: "call"}), &se) || se.Script != "call" {
		t.Error("errors.As does not find a wrapped *ScriptError")
	}
}

func TestClipText(t *testing.T) {
	if got := clipText("迴焘願點", 5); got != "迴…" {
		t.Errorf("clipText cut inside a rune: %q", got)
	}
	if got := clipText("short", 10); got != "short" {
		t.Errorf("clipText(short) = %q", got)
	}
}
