package scripts

import _ "embed"

var (
	//go:embed missing_groups.js
	missingGroupsSource string

	// MissingGroups waits a moment for the app to hold the groups named and
	// returns the UserNames of those it still does not hold, without asking
	// the server (see missing_groups.js).
	MissingGroups = Script{Name: "missingGroups", Source: missingGroupsSource}
)

var (
	//go:embed contact_store.js
	contactStoreSource string

	// ContactStore copies the app's own contact store, people and groups
	// with their members, to plain JSON (see contact_store.js).
	ContactStore = Script{Name: "contactStore", Source: contactStoreSource}
)
