// groupMates: runs in the page of web WeChat.
// Uses accountFactory.getUserName, contactFactory.getAllChatroomContact and
// contactFactory.getContact with noBatchGet, so that it asks the server
// nothing (getChatRoomMembersContact would queue a batch get for every
// member the app does not know).
// Returns the people you share a group with who are not your friends, each
// once, as plain JSON: [{UserName, NickName, DisplayName}], DisplayName being
// their name in the first group listing them.
function () {
  var injector = angular.element(document).injector();
  var contacts = injector.get('contactFactory');
  var me = injector.get('accountFactory').getUserName();
  var seen = {};
  var out = [];
  angular.forEach(contacts.getAllChatroomContact({isNewArray: true}), function (room) {
    angular.forEach(room.MemberList || [], function (member) {
      var known = contacts.getContact(member.UserName, '', true);
      var friend = known && typeof known.isContact === 'function' && known.isContact();
      if (!member.UserName || member.UserName === me || seen[member.UserName] || friend) {
        return;
      }
      seen[member.UserName] = true;
      out.push({
        UserName: String(member.UserName),
        NickName: String((known && known.NickName) || member.NickName || ''),
        DisplayName: String(member.DisplayName || '')
      });
    });
  });
  return out;
}
