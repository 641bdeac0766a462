// sendText: runs in the page of web WeChat.
// Uses chatFactory.createMessage, appendMessage and sendMessage and
// confFactory.MSGTYPE_TEXT: the steps the page's own chat box takes when the
// user presses Enter, in a digest like the chat box's, so that the app's
// $http sends at once on AngularJS 1.2 too.
// text is given to createMessage the way the chat box's editable area holds
// it, as HTML (&, < and > escaped, <br> for new lines), so that
// createMessage's own clean-up of that HTML gives back exactly text.
// sendMessage returns nothing; the caller reads the outcome from the app's
// webwxsendmsg request, which carries LocalID. Returns plain JSON:
//   {LocalID, ClientMsgId, MMSendContent}
function (toUserName, text) {
  var injector = angular.element(document).injector();
  var chat = injector.get('chatFactory');
  var conf = injector.get('confFactory');
  var root = injector.get('$rootScope');
  var html = String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/\r?\n/g, '<br>');
  var msg = null;
  function send() {
    msg = chat.createMessage({MsgType: conf.MSGTYPE_TEXT, Content: html, ToUserName: toUserName});
    chat.appendMessage(msg);
    chat.sendMessage(msg);
  }
  if (root.$$phase) {
    send();
  } else {
    // $apply hands an exception to $exceptionHandler, which may only log
    // it: msg tells whether the message was made.
    root.$apply(send);
  }
  if (!msg || !msg.LocalID) {
    throw new Error('chatFactory.createMessage made no message');
  }
  return {
    LocalID: String(msg.LocalID),
    ClientMsgId: String(msg.ClientMsgId),
    MMSendContent: String(msg.MMSendContent)
  };
}
