// readRoom: runs in the page of web WeChat.
// Uses contactFactory.addBatchgetContact, the app's own batch queue (flushed
// by a $timeout into POST webwxbatchgetcontact?type=ex with
// List [{UserName, ChatRoomId: ""}]), or, where an app lacks it,
// addBatchgetChatroomContact followed by batchGetContact.
// Returns {queued: bool, contact: Contact|null}: contact is the ContactList
// entry for roomUserName from the answer the app received, copied to plain
// JSON, when the app's promise gives it; queued is false when the app
// refused to queue the read (it holds the room already, or a read is in
// flight). The caller reads the answer from the network either way.
function (roomUserName) {
  var contacts = angular.element(document).injector().get('contactFactory');
  var promise;
  if (typeof contacts.addBatchgetContact === 'function') {
    promise = contacts.addBatchgetContact({UserName: roomUserName, ChatRoomId: ''});
  } else {
    contacts.addBatchgetChatroomContact(roomUserName);
    if (typeof contacts.batchGetContact === 'function') {
      promise = contacts.batchGetContact();
    }
  }
  if (!promise || typeof promise.then !== 'function') {
    return {queued: false, contact: null};
  }
  return new Promise(function (resolve) {
    promise.then(function (answer) {
      var list = answer && answer.ContactList ? answer.ContactList : answer;
      var found = null;
      if (Array.isArray(list)) {
        list.forEach(function (c) {
          if (c && c.UserName === roomUserName) { found = c; }
        });
      }
      resolve({queued: true, contact: found ? JSON.parse(angular.toJson(found)) : null});
    }, function () {
      resolve({queued: true, contact: null});
    });
  });
}
