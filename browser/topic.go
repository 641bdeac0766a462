package browser

import (
	"fmt"
	"unicode/utf8"
)

// MaxTopicRunes is the longest group topic WeChat takes, in characters
// (runes, not bytes: 32 Chinese characters are as good as 32 Latin ones).
// The server refuses a longer one with Ret -2, after the group exists when
// the topic is set right after create.
const MaxTopicRunes = 32

// CheckTopic refuses a topic WeChat would refuse, so that room create and
// room batch refuse it before the group is created, which would then keep
// no topic. (room topic lets WeChat answer: nothing is made.) The error is
// ErrBadInput.
func CheckTopic(topic string) error {
	if n := utf8.RuneCountInString(topic); n > MaxTopicRunes {
		return &classError{class: ErrBadInput, msg: fmt.Sprintf(
			"the topic %q is %d characters long, and WeChat takes at most %d: shorten it",
			clipText(topic, 60), n, MaxTopicRunes)}
	}
	return nil
}
