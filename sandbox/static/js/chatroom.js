/*
 * chatroomFactory: room creation and changes, with the real semantics.
 * create() returns a promise that resolves with the answer only when
 * BaseResponse.Ret is 0 and rejects with the raw answer otherwise (with the
 * error body on an HTTP error). addMember, delMember, modTopic and quit
 * return nothing: their outcome shows only on the network and, later,
 * through webwxsync.
 */
angular.module('Services').factory('chatroomFactory', ['$http', '$q', 'contactFactory', 'accountFactory', 'confFactory', 'utilFactory',
  function ($http, $q, contactFactory, account, conf, util) {
    var currentContact;
    var filterContacts = {};
    return {
      setCurrentContact: function (contact) {
        currentContact = contact;
      },
      getCurrentContact: function () {
        return currentContact;
      },
      setFilterContacts: function (filter) {
        filterContacts = filter || {};
      },
      getFilterContacts: function () {
        return filterContacts;
      },
      create: function (memberList) {
        var deferred = $q.defer();
        var body = angular.extend({MemberCount: memberList.length, MemberList: memberList, Topic: ''}, account.getBaseRequest());
        $http({
          method: 'POST',
          url: conf.API_webwxcreatechatroom + '?r=' + util.now(),
          data: body
        }).then(function (res) {
          var data = res.data;
          if (data && data.BaseResponse && data.BaseResponse.Ret == 0) {
            deferred.resolve(data);
          } else {
            deferred.reject(data);
          }
        }, function (res) {
          deferred.reject(res.data);
        });
        return deferred.promise;
      },
      /*
       * addMember adds the comma-joined UserNames; it invites instead when
       * the room would reach 40 members. Like the real one, it throws when
       * the page does not know the room yet.
       */
      addMember: function (roomUserName, addMembers, callback) {
        var room = contactFactory.getContact(roomUserName);
        if (room.MemberList.length + addMembers.split(',').length >= 40) {
          this._update('invitemember', roomUserName, {inviteMembers: addMembers}, callback);
        } else {
          this._update('addmember', roomUserName, {addMembers: addMembers}, callback);
        }
      },
      delMember: function (roomUserName, memberUserName) {
        this._update('delmember', roomUserName, {delMember: memberUserName});
        contactFactory.getContact(roomUserName);
      },
      quit: function (roomUserName) {
        this._update('quitchatroom', roomUserName);
      },
      modTopic: function (roomUserName, topic) {
        this._update('modtopic', roomUserName, {topic: topic});
      },
      /*
       * _update POSTs webwxupdatechatroom?fun=…; callback runs on HTTP
       * success only. On success it looks the room up the way the real one
       * does, which queues a batch get of a room the app does not hold with
       * its members.
       */
      _update: function (fun, roomUserName, data, callback) {
        data = data || {};
        var body = angular.extend({
          AddMemberList: data.addMembers,
          DelMemberList: data.delMember,
          InviteMemberList: data.inviteMembers,
          NewTopic: data.topic,
          ChatRoomName: roomUserName
        }, account.getBaseRequest());
        $http({
          method: 'POST',
          url: conf.API_webwxupdatechatroom + '?fun=' + fun,
          data: body
        }).then(function (res) {
          var room = contactFactory.getContact(roomUserName);
          if (fun == 'delmember' && room && room.MemberList) {
            for (var i = room.MemberList.length - 1; i >= 0; i--) {
              if (room.MemberList[i].UserName == data.delMember) {
                room.MemberList.splice(i, 1);
              }
            }
            room.MemberCount = room.MemberList.length;
          }
          if (callback) {
            callback(res.data);
          }
        }, angular.noop);
      }
    };
  }]);
