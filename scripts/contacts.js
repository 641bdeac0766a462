// contacts: runs in the page of web WeChat.
// Uses accountFactory.getUserInfo, contactFactory.getAllFriendContact and
// contactFactory.getAllChatroomContact.
// Waits, polling every 25 ms for at most waitMs, until the app knows its own
// user and holds at least minFriends friends (the contact list arrives after
// webwxinit and webwxgetcontact), then returns plain JSON:
//   {loggedIn, self: Contact|null, friends: [Contact], groups: [Contact]}
// where Contact has UserName, NickName, RemarkName, Alias, ContactFlag,
// VerifyFlag, MemberCount. loggedIn is window.MMCgi.isLogin (the server's
// word when it rendered the page) or the app's own user (which it sets from
// webwxinit's answer, also after a log-in in the page, where MMCgi.isLogin
// stays false); when both are missing the function returns at once.
function (waitMs, minFriends) {
  var injector = angular.element(document).injector();
  var account = injector.get('accountFactory');
  var contacts = injector.get('contactFactory');

  function plain(c) {
    return {
      UserName: String(c.UserName || ''),
      NickName: String(c.NickName || ''),
      RemarkName: String(c.RemarkName || ''),
      Alias: String(c.Alias || ''),
      ContactFlag: Number(c.ContactFlag || 0),
      VerifyFlag: Number(c.VerifyFlag || 0),
      MemberCount: Number(c.MemberCount || 0)
    };
  }
  function snapshot() {
    var self = account.getUserInfo();
    var friends = contacts.getAllFriendContact({isNewArray: true}) || [];
    var groups = contacts.getAllChatroomContact({isNewArray: true}) || [];
    return {
      loggedIn: true,
      self: self && self.UserName ? plain(self) : null,
      friends: friends.map(plain).filter(function (c) { return c.UserName !== (self && self.UserName); }),
      groups: groups.map(plain)
    };
  }
  function ready(s) {
    return s.self !== null && s.friends.length >= minFriends;
  }

  var me = account.getUserInfo();
  if (!(window.MMCgi && window.MMCgi.isLogin) && !(me && me.UserName)) {
    return {loggedIn: false, self: null, friends: [], groups: []};
  }
  return new Promise(function (resolve) {
    var deadline = Date.now() + waitMs;
    var timer = setInterval(check, 25);
    function check() {
      var s = snapshot();
      if (ready(s) || Date.now() >= deadline) {
        clearInterval(timer);
        resolve(s);
      }
    }
    check();
  });
}
