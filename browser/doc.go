// Package browser drives a real Chromium on web WeChat and does its work
// through the web app's own AngularJS services, from inside the page.
//
// The steps, in the order every command takes them:
//
//	b, err := browser.Start(ctx, browser.WithProfile(dir)) // launch, or WithRemote to attach
//	defer b.Close()
//	p, err := b.NewPage(ctx)                               // a tab; its network recorder runs from the start
//	err = p.Open(ctx, "https://wx.qq.com/")                // navigate, then wait for the app's injector
//	mark := p.LastSeq()
//	res, err := p.Call(ctx, "chatroomFactory", "create", members) // the app's own service, JSON arguments
//	call, err := p.WaitCall(ctx, func(c browser.NetCall) bool {  // the request it made, and the answer
//		return c.Seq > mark && c.Endpoint == "webwxcreatechatroom"
//	})
//
// Getting a browser (launch.go, profile.go) is kept apart from driving the
// app (page.go, call.go, network.go). Call and Run share one runner in the
// page (scripts/call.js): arguments travel as JSON values, never pasted into
// source; a returned promise is settled both ways (a rejection is an answer,
// Result.Resolved false); values come back as plain JSON; a Go deadline is
// also put into the page, so the page stops waiting when Go does. What the
// app then sent and received is read from the page's own network traffic
// (Calls, WaitCall), because several of its methods report nothing.
//
// Captured bodies hold the session's secrets; Redact masks them.
//
// Errors are sentinel values to branch on with errors.Is (ErrNoBrowser,
// ErrNoDisplay, ErrProfileInUse, ErrAppNotReady, ErrBrowserGone,
// ErrPageClosed, ErrServiceMissing) and types carrying detail for errors.As
// (*NotAppError, *ServiceError, *ScriptError).
package browser
