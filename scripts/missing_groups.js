// missingGroups: runs in the page of web WeChat.
// Uses contactFactory.getContact with noBatchGet, so that it asks the server
// nothing.
// Waits, polling every 25 ms for at most waitMs, until the app holds every
// group of names (UserNames "@@…"), among its contacts or its strangers (a
// group you have left), and returns those it still does not hold: [String].
function (names, waitMs) {
  var contacts = angular.element(document).injector().get('contactFactory');

  function missing() {
    var out = [];
    for (var i = 0; i < names.length; i++) {
      if (!contacts.getContact(names[i], '', true)) {
        out.push(String(names[i]));
      }
    }
    return out;
  }

  return new Promise(function (resolve) {
    var deadline = Date.now() + waitMs;
    var timer = setInterval(check, 25);
    function check() {
      var m = missing();
      if (m.length === 0 || Date.now() >= deadline) {
        clearInterval(timer);
        resolve(m);
      }
    }
    check();
  });
}
