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
