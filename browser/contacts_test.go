package browser

import (
	"errors"
	"strings"
	"testing"
)

func testBook() *AddressBook {
	return &AddressBook{
		Self: Contact{UserName: "@self0000000000000000", NickName: `<span class="emoji emoji1f601"></span> Me`},
		Friends: []Contact{
			{UserName: "@rain000000000000000001", NickName: "Rain1ove"},
			{UserName: "@hui0000000000000000002", NickName: "迴焘願點"},
			{UserName: "@zhang00000000000000003", NickName: "Zhang Wei", RemarkName: "Boss"},
			{UserName: "@alice00000000000000004", NickName: "Alice", Alias: "alice_w"},
			{UserName: "@tom1000000000000000005", NickName: "Tom"},
			{UserName: "@tom2000000000000000006", NickName: "Tom"},
			{UserName: "@smile00000000000000007", NickName: `Smile<span class="emoji emoji1f601"></span>`},
			{UserName: "@quote00000000000000008", NickName: `Quote "Q" \ &lt;/script&gt;`},
		},
	}
}

func TestResolveFriends(t *testing.T) {
	b := testBook()
	tests := []struct {
		name string
		want string
	}{
		{"Rain1ove", "@rain000000000000000001"},
		{"迴焘願點", "@hui0000000000000000002"},
		{"Boss", "@zhang00000000000000003"},
		{"Zhang Wei", "@zhang00000000000000003"},
		{"zhang  wei", "@zhang00000000000000003"},
		{"alice_w", "@alice00000000000000004"},
		{"@tom2000000000000000006", "@tom2000000000000000006"},
		{"Smile\U0001F601", "@smile00000000000000007"},
		{`Quote "Q" \ </script>`, "@quote00000000000000008"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := b.ResolveFriends([]string{tt.name})
			if err != nil {
				t.Fatal(err)
			}
			if got[0].UserName != tt.want {
				t.Errorf("got %s, want %s", got[0].UserName, tt.want)
			}
		})
	}
}

func TestResolveFriendsRefusesAllAtOnce(t *testing.T) {
	_, err := testBook().ResolveFriends([]string{"Tom", "Nobody", "Rain1ove", "@unknown0000000000000000", "Me"})
	var ne *NameError
	if !errors.As(err, &ne) || !errors.Is(err, ErrBadInput) {
		t.Fatalf("err = %v, want a *NameError that is ErrBadInput", err)
	}
	if len(ne.Problems) != 4 {
		t.Fatalf("problems = %q, want 4 (Tom ambiguous, Nobody and Me unknown, @unknown not a friend)", ne.Problems)
	}
	for _, want := range []string{"@tom1…0005", "@tom2…0006", `no friend is called "Nobody"`, "UserNames change"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestResolveFriendsSelf(t *testing.T) {
	b := testBook()
	for _, name := range []string{b.Self.UserName, "\U0001F601 Me"} {
		_, err := b.ResolveFriends([]string{name})
		if err == nil || !strings.Contains(err.Error(), "yourself") {
			t.Errorf("ResolveFriends(%q) = %v, want a refusal naming yourself", name, err)
		}
	}
}

func TestCheckRoomMembers(t *testing.T) {
	b := testBook()
	f := b.Friends
	tests := []struct {
		name    string
		members []Contact
		want    string
	}{
		{"ok", []Contact{f[0], f[1]}, ""},
		{"one", []Contact{f[0]}, "at least 2"},
		{"twice", []Contact{f[0], f[0], f[1]}, "listed twice"},
		{"self", []Contact{f[0], b.Self, f[1]}, "leave yourself out"},
		{"self makes too few", []Contact{f[0], b.Self}, "at least 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckRoomMembers(b.Self, tt.members)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrBadInput) {
				t.Errorf("err = %v, want ErrBadInput mentioning %q", err, tt.want)
			}
		})
	}
}

func TestShortUserName(t *testing.T) {
	if got := ShortUserName("@@60bee4413ae9c655abe22fc69d5a0d110a6a71e3aa23566ac109707f1354da4e"); got != "@@60be…da4e" {
		t.Errorf("got %q", got)
	}
	if got := ShortUserName("@abc"); got != "@abc" {
		t.Errorf("got %q", got)
	}
}
