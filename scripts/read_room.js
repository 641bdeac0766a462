// readRoom: runs in the page of web WeChat.
// Uses contactFactory.getContact (with noBatchGet: a look in the app's
// store that asks nothing) and, when ask is true,
// contactFactory.addBatchgetContact, the app's own batch queue (sent 200 ms
// later as POST webwxbatchgetcontact?type=ex, List [{UserName,
// ChatRoomId: ""}]). With retry true it passes isHadBathGetErrorOnce, the
// app's own way of queueing again a contact whose read failed, which the
// app otherwise never asks for again.
// It never waits on the app's promise: the real one settles only for the
// call whose own timer sent the batch, and never for a contact that went
// out in a batch somebody else queued. The answer is read from the network.
// Returns {stored: Contact|null, asked: bool, queued: bool}: stored is the
// room as the app holds it, copied to plain JSON, when it holds its
// members; asked is whether addBatchgetContact was called; queued is whether
// that call queued the read (it returned a promise) rather than found it
// queued, in flight or given up already (undefined).
function (roomUserName, ask, retry) {
  var contacts = angular.element(document).injector().get('contactFactory');
  var room = contacts.getContact(roomUserName, '', true);
  var stored = null;
  if (room && room.MemberList && room.MemberList.length) {
    stored = JSON.parse(angular.toJson(room));
  }
  if (!ask) {
    return {stored: stored, asked: false, queued: false};
  }
  var promise = contacts.addBatchgetContact({UserName: roomUserName, ChatRoomId: ''}, false, !!retry);
  return {stored: stored, asked: true, queued: !!(promise && typeof promise.then === 'function')};
}
