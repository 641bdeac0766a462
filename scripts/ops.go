package scripts

import _ "embed"

// The scripts of WeChat operations. Each Source is one JavaScript function
// expression taking its arguments as JSON values.
var (
	//go:embed contacts.js
	contactsSource string
	//go:embed read_room.js
	readRoomSource string
	//go:embed service_info.js
	serviceInfoSource string
	//go:embed session_secrets.js
	sessionSecretsSource string

	// Contacts waits for the app's contact list and returns the self user,
	// friends and groups as plain JSON (see contacts.js).
	Contacts = Script{Name: "contacts", Source: contactsSource}
	// ReadRoom looks for a room in the app's store and, when asked to,
	// queues its batch get through the app's own queue, without waiting on
	// the app's promise (see read_room.js).
	ReadRoom = Script{Name: "readRoom", Source: readRoomSource}
	// ServiceInfo describes one injector service, its methods with their
	// arity and its other fields, without calling it (see service_info.js).
	ServiceInfo = Script{Name: "serviceInfo", Source: serviceInfoSource}
	// SessionSecrets returns the values of the session's secrets, for
	// masking them wherever they appear (see session_secrets.js).
	SessionSecrets = Script{Name: "sessionSecrets", Source: sessionSecretsSource}
)
