// loginState: runs in the page of web WeChat (or the sandbox), before, during
// and after the QR log-in, also in a page that is not (yet) the app.
// Uses the scope of [ng-controller="loginController"] (code, qrcodeUrl, uuid,
// isScan, isAssociationLogin, isWaitingAsConfirm, isNeedRefresh,
// isBrokenNetwork, and loginError in the sandbox), window.MMCgi.isLogin and
// accountFactory.getUserInfo().
// Waits, looking every 50 ms for at most waitMs (0: not at all), until the
// state's key differs from since, then returns the state as plain JSON:
//   {key, host, ready, loggedIn, user: {NickName, UserName}|null, view, code,
//    qrcodeUrl, uuid, scanned, association, waiting, needRefresh,
//    brokenNetwork, blocked, message}
// ready: AngularJS runs the app; view: the login view is on the page;
// blocked: the page says that the account may not use web WeChat (1203);
// message: the error text the login view shows, if any. The page's
// secrets (Skey, Sid, Uin, tickets) are never read.
function (since, waitMs) {
  function injector() {
    if (typeof angular === 'undefined' || !angular.element) return null;
    try {
      return angular.element(document).injector() ||
        angular.element(document.querySelector('[ng-app]') || document.body).injector() || null;
    } catch (e) {
      return null;
    }
  }

  function text() {
    try {
      return document.body ? String(document.body.innerText || document.body.textContent || '') : '';
    } catch (e) {
      return '';
    }
  }

  function str(v) {
    return v === undefined || v === null ? '' : String(v);
  }

  function read() {
    var body = text();
    var st = {
      host: String(location.host),
      ready: false, loggedIn: false, user: null, view: false, code: null, qrcodeUrl: '', uuid: '',
      scanned: false, association: false, waiting: false, needRefresh: false, brokenNetwork: false,
      blocked: body.indexOf('不能登录网页版微信') >= 0 || body.indexOf('不能登录网页微信') >= 0 ||
        body.indexOf('不能登录web微信') >= 0 || body.indexOf('不允许登录网页微信') >= 0 ||
        /cannot (log ?in|login) (to )?(the )?web ?wechat/i.test(body) || /<ret>1203<\/ret>/.test(body),
      message: ''
    };
    var inj = injector();
    if (!inj) return st;
    st.ready = true;
    st.loggedIn = !!(window.MMCgi && window.MMCgi.isLogin);
    try {
      var info = inj.get('accountFactory').getUserInfo();
      if (info && info.UserName) {
        st.user = {UserName: str(info.UserName), NickName: str(info.NickName)};
      }
    } catch (e) {
      st.user = null;
    }
    var el = document.querySelector('[ng-controller="loginController"]');
    var scope = el ? angular.element(el).scope() : null;
    if (scope) {
      st.view = true;
      st.code = scope.code === undefined || scope.code === null || scope.code === '' ? null : Number(scope.code);
      st.qrcodeUrl = str(scope.qrcodeUrl);
      st.uuid = str(scope.uuid);
      st.scanned = !!scope.isScan;
      st.association = !!scope.isAssociationLogin;
      st.waiting = !!scope.isWaitingAsConfirm;
      st.needRefresh = !!scope.isNeedRefresh;
      st.brokenNetwork = !!scope.isBrokenNetwork;
      st.message = str(scope.loginError);
      if (/1203/.test(st.message)) st.blocked = true;
    }
    return st;
  }

  function keyed(st) {
    st.key = JSON.stringify([st.ready, st.loggedIn, st.user, st.view, st.code, st.qrcodeUrl, st.uuid,
      st.scanned, st.association, st.waiting, st.needRefresh, st.brokenNetwork, st.blocked, st.message]);
    return st;
  }

  var first = keyed(read());
  if (first.key !== since || !(waitMs > 0)) return first;
  return new Promise(function (resolve) {
    var deadline = Date.now() + waitMs;
    var timer = setInterval(function () {
      var st = keyed(read());
      if (st.key !== since || Date.now() >= deadline) {
        clearInterval(timer);
        resolve(st);
      }
    }, 50);
  });
}
