/*
 * The sandbox app module "webwxApp": the $http interceptor that adds
 * pass_ticket and lang, the start-up flow, and the two controllers of the
 * minimal UI.
 *
 * Start-up when logged in: webwxnewloginpage (the login values: skey, wxsid,
 * wxuin, pass_ticket) → webwxinit → webwxgetcontact (every page) →
 * webwxstatusnotify → the synccheck/webwxsync loop. After a QR login the
 * same flow runs from webwxinit on.
 */
angular.module('webwxApp', ['Services'])
  .config(['$httpProvider', '$qProvider', function ($httpProvider, $qProvider) {
    $httpProvider.interceptors.push('httpInterceptor');
    // AngularJS 1.2, which the real app runs, has no unhandled-rejection
    // report; without this 1.8 logs one for every rejected create().
    if ($qProvider.errorOnUnhandledRejections) {
      $qProvider.errorOnUnhandledRejections(false);
    }
  }])

  /* httpInterceptor adds pass_ticket and lang to every API call. */
  .factory('httpInterceptor', ['confFactory', 'accountFactory', function (conf, account) {
    function has(config, name) {
      return (config.params && config.params[name] !== undefined) ||
        new RegExp('[?&]' + name + '=').test(config.url);
    }
    return {
      request: function (config) {
        if (String(config.url).indexOf('/cgi-bin/mmwebwx-bin/') < 0) {
          return config;
        }
        config.params = config.params || {};
        if (!has(config, 'lang')) {
          config.params.lang = conf.LANG;
        }
        var ticket = account.getPassticket();
        if (ticket && !has(config, 'pass_ticket')) {
          config.params.pass_ticket = ticket;
        }
        return config;
      }
    };
  }])

  .run(['$rootScope', '$timeout', 'appFactory', 'accountFactory', 'contactFactory', 'chatFactory', 'loginFactory', 'confFactory', 'utilFactory',
    function ($rootScope, $timeout, app, account, contacts, chat, login, conf, util) {
      $rootScope.isUnLogin = !window.MMCgi.isLogin;

      $rootScope.$on('newLoginPage', function (event, session) {
        account.setSkey(session.SKey);
        account.setSid(session.Sid);
        account.setUin(session.Uin);
        account.setPassticket(session.Passticket);
        start();
      });

      if (window.MMCgi.isLogin) {
        resume();
      }

      /* resume gets the login values of the session the cookies carry. */
      function resume() {
        login.newLoginPage(conf.API_webwxnewloginpage + '?r=' + util.now()).then(function (xml) {
          var session = login.parseLoginPage(xml);
          if (session.Ret == '0') {
            $rootScope.$emit('newLoginPage', session);
            return;
          }
          // MMCgi.isLogin stays as the server rendered it: the real
          // page never writes it.
          $rootScope.loginError = session.Message || 'ret ' + session.Ret;
          $rootScope.isUnLogin = true;
        }, angular.noop);
      }

      /*
       * start is the real page's pageInit. Like the real page it leaves
       * window.MMCgi.isLogin alone: after a QR log-in in this document it
       * stays false, and the app's user (set from webwxinit's answer) is
       * what says that the session started.
       */
      function start() {
        $rootScope.isUnLogin = false;
        app.init().then(function (data) {
          if (data.BaseResponse && data.BaseResponse.Ret != 0) {
            login.timeoutDetect(data.BaseResponse.Ret);
            return false;
          }
          account.setUserInfo(data.User);
          account.setSkey(data.SKey);
          account.setSyncKey(data.SyncKey);
          contacts.addContact(data.User);
          contacts.addContacts(data.ContactList);
          chat.initChatList(data.ChatSet);
          $rootScope.account = contacts.getContact(account.getUserName(), '', true);
          $rootScope.$broadcast('root:pageInit:success');
          return loadContacts(0, 1);
        }).then(function (loaded) {
          if (loaded) {
            chat.notifyMobile(account.getUserName(), conf.StatusNotifyCode_INITED).then(syncLoop);
          }
        }, angular.noop);
      }

      /* loadContacts reads webwxgetcontact page by page (at most 16). */
      function loadContacts(seq, round) {
        return contacts.initContact(seq).then(function (data) {
          contacts.addContacts(data.MemberList);
          if (round < 16 && data.Seq && data.Seq != 0) {
            return loadContacts(data.Seq, round + 1);
          }
          return true;
        });
      }

      /*
       * syncLoop polls synccheck again as soon as it answers; after an error
       * it waits 2 s, so that a failing server is not hammered.
       */
      function syncLoop() {
        app.syncCheck().then(function (data) {
          applySync(data);
          syncLoop();
        }, function (reason) {
          if (reason === '0' || reason === 0) {
            syncLoop();
          } else {
            $timeout(syncLoop, 2000);
          }
        });
      }

      function applySync(data) {
        if (!data || !data.BaseResponse) {
          return;
        }
        if (data.BaseResponse.Ret != 0) {
          login.timeoutDetect(data.BaseResponse.Ret);
          return;
        }
        account.setSyncKey(data.SyncKey);
        angular.forEach(data.DelContactList, function (contact) {
          chat.deleteChatList(contact.UserName);
          contacts.deleteContact(contact);
        });
        angular.forEach(data.ModContactList, function (contact) {
          contacts.addContact(contact);
        });
        angular.forEach(data.AddMsgList, function (msg) {
          chat.messageProcess(msg);
        });
      }
    }])

  /* appController binds the chat list and the friends for the page. */
  .controller('appController', ['$scope', 'chatFactory', 'contactFactory', function ($scope, chat, contacts) {
    $scope.chatList = chat.getChatList();
    $scope.friends = [];
    $scope.$watch(function () {
      return contacts.contactChangeFlag;
    }, function () {
      $scope.friends = contacts.getAllFriendContact({isNewArray: true});
      chat.getChatList();
    });
  }])

  /*
   * loginController is the login view, as the real one behaves. Its scope
   * holds code (0 shown, 201 scanned, 408 poll timed out, 200 confirmed,
   * 400/500 expired, 202 cancelled), qrcodeUrl and uuid, and the flags of
   * the view: isScan, isAssociationLogin (after a log-out: an avatar and a
   * "Log in" button instead of a QR code), isWaitingAsConfirm,
   * isNeedRefresh (the code expired once too often: a refresh button),
   * isBrokenNetwork. associationLogin(), qrcodeLogin() and refreshQrcode()
   * are its buttons.
   *
   * Sandbox differences: the QR picture comes with the jslogin answer
   * (qrcodeImage), since the sandbox cannot serve the real login host; and
   * association login asks jslogin with the account's uin, where the real
   * page asks webwxpushloginurl?uin=.
   */
  .controller('loginController', ['$scope', '$timeout', 'loginFactory', 'utilFactory', 'confFactory',
    function ($scope, $timeout, login, util, conf) {
      if (window.MMCgi.isLogin) {
        return;
      }
      function setCookie(name, value, days) {
        var expires = new Date(util.now() + days * 86400000).toUTCString();
        document.cookie = name + '=' + encodeURIComponent(value) + '; expires=' + expires + '; path=/';
      }
      function loggedIn(xml) {
        var session = login.parseLoginPage(xml);
        if (session.Ret != '0') {
          // As the real page: any <ret> but 0 alerts the server's message
          // and reloads at once, which shows a new QR code.
          alert(session.Message || '登陆失败');
          location.reload();
          return;
        }
        setCookie('refreshTimes', 0, 0.5);
        $scope.$emit('newLoginPage', session);
      }
      function poll(tip) {
        login.checkLogin($scope.uuid, tip).then(handle);
      }
      function handle(res) {
        switch (res.code) {
          case 200:
            login.newLoginPage(res.redirect_uri).then(loggedIn, function (reason) {
              $scope.loginError = String(reason);
            });
            break;
          case 201:
            $scope.isScan = true;
            poll();
            break;
          case 408:
            poll();
            break;
          case 400:
          case 500:
          case 0:
            // Like the real page: reload for a new code, five times at
            // most in half a day, then ask for a click.
            var times = parseInt(util.getCookie('refreshTimes') || 0, 10);
            if (times < 5) {
              setCookie('refreshTimes', times + 1, 0.5);
              document.location.reload();
            } else {
              $scope.isNeedRefresh = true;
            }
            break;
          case 202:
            $scope.isScan = false;
            $scope.isAssociationLogin = false;
            $scope.isWaitingAsConfirm = false;
            setCookie('login_frequency', 0, 2);
            refreshQRCode();
            break;
        }
        $scope.code = res.code;
        $scope.userAvatar = res.userAvatar;
      }
      function refreshQRCode() {
        login.getUUID().then(function (uuid) {
          $scope.uuid = uuid;
          $scope.qrcodeUrl = 'https://login.weixin.qq.com/qrcode/' + uuid;
          $scope.qrcodeImage = (window.QRLogin && window.QRLogin.qrcodeImage) || '';
          $scope.code = 0;
          $scope.isScan = false;
          $scope.isNeedRefresh = false;
          $scope.lang = util.queryParser().lang || 'zh_CN';
          poll(1);
        }, function (code) {
          $scope.code = code;
          $scope.isBrokenNetwork = !code;
        });
      }
      function leaveAssociation() {
        $scope.isAssociationLogin = false;
        $scope.isWaitingAsConfirm = false;
        setCookie('login_frequency', 0, 2);
        refreshQRCode();
      }

      $scope.qrcodeUrl = '';
      $scope.isWaitingAsConfirm = false;
      $scope.isNeedRefresh = false;
      $scope.isBrokenNetwork = false;
      $scope.isAssociationLogin = parseInt(util.getCookie('login_frequency') || 0, 10) >= 2 &&
        !!util.getCookie('last_wxuin');

      $scope.associationLogin = function () {
        $scope.isWaitingAsConfirm = true;
        window.QRLogin = {};
        util.getScript(conf.API_jsLogin + '&uin=' + encodeURIComponent(util.getCookie('last_wxuin'))).then(function () {
          if (window.QRLogin.code == 200) {
            $scope.uuid = window.QRLogin.uuid;
            poll(1);
          } else {
            leaveAssociation();
          }
        }, leaveAssociation);
      };
      $scope.qrcodeLogin = function () {
        if ($scope.isAssociationLogin) {
          leaveAssociation();
        }
      };
      $scope.refreshQrcode = function () {
        setCookie('refreshTimes', 0, 0.5);
        refreshQRCode();
      };

      if ($scope.isAssociationLogin) {
        // The real page falls back to a QR code after five minutes.
        $timeout($scope.qrcodeLogin, 300000);
      } else {
        refreshQRCode();
      }
    }])

  /* plainName shows a name with its emoji markup turned into emoji. */
  .filter('plainName', function () {
    function emoji(hex) {
      var cp = parseInt(hex, 16);
      if (cp <= 0xFFFF) {
        return String.fromCharCode(cp);
      }
      cp -= 0x10000;
      return String.fromCharCode(0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
    }
    return function (text) {
      if (!text) {
        return text;
      }
      return String(text).replace(/<(?:span|img) class="emoji emoji([0-9a-f]+)"[^>]*>(?:<\/span>)?/g, function (all, hex) {
        return emoji(hex);
      });
    };
  });
