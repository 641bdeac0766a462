// Package scripts holds the JavaScript that wxctl runs inside the page of web
// WeChat. Each script is one function expression in its own .js file,
// embedded here, with no side effects at load. Its arguments travel as JSON
// values of Runtime.callFunctionOn, never pasted into the source, so a
// NickName such as `"); alert(1);//` stays data.
package scripts

import _ "embed"

// Script is one browser-side function: Source is a JavaScript function
// expression such as `function (a, b) { … }`, and Name says which script an
// error came from.
type Script struct {
	Name   string
	Source string
}

var (
	//go:embed call.js
	callSource string
	//go:embed ready.js
	readySource string
	//go:embed page_info.js
	pageInfoSource string
	//go:embed dom_snapshot.js
	domSnapshotSource string
)

// The primitives that package browser builds on.
var (
	// Call is the runner behind every script: it calls an injector service
	// method (or, for Run, another script's function) with JSON arguments,
	// settles a returned promise both ways, races an optional deadline and
	// answers one JSON string {status, value, message, stack} with the value
	// copied to plain JSON (see call.js).
	Call = Script{Name: "call", Source: callSource}

	// Ready reports whether AngularJS has bootstrapped the page: true when an
	// injector is reachable from the document, the [ng-app] element or the
	// body; "no-angular" for a page that finished loading without AngularJS
	// (see ready.js).
	Ready = Script{Name: "ready", Source: readySource}

	// PageInfo describes the page for an error message: {url, title,
	// snippet, blocked, angular, injector}; blocked is true when the page
	// shows the 1203 "cannot log in to web WeChat" text (see page_info.js).
	PageInfo = Script{Name: "pageInfo", Source: pageInfoSource}

	// DOMSnapshot returns the document as HTML, doctype and outerHTML of
	// the root element as the DOM holds it now (see dom_snapshot.js).
	DOMSnapshot = Script{Name: "domSnapshot", Source: domSnapshotSource}
)
