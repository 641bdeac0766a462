/*
 * contactFactory: the contacts the page knows, by UserName (window._contacts,
 * like the real app), and the calls that fetch them: webwxgetcontact,
 * webwxbatchgetcontact (queued, at most 50 per call) and webwxsearchcontact.
 *
 * As in the real app, a contact object carries methods (isRoomContact,
 * getDisplayName, …) next to the server's fields, and NickName/RemarkName
 * have the server's emoji <span> turned into the app's <img> markup.
 */
angular.module('Services').factory('contactFactory', ['$rootScope', '$http', '$q', '$timeout', 'confFactory', 'accountFactory', 'utilFactory',
  function ($rootScope, $http, $q, $timeout, conf, account, util) {
    var contacts = window._contacts = {};
    var strangers = window._strangerContacts = {};
    var memberDisplayNames = window._chatRoomMemberDisplayNames = {};
    var toGet = [];      // queued {UserName, EncryChatRoomId|ChatRoomId}
    var getting = [];    // in the batch request in flight
    var toRetry = [];    // queued again after a batch of several failed
    var failed = {};     // UserName → 1: its batch of one failed; never asked again
    var failedInARow = 0; // batches that failed one after the other
    var friendList = [];
    var roomList = [];

    /* Methods every contact object carries. */
    var methods = {
      isSelf: function () {
        return account.getUserName() == this.UserName;
      },
      isContact: function () {
        return !!(this.ContactFlag & conf.CONTACTFLAG_CONTACT) || this.isSelf();
      },
      isRoomContact: function () {
        return util.isRoomContact(this.UserName);
      },
      isSpContact: function () {
        return util.isSpUser(this.UserName);
      },
      isFileHelper: function () {
        return this.UserName == 'filehelper';
      },
      isBrandContact: function () {
        return !!(this.VerifyFlag & conf.MM_USERATTRVERIFYFALG_BIZ_BRAND);
      },
      isRoomOwner: function () {
        return this.isRoomContact() && this.IsOwner == 1;
      },
      isInChatroom: function () {
        var list = this.MemberList || [];
        if (list.length === 0 && this.ContactFlag !== 0) {
          return true;
        }
        var me = account.getUserName();
        for (var i = 0; i < list.length; i++) {
          if (list[i].UserName == me) {
            return true;
          }
        }
        return false;
      },
      isShieldUser: function () {
        return util.isShieldUser(this.UserName) || (this.isRoomContact() && !this.isInChatroom());
      },
      getDisplayName: function () {
        if (!this.isRoomContact()) {
          return this.RemarkName || this.NickName || this.UserName;
        }
        if (this.RemarkName || this.NickName) {
          return this.RemarkName || this.NickName;
        }
        var list = this.MemberList || [];
        var names = [];
        for (var i = 0; i < list.length && i < 10; i++) {
          var known = service.getContact(list[i].UserName, '', true);
          names.push((known && (known.RemarkName || known.NickName)) || list[i].NickName);
        }
        return names.join(', ') || this.UserName;
      },
      canSearch: function (keyword) {
        if (!keyword) {
          return true;
        }
        keyword = keyword.toUpperCase();
        var fields = [this.RemarkName, this.RemarkPYQuanPin, this.NickName, this.PYQuanPin, this.Alias, this.KeyWord];
        for (var i = 0; i < fields.length; i++) {
          if ((fields[i] || '').toUpperCase().indexOf(keyword) >= 0) {
            return true;
          }
        }
        return false;
      },
      chatroomCanSearch: function (keyword) {
        if (this.canSearch(keyword)) {
          return true;
        }
        var list = this.MemberList || [];
        for (var i = 0; i < list.length; i++) {
          var member = service.getContact(list[i].UserName, '', true);
          if (member && member.canSearch(keyword)) {
            return true;
          }
        }
        return false;
      }
    };

    /* spanToImg turns the server's emoji markup into the app's. */
    function spanToImg(text) {
      return text && text.replace(/<span class="emoji emoji([0-9a-f]+)"><\/span>/g, function (all, code) {
        return '<img class="emoji emoji' + code + '" text="_web" src="' + conf.RES_IMG_PLACEHOLDER + '" />';
      });
    }

    function decorate(contact) {
      var c = angular.extend({RemarkPYQuanPin: '', RemarkPYInitial: '', PYInitial: '', PYQuanPin: ''}, contact, methods);
      if (!c.HeadImgUrl) {
        c.HeadImgUrl = conf.API_webwxgeticon + '?seq=0&username=' + c.UserName + '&skey=' + account.getSkey();
      }
      c.NickName = spanToImg(c.NickName);
      c.RemarkName = spanToImg(c.RemarkName);
      c.MMOrderSymbol = orderSymbol(c);
      return c;
    }

    function orderSymbol(c) {
      var symbol = util.clearHtmlStr(c.RemarkPYQuanPin || c.PYQuanPin || c.NickName || '').toUpperCase().replace(/\W/g, '');
      return symbol.charAt(0) < 'A' ? '~' : symbol;
    }

    /* merge updates a known contact without blanking fields the update lacks. */
    function merge(map, contact) {
      var known = map[contact.UserName];
      if (!known) {
        map[contact.UserName] = contact;
        return;
      }
      for (var key in contact) {
        if (contact.hasOwnProperty(key) && !contact[key] && key != 'MemberList') {
          delete contact[key];
        }
      }
      angular.extend(known, contact);
    }

    function bySymbol(a, b) {
      return a.MMOrderSymbol > b.MMOrderSymbol ? 1 : -1;
    }

    function indexIn(list, userName) {
      for (var i = 0; i < list.length; i++) {
        if (list[i].UserName == userName) {
          return i;
        }
      }
      return -1;
    }

    /*
     * storeBatch stores a batch answer: rooms, their members the app does
     * not know as contacts, people; what the answer lists leaves the queue.
     */
    function storeBatch(data) {
      angular.forEach(data.ContactList, function (contact) {
        var at = indexIn(toGet, contact.UserName);
        if (at >= 0) {
          toGet.splice(at, 1);
        }
        if (util.isRoomContact(contact.UserName) && contact.MemberList && contact.MemberList.length) {
          angular.forEach(contact.MemberList, function (member) {
            var known = service.getContact(member.UserName, '', true);
            if (!(known && known.isContact())) {
              service.addContact(angular.extend({}, member, {
                HeadImgUrl: conf.API_webwxgeticon + '?seq=0&username=' + member.UserName +
                  '&skey=' + account.getSkey() + '&chatroomid=' + contact.EncryChatRoomId
              }));
            }
            if (member.DisplayName) {
              (memberDisplayNames[contact.UserName] = memberDisplayNames[contact.UserName] || {})[member.UserName] = member.DisplayName;
            }
            var queued = indexIn(toGet, member.UserName);
            if (queued >= 0) {
              toGet.splice(queued, 1);
            }
          });
        }
      });
      service.addContacts(data.ContactList, true);
    }

    var service = {
      contactChangeFlag: '',
      isSelf: function (userName) {
        return account.getUserName() == userName;
      },
      /* initContact GETs one page of the friend list (webwxgetcontact). */
      initContact: function (seq) {
        return $http({
          method: 'GET',
          url: conf.API_webwxgetcontact,
          params: {skey: account.getSkey(), pass_ticket: account.getPassticket(), seq: seq, r: util.now()}
        }).then(function (res) {
          return res.data;
        }, function (res) {
          return $q.reject('error:' + res.status);
        });
      },
      addContact: function (contact) {
        if (!contact) {
          return;
        }
        if (!contact.isContact) {
          contact = decorate(contact);
        }
        if (contact.EncryChatRoomId && contact.UserName) {
          contact.MMFromBatchget = true;
        }
        if (contact.isShieldUser() || (!contact.isContact() && !contact.isRoomContact())) {
          merge(strangers, contact);
        } else {
          merge(contacts, contact);
          this.contactChangeFlag = util.now();
        }
      },
      addContacts: function (list, fromBatch) {
        var self = this;
        angular.forEach(list, function (contact) {
          if (fromBatch) {
            contact.MMFromBatchGet = true;
          }
          self.addContact(contact);
        });
      },
      deleteContact: function (contact) {
        var known = contacts[contact.UserName];
        if (known) {
          delete contacts[contact.UserName];
          angular.extend(known, contact);
          strangers[contact.UserName] = known;
          this.contactChangeFlag = util.now();
        }
      },
      /*
       * getContact returns the contact or undefined. Unless noBatchGet, an
       * unknown contact, or a room without members, is queued for a batch get.
       */
      getContact: function (userName, chatroomUserName, noBatchGet) {
        var contact = contacts[userName] || strangers[userName];
        if (!noBatchGet && (!contact || (util.isRoomContact(userName) && !(contact.MemberList && contact.MemberList.length)))) {
          this.addBatchgetContact({UserName: userName, EncryChatRoomId: chatroomUserName || ''});
        }
        return contact;
      },
      getAllContacts: function () {
        return contacts;
      },
      getAllFriendContact: function (options) {
        options = options || {};
        var out = options.isNewArray ? [] : friendList;
        var skip = options.filterContacts || {};
        out.length = 0;
        angular.forEach(contacts, function (c, userName) {
          if (skip[userName] || c.isSelf() || !c.isContact() || c.isRoomContact() || c.isShieldUser() ||
              (options.isWithoutStar && c.StarFriend == 1) || (options.isWithoutBrand && c.isBrandContact())) {
            return;
          }
          if (c.canSearch(options.keyword)) {
            out.push(c);
          }
        });
        return out.sort(bySymbol);
      },
      getAllChatroomContact: function (options) {
        options = options || {};
        var out = options.isNewArray ? [] : roomList;
        var skip = options.filterContacts || {};
        out.length = 0;
        angular.forEach(contacts, function (c, userName) {
          if (!c.isRoomContact() || skip[userName] || (options.isSaved && !c.isContact())) {
            return;
          }
          if (!options.keyword || c.chatroomCanSearch(options.keyword)) {
            out.push(c);
          }
        });
        return out.sort(bySymbol);
      },
      getChatRoomMembersContact: function (userName, withoutMe) {
        var room = contacts[userName];
        var out = [];
        if (!room) {
          return out;
        }
        var self = this;
        angular.forEach(room.MemberList, function (member) {
          if (withoutMe && member.UserName == account.getUserName()) {
            return;
          }
          out.push(self.getContact(member.UserName) || member);
        });
        return out;
      },
      addBatchgetChatroomContact: function (userName) {
        if (!util.isRoomContact(userName)) {
          return;
        }
        var room = this.getContact(userName);
        if (!(room && room.MMFromBatchGet)) {
          this.addBatchgetContact({UserName: userName, ChatRoomId: ''});
        }
      },
      /*
       * addBatchgetContact queues one contact for a batch get, sent 200 ms
       * later unless a batch is in flight (the answer of one sends the
       * next). As in the real app:
       *  - it returns undefined, not a promise, when the contact is queued
       *    already, in a batch in flight, or failed before (a batch of it
       *    alone failed); with isHadBathGetErrorOnce it queues the contact
       *    for a retry instead, undefined only when it is queued so already;
       *  - every call sets a timer of its own, and only the call whose
       *    timer sends a batch settles its promise, with the ContactList of
       *    that batch's answer (rejects on a failure): the promises of the
       *    other calls, whose contacts went out in that batch too, never
       *    settle;
       *  - when a batch of several fails, each of them is queued for a
       *    retry, sent one at a time at first.
       */
      addBatchgetContact: function (item, isBatchNow, isHadBathGetErrorOnce) {
        var deferred = $q.defer();
        var self = this;
        if (!item || !item.UserName) {
          return;
        }
        if (isHadBathGetErrorOnce) {
          if (indexIn(toRetry, item.UserName) >= 0) {
            return;
          }
          toRetry.push(item);
          var at = indexIn(toGet, item.UserName);
          if (at >= 0) {
            toGet.splice(at, 1);
          }
        } else {
          if (indexIn(toGet, item.UserName) >= 0 || indexIn(getting, item.UserName) >= 0 || failed[item.UserName]) {
            return;
          }
          if (util.isRoomContact(item.UserName) || isBatchNow) {
            toGet.unshift(item);
          } else {
            toGet.push(item);
          }
        }
        $timeout(function () {
          if (!getting.length && (toGet.length || toRetry.length)) {
            self.batchGetContact().then(onAnswer, onError);
          }
        }, 200);

        function onAnswer(data) {
          deferred.resolve(data.ContactList);
          failedInARow = 0;
          storeBatch(data);
          getting = [];
          if (toGet.length) {
            self.batchGetContact().then(onAnswer, onError);
          }
        }
        function onError(errorToken) {
          var was = getting;
          getting = [];
          failedInARow++;
          deferred.reject(errorToken);
          if (was.length == 1) {
            failed[was[0].UserName] = 1;
          } else {
            angular.forEach(was, function (it) {
              self.addBatchgetContact(it, false, true);
            });
          }
          if (!getting.length && (toGet.length || toRetry.length)) {
            self.batchGetContact().then(onAnswer, onError);
          }
        }
        return deferred.promise;
      },
      /*
       * batchGetContact POSTs the next batch: the contacts queued for a
       * retry first (one at a time while few are, or after three failures in
       * a row; 5 or 10 at a time otherwise), else up to 50 queued ones. It
       * resolves with the answer when Ret is 0 and otherwise rejects with
       * errorToken, the caller's own value; storing the contacts is up to
       * the caller (the queue's own caller does it).
       */
      batchGetContact: function (errorToken) {
        var deferred = $q.defer();
        if (toRetry.length) {
          var step = 1;
          if (toRetry.length >= 6 && failedInARow <= 2) {
            step = toRetry.length < 40 ? 5 : 10;
          }
          getting = toRetry.splice(0, step);
        } else {
          getting = toGet.splice(0, 50);
        }
        $http({
          method: 'POST',
          url: conf.API_webwxbatchgetcontact + '?type=ex&r=' + util.now(),
          data: angular.extend(account.getBaseRequest(), {Count: getting.length, List: getting})
        }).then(function (res) {
          var data = res.data;
          if (data && data.BaseResponse && data.BaseResponse.Ret == 0) {
            deferred.resolve(data);
          } else {
            deferred.reject(errorToken);
          }
        }, function () {
          deferred.reject(errorToken);
        });
        return deferred.promise;
      },
      /*
       * remoteSearch asks the server (webwxsearchcontact) and resolves with
       * the known friends among the hits. Like the real one, it never
       * settles when the answer's Ret is not 0 or the request fails.
       */
      remoteSearch: function (keyword) {
        var deferred = $q.defer();
        $http({
          method: 'POST',
          url: conf.API_webwxsearch,
          data: angular.extend(account.getBaseRequest(), {KeyWord: keyword})
        }).then(function (res) {
          var data = res.data;
          if (!(data && data.BaseResponse && data.BaseResponse.Ret == 0)) {
            return;
          }
          var found = [];
          angular.forEach(data.List, function (hit) {
            var c = contacts[hit.EncryUserName];
            if (c && c.isContact() && !c.isBrandContact()) {
              found.push(c);
            }
          });
          deferred.resolve(found);
        }, angular.noop);
        return deferred.promise;
      }
    };
    return service;
  }]);
