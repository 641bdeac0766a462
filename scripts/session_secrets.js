// sessionSecrets: runs in the page of web WeChat.
// Uses accountFactory (getBaseRequest, getPassticket, getSkey, getSid,
// getUin, where present) and document.cookie. Returns the values of the
// session's secrets as strings (Uin, Sid, Skey, pass_ticket, and the wxuin,
// wxsid, webwx_data_ticket and webwxuvid cookies), so that wxctl can mask
// them wherever they appear in what it prints, whatever they stand under.
// Returns [] in a page without the app or a session.
function () {
  var out = [];
  function add(v) {
    if (v !== undefined && v !== null && v !== '' && v !== 0) { out.push(String(v)); }
  }
  try {
    var account = angular.element(document).injector().get('accountFactory');
    var base = (account.getBaseRequest() || {}).BaseRequest || {};
    add(base.Uin);
    add(base.Sid);
    add(base.Skey);
    ['getPassticket', 'getSkey', 'getSid', 'getUin'].forEach(function (name) {
      if (typeof account[name] === 'function') {
        try { add(account[name]()); } catch (e) {}
      }
    });
  } catch (e) {}
  String(document.cookie || '').split(';').forEach(function (pair) {
    var at = pair.indexOf('=');
    var name = pair.slice(0, at).trim();
    if (at > 0 && /^(wxuin|wxsid|webwx_data_ticket|webwx_auth_ticket|webwxuvid)$/.test(name)) {
      try { add(decodeURIComponent(pair.slice(at + 1).trim())); } catch (e) { add(pair.slice(at + 1).trim()); }
    }
  });
  return out;
}
