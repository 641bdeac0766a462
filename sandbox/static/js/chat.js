/*
 * chatFactory, reduced to what the sandbox page needs: the chat list (from
 * webwxinit's ChatSet and incoming messages), the messages per chat,
 * notifyMobile (webwxstatusnotify), and sending a text message the way the
 * real chat box does: createMessage → appendMessage → sendMessage, which
 * POSTs webwxsendmsg with {BaseRequest, Msg: {Type, Content, FromUserName,
 * ToUserName, LocalID, ClientMsgId}}. Like the real one, sendMessage returns
 * nothing: the outcome shows in the message's MMStatus and on the network.
 */
angular.module('Services').factory('chatFactory', ['$rootScope', '$http', 'confFactory', 'accountFactory', 'contactFactory', 'utilFactory',
  function ($rootScope, $http, conf, account, contactFactory, util) {
    var chatNames = [];
    var chatList = [];
    var messages = window._chatContent = {};
    var addedMsgIds = {}; // MsgIds already in a chat: webwxsync echoes what was sent
    var currentUserName = '';
    var sendMsgURL = conf.API_webwxsendmsg;
    var SEND_READY = conf.MSG_SEND_STATUS_READY, SEND_SENDING = conf.MSG_SEND_STATUS_SENDING,
      SEND_SUCC = conf.MSG_SEND_STATUS_SUCC, SEND_FAIL = conf.MSG_SEND_STATUS_FAIL;

    function peerOf(msg) {
      var mine = msg.FromUserName == account.getUserName() || msg.FromUserName === '';
      return mine ? msg.ToUserName : msg.FromUserName;
    }

    /* newLocalID is the app's id for a message it sends: the time in ms and 4 random digits. */
    function newLocalID() {
      return String(util.now()) + String(10000 + Math.floor(Math.random() * 10000)).substring(1);
    }

    /*
     * sendText is the text the chat box's HTML stands for: emoticon images
     * become their text, <br> a new line, other tags go and entities are
     * decoded.
     */
    function sendText(html) {
      var text = html.replace(/<(?:img|IMG)[^>]*?text="([^"]*)"[^>]*>/g, function (all, face) {
        return face.replace('_web', '');
      }).replace(/<(?:br|BR)\s*\/?>/g, '\n');
      return util.htmlDecode(util.clearHtmlStr(text));
    }

    return {
      setCurrentUserName: function (userName) {
        currentUserName = userName;
      },
      getCurrentUserName: function () {
        return currentUserName;
      },
      /*
       * createMessage fills in a message to send: sender, receiver (the
       * current chat unless given), LocalID = ClientMsgId = MsgId, time and
       * status; for text, MMSendContent is what goes on the wire, taken from
       * Content, the chat box's HTML.
       */
      createMessage: function (msg) {
        msg.FromUserName = msg.FromUserName || account.getUserName();
        msg.ToUserName = msg.ToUserName || currentUserName;
        msg.ClientMsgId = msg.LocalID = msg.MsgId = newLocalID();
        msg.CreateTime = Math.round(util.now() / 1000);
        msg.MMStatus = SEND_READY;
        if (msg.MsgType == conf.MSGTYPE_TEXT) {
          msg.Content = String(msg.Content || '');
          msg.MMSendContent = sendText(msg.Content);
          msg.Content = msg.Content.replace(/<(?!(img|IMG|br|BR))[^>]*>/g, '').replace(/\n/g, '<br>');
        }
        return msg;
      },
      /* appendMessage shows a message being sent in its chat. */
      appendMessage: function (msg) {
        msg.MMStatus = SEND_SENDING;
        this.messageProcess(msg);
      },
      /* sendMessage posts a message; the sandbox sends text only. */
      sendMessage: function (msg) {
        msg.MMStatus = SEND_SENDING;
        if (msg.MsgType == conf.MSGTYPE_TEXT) {
          this.postTextMessage(msg);
        }
      },
      postTextMessage: function (msg) {
        this._postMessage(sendMsgURL, {Type: conf.MSGTYPE_TEXT, Content: msg.MMSendContent}, msg);
      },
      /*
       * _postMessage POSTs {BaseRequest, Msg} and records the outcome in the
       * message: on Ret 0 the server's MsgID becomes its MsgId.
       */
      _postMessage: function (url, data, msg) {
        data.FromUserName = msg.FromUserName;
        data.ToUserName = msg.ToUserName;
        data.LocalID = msg.LocalID;
        data.ClientMsgId = msg.ClientMsgId;
        $http({
          method: 'POST',
          url: url,
          data: angular.extend(account.getBaseRequest(), {Msg: data})
        }).then(function (res) {
          var answer = res.data;
          if (answer && answer.BaseResponse && answer.BaseResponse.Ret == 0) {
            msg.MsgId = answer.MsgID;
            addedMsgIds[msg.MsgId] = true;
            msg.MMStatus = SEND_SUCC;
            $rootScope.$broadcast('root:msgSend:success', msg);
          } else {
            msg.MMStatus = SEND_FAIL;
          }
        }, function () {
          msg.MMStatus = SEND_FAIL;
        });
      },
      initChatList: function (chatSet) {
        angular.forEach((chatSet || '').split(','), function (userName) {
          if (userName && chatNames.indexOf(userName) < 0) {
            chatNames.push(userName);
            if (util.isRoomContact(userName)) {
              contactFactory.addBatchgetChatroomContact(userName);
            }
          }
        });
        return this.getChatList();
      },
      addChatList: function (userName) {
        var at = chatNames.indexOf(userName);
        if (at >= 0) {
          chatNames.splice(at, 1);
        } else if (util.isRoomContact(userName)) {
          contactFactory.addBatchgetChatroomContact(userName);
        }
        chatNames.unshift(userName);
        return this.getChatList();
      },
      deleteChatList: function (userName) {
        var at = chatNames.indexOf(userName);
        if (at >= 0) {
          chatNames.splice(at, 1);
        }
        return this.getChatList();
      },
      /* getChatList is the chats' contacts, in one array updated in place. */
      getChatList: function () {
        chatList.length = 0;
        angular.forEach(chatNames, function (userName) {
          var contact = contactFactory.getContact(userName, '', true);
          if (contact && !contact.isShieldUser()) {
            chatList.push(contact);
          }
        });
        return chatList;
      },
      getChatMessage: function (userName) {
        return messages[userName] || (messages[userName] = []);
      },
      /*
       * messageProcess files a message under its chat, once per MsgId. Like
       * the real one, it looks the chat up (getContact), which queues a
       * batch get of a chat the app does not know, or of a room it holds
       * without members: right after a create, the system message in the
       * new room makes the app read the room itself.
       */
      messageProcess: function (msg) {
        if (msg.MsgId) {
          if (addedMsgIds[msg.MsgId]) {
            return;
          }
          addedMsgIds[msg.MsgId] = true;
        }
        var peer = peerOf(msg);
        msg.MMPeerUserName = peer;
        msg.MMIsSend = msg.FromUserName == account.getUserName();
        contactFactory.getContact(peer);
        this.getChatMessage(peer).push(msg);
        this.addChatList(peer);
      },
      /* notifyMobile POSTs webwxstatusnotify; the promise settles either way. */
      notifyMobile: function (userName, code) {
        return $http({
          method: 'POST',
          url: conf.API_webwxstatusnotify,
          data: angular.extend(account.getBaseRequest(), {
            Code: code,
            FromUserName: account.getUserName(),
            ToUserName: userName,
            ClientMsgId: util.now()
          })
        }).then(angular.noop, angular.noop);
      }
    };
  }]);
