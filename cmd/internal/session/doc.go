// Package session opens web WeChat for a command: it starts the sandbox
// when asked, gets a browser (launched with a profile, or attached),
// opens the app in a new tab, checks the session (or logs in through the
// command's callback) and watches it for the rest of the job. It takes
// plain Options, which cmd reads from its flags in one place, and never
// a *cli.Context.
//
// It lives under cmd rather than in browser because it joins browser and
// sandbox and speaks to people (where the session is kept, what to do
// when WeChat refuses the account): browser stays the layer that drives
// one page and knows no sandbox.
package session
