// contactStore: runs in the page of web WeChat.
// Uses accountFactory.getUserInfo and contactFactory.getAllContacts (the
// app's map of every contact and group it holds, by UserName).
// Returns plain JSON {self: UserName|"", contacts: [Contact]} where Contact
// has UserName, NickName, RemarkName and, for a group, MemberList
// [{UserName, NickName, DisplayName}]: the app's own view, which later
// webwxsync answers change.
function () {
  var injector = angular.element(document).injector();
  var me = injector.get('accountFactory').getUserInfo();
  var all = injector.get('contactFactory').getAllContacts() || {};
  var out = [];
  Object.keys(all).forEach(function (userName) {
    var c = all[userName];
    if (!c || typeof c !== 'object') {
      return;
    }
    var entry = {
      UserName: String(c.UserName || userName),
      NickName: String(c.NickName || ''),
      RemarkName: String(c.RemarkName || '')
    };
    if (Object.prototype.toString.call(c.MemberList) === '[object Array]') {
      entry.MemberList = c.MemberList.map(function (m) {
        return {
          UserName: String(m.UserName || ''),
          NickName: String(m.NickName || ''),
          DisplayName: String(m.DisplayName || '')
        };
      });
    }
    out.push(entry);
  });
  return {self: me && me.UserName ? String(me.UserName) : '', contacts: out};
}
