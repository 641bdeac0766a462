/*
 * The sandbox's module "Services": the services of web WeChat that hold no
 * contacts (confFactory, utilFactory, accountFactory, loginFactory,
 * appFactory), with the real names, method signatures and request shapes.
 * ES5 only: the real app runs AngularJS 1.2, the sandbox 1.8.
 */
angular.module('Services', []);

/* confFactory: the endpoint table and the constants the app uses. */
angular.module('Services').factory('confFactory', [function () {
  var api = '/cgi-bin/mmwebwx-bin/';
  var parts = (navigator.language || 'zh-CN').split('-');
  var lang = parts[0].toLowerCase() + '_' + (parts[1] || '').toUpperCase();
  return {
    LANG: lang,
    API_jsLogin: '/jslogin?appid=wx782c26e4c19acffb&redirect_uri=' +
      encodeURIComponent(location.protocol + '//' + location.host + api + 'webwxnewloginpage') +
      '&fun=new&lang=' + lang,
    API_login: api + 'login',
    API_synccheck: api + 'synccheck',
    API_webwxnewloginpage: api + 'webwxnewloginpage',
    API_webwxinit: api + 'webwxinit?r=' + (~new Date()),
    API_webwxgetcontact: api + 'webwxgetcontact',
    API_webwxsync: api + 'webwxsync',
    API_webwxbatchgetcontact: api + 'webwxbatchgetcontact',
    API_webwxgeticon: api + 'webwxgeticon',
    API_webwxgetheadimg: api + 'webwxgetheadimg',
    API_webwxlogout: api + 'webwxlogout',
    API_webwxupdatechatroom: api + 'webwxupdatechatroom',
    API_webwxcreatechatroom: api + 'webwxcreatechatroom',
    API_webwxstatusnotify: api + 'webwxstatusnotify',
    API_webwxsearch: api + 'webwxsearchcontact',
    API_webwxsendmsg: api + 'webwxsendmsg',
    MSG_SEND_STATUS_READY: 0,
    MSG_SEND_STATUS_SENDING: 1,
    MSG_SEND_STATUS_SUCC: 2,
    MSG_SEND_STATUS_FAIL: 5,
    CONTACTFLAG_CONTACT: 1,
    CONTACTFLAG_CHATCONTACT: 2,
    CONTACTFLAG_CHATROOMCONTACT: 4,
    CONTACTFLAG_BLACKLISTCONTACT: 8,
    CONTACTFLAG_TOPCONTACT: 2048,
    MM_USERATTRVERIFYFALG_BIZ_BRAND: 8,
    MSGTYPE_TEXT: 1,
    MSGTYPE_SYS: 10000,
    StatusNotifyCode_READED: 1,
    StatusNotifyCode_ENTER_SESSION: 2,
    StatusNotifyCode_INITED: 3,
    StatusNotifyCode_SYNC_CONV: 4,
    StatusNotifyCode_QUIT_SESSION: 5,
    TIMEOUT_SYNC_CHECK: 0,
    RES_IMG_PLACEHOLDER: '/zh_CN/htmledition/v2/images/spacer.gif'
  };
}]);

/* utilFactory: small helpers shared by the other services. */
angular.module('Services').factory('utilFactory', ['$q', '$rootScope', function ($q, $rootScope) {
  // The app's lists of special accounts (WEBWX.md): they are not people.
  var SP_USERS = ['weixin', 'weibo', 'qqmail', 'fmessage', 'tmessage', 'qmessage', 'qqsync', 'floatbottle',
    'lbsapp', 'shakeapp', 'medianote', 'qqfriend', 'readerapp', 'blogapp', 'facebookapp', 'masssendapp',
    'meishiapp', 'feedsapp', 'voip', 'blogappweixin', 'brandsessionholder', 'weixinreminder',
    'officialaccounts', 'notification_messages'];
  var SHIELD_USERS = ['newsapp', 'notification_messages'];
  var util = {
    now: function () {
      return new Date().getTime();
    },
    getCookie: function (name) {
      var cookies = document.cookie.split(';');
      for (var i = 0; i < cookies.length; i++) {
        var pair = cookies[i].replace(/^\s+/, '');
        if (pair.indexOf(name + '=') === 0) {
          return pair.substring(name.length + 1);
        }
      }
      return '';
    },
    isRoomContact: function (userName) {
      return userName ? /^@@|@chatroom$/.test(userName) : false;
    },
    /* isSpUser: one of the app's special accounts, or a QQ contact (@qqim). */
    isSpUser: function (userName) {
      return SP_USERS.indexOf(userName) >= 0 || /@qqim$/.test(userName || '');
    },
    /* isShieldUser: an account the app never shows. */
    isShieldUser: function (userName) {
      return /@lbsroom$|@talkroom$/.test(userName || '') || SHIELD_USERS.indexOf(userName) >= 0;
    },
    clearHtmlStr: function (text) {
      return text ? text.replace(/<[^>]*>/g, '') : text;
    },
    htmlDecode: function (text) {
      if (!text) {
        return '';
      }
      return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#39;/g, "'")
        .replace(/&quot;/g, '"').replace(/&amp;/g, '&');
    },
    queryParser: function () {
      var out = {};
      var pairs = location.search.substring(1).split('&');
      for (var i = 0; i < pairs.length; i++) {
        if (pairs[i]) {
          var kv = pairs[i].split('=');
          out[decodeURIComponent(kv[0])] = decodeURIComponent(kv[1] || '');
        }
      }
      return out;
    },
    /* form posts a hidden form, which navigates: how the app logs out. */
    form: function (url, fields) {
      var form = document.createElement('form');
      form.method = 'POST';
      form.action = url;
      angular.forEach(fields, function (value, name) {
        var input = document.createElement('input');
        input.type = 'hidden';
        input.name = name;
        input.value = value;
        form.appendChild(input);
      });
      document.body.appendChild(form);
      form.submit();
    },
    /*
     * getScript loads url with a <script> tag, as the app's $.ajax({dataType:
     * 'script'}) does for the login and push hosts. The promise resolves when
     * the script ran and rejects on a load error or after timeout ms.
     */
    getScript: function (url, timeout) {
      var deferred = $q.defer();
      var script = document.createElement('script');
      var timer = null;
      function finish(ok) {
        if (!script) {
          return;
        }
        script.onload = script.onerror = null;
        if (script.parentNode) {
          script.parentNode.removeChild(script);
        }
        script = null;
        clearTimeout(timer);
        $rootScope.$evalAsync(function () {
          if (ok) {
            deferred.resolve();
          } else {
            deferred.reject();
          }
        });
      }
      script.onload = function () { finish(true); };
      script.onerror = function () { finish(false); };
      if (timeout) {
        timer = setTimeout(function () { finish(false); }, timeout);
      }
      script.src = url;
      document.getElementsByTagName('head')[0].appendChild(script);
      return deferred.promise;
    }
  };
  return util;
}]);

/* accountFactory: the logged-in user, the session values and BaseRequest. */
angular.module('Services').factory('accountFactory', ['utilFactory', function (util) {
  var userInfo = {};
  var sid, skey, passTicket;
  var syncKey = null;
  return {
    setUserInfo: function (info) {
      angular.extend(userInfo, info);
    },
    getUserInfo: function () {
      return userInfo;
    },
    getUserName: function () {
      return userInfo.UserName;
    },
    setSkey: function (value) {
      if (value) {
        skey = value;
      }
    },
    getSkey: function () {
      return skey || '';
    },
    setSid: function (value) {
      if (value) {
        sid = value;
      }
    },
    getSid: function () {
      if (!sid) {
        sid = util.getCookie('wxsid');
      }
      return sid;
    },
    setUin: function (value) {
      userInfo.Uin = value;
    },
    getUin: function () {
      return userInfo.Uin || util.getCookie('wxuin');
    },
    setPassticket: function (value) {
      passTicket = value;
    },
    getPassticket: function () {
      return passTicket;
    },
    setSyncKey: function (key) {
      if (key && key.Count > 0) {
        syncKey = key;
      }
    },
    getSyncKey: function () {
      return syncKey || {List: []};
    },
    getFormateSyncKey: function () {
      var list = this.getSyncKey().List;
      var parts = [];
      for (var i = 0; i < list.length; i++) {
        parts.push(list[i].Key + '_' + list[i].Val);
      }
      return parts.join('|');
    },
    /* getDeviceID is 'e' and 15 random digits, new at every call. */
    getDeviceID: function () {
      var id = 'e';
      for (var i = 0; i < 15; i++) {
        id += Math.floor(Math.random() * 10);
      }
      return id;
    },
    getBaseRequest: function () {
      return {
        BaseRequest: {
          Uin: this.getUin(),
          Sid: this.getSid(),
          Skey: this.getSkey(),
          DeviceID: this.getDeviceID()
        }
      };
    }
  };
}]);

/*
 * loginFactory: the QR login. getUUID and checkLogin load scripts from the
 * login host (window.QRLogin, window.code); like the real ones, their
 * promises never settle when the script fails to load.
 */
angular.module('Services').factory('loginFactory', ['$http', '$q', 'accountFactory', 'confFactory', 'utilFactory',
  function ($http, $q, account, conf, util) {
    return {
      getUUID: function () {
        var deferred = $q.defer();
        window.QRLogin = {};
        util.getScript(conf.API_jsLogin).then(function () {
          if (window.QRLogin.code == 200) {
            deferred.resolve(window.QRLogin.uuid);
          } else {
            deferred.reject(window.QRLogin.code);
          }
        });
        return deferred.promise;
      },
      checkLogin: function (uuid, tip) {
        var deferred = $q.defer();
        window.code = 0;
        window.redirect_uri = undefined;
        var url = conf.API_login + '?loginicon=true&uuid=' + uuid + '&tip=' + (tip || 0) + '&r=' + (~new Date());
        util.getScript(url, 35000).then(function () {
          if (window.redirect_uri && window.redirect_uri.indexOf('/' + location.host + '/') < 0) {
            location.href = window.redirect_uri;
            return;
          }
          deferred.resolve({code: window.code, redirect_uri: window.redirect_uri, userAvatar: window.userAvatar});
        });
        return deferred.promise;
      },
      /* newLoginPage GETs the login page of a confirmed QR code: XML text. */
      newLoginPage: function (url) {
        return $http({method: 'GET', url: url + '&fun=new&version=v2'}).then(function (res) {
          return res.data;
        }, function (res) {
          return $q.reject('error:' + res.data);
        });
      },
      /* parseLoginPage reads the values of the login XML (a sandbox helper). */
      parseLoginPage: function (xml) {
        function field(name) {
          var m = String(xml).match(new RegExp('<' + name + '>(.*?)</' + name + '>'));
          return m ? m[1] : '';
        }
        return {
          Ret: field('ret'), Message: field('message'), SKey: field('skey'), Sid: field('wxsid'),
          Uin: field('wxuin'), Passticket: field('pass_ticket')
        };
      },
      loginout: function (type) {
        window.onbeforeunload = null;
        util.form(conf.API_webwxlogout + '?redirect=1&type=' + (type || 0) + '&skey=' + encodeURIComponent(account.getSkey()), {
          sid: account.getSid(),
          uin: account.getUin()
        });
      },
      /* timeoutDetect logs out on the Ret values that mean "session gone". */
      timeoutDetect: function (ret) {
        ret = +ret;
        if (ret == 1100 || ret == 1101 || ret == 1102) {
          this.loginout(0);
          return true;
        }
        if (ret == 1205) {
          this.loginout(1);
        }
        return false;
      }
    };
  }]);

/* appFactory: webwxinit, and the synccheck/webwxsync push channel. */
angular.module('Services').factory('appFactory', ['$http', '$q', 'confFactory', 'accountFactory', 'loginFactory', 'utilFactory',
  function ($http, $q, conf, account, login, util) {
    function data(res) {
      return res.data;
    }
    function failed(res) {
      return $q.reject('error:' + res.status);
    }
    return {
      init: function () {
        return $http({method: 'POST', url: conf.API_webwxinit, data: account.getBaseRequest()}).then(data, failed);
      },
      sync: function () {
        var url = conf.API_webwxsync + '?sid=' + encodeURIComponent(account.getSid()) +
          '&skey=' + encodeURIComponent(account.getSkey());
        var body = angular.extend(account.getBaseRequest(), {SyncKey: account.getSyncKey(), rr: ~new Date()});
        return $http({method: 'POST', url: url, data: body}).then(data, failed);
      },
      /*
       * syncCheck long-polls the push host; when it reports changes it runs
       * sync and resolves with its answer, else it rejects.
       */
      syncCheck: function () {
        var self = this;
        var url = conf.API_synccheck + '?' + [
          'r=' + util.now(),
          'skey=' + encodeURIComponent(account.getSkey()),
          'sid=' + encodeURIComponent(account.getSid()),
          'uin=' + account.getUin(),
          'deviceid=' + account.getDeviceID(),
          'synckey=' + encodeURIComponent(account.getFormateSyncKey())
        ].join('&');
        if (window.synccheck) {
          window.synccheck.selector = 0;
        }
        return util.getScript(url, 35000).then(function () {
          var answer = window.synccheck || {};
          if (answer.retcode == '0') {
            return answer.selector != '0' ? self.sync() : $q.reject(answer.selector);
          }
          if (answer.retcode == '1100') {
            login.loginout(0);
          } else if (answer.retcode == '1101' || answer.retcode == '1102') {
            login.loginout(1);
          }
          return $q.reject('syncCheck retcode ' + answer.retcode);
        }, function () {
          return $q.reject('syncCheck net error');
        });
      }
    };
  }]);
