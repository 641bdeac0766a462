package scripts

import _ "embed"

// The scripts of the log-in: they read and press the login view of the page
// (the scope of [ng-controller="loginController"]) the way a person looks at
// it and clicks, because the QR code, the scan and the phone's confirmation
// exist only there.
var (
	//go:embed login_state.js
	loginStateSource string
	//go:embed login_press.js
	loginPressSource string

	// LoginState waits in the page, for at most waitMs, until the log-in
	// state differs from the one whose key the caller saw last, and returns
	// it: {key, ready, loggedIn, user, view, code, qrcodeUrl, uuid, scanned,
	// association, waiting, needRefresh, brokenNetwork, blocked, message}
	// (see login_state.js).
	LoginState = Script{Name: "loginState", Source: loginStateSource}

	// LoginPress presses a button of the login view: "association" (log in
	// by a push to the phone), "qrcode" (show the QR code instead) or
	// "refresh" (a new QR code after the page gave up reloading). It returns
	// whether the view had that button (see login_press.js).
	LoginPress = Script{Name: "loginPress", Source: loginPressSource}
)
