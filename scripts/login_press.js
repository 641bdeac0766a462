// loginPress: runs in the page of web WeChat (or the sandbox) while it shows
// the login view. Uses the scope of [ng-controller="loginController"]:
// associationLogin() ("Log in": push the log-in to the phone of the account
// last logged in), qrcodeLogin() ("Switch account": a QR code instead) and
// refreshQrcode() (a new QR code after the page stopped renewing it).
// Presses the button named by button ("association", "qrcode" or "refresh")
// inside a digest, as a click would. Returns true when the view had that
// button, false when not.
function (button) {
  var names = {association: 'associationLogin', qrcode: 'qrcodeLogin', refresh: 'refreshQrcode'};
  var name = names[button];
  if (!name || typeof angular === 'undefined') return false;
  var el = document.querySelector('[ng-controller="loginController"]');
  var scope = el ? angular.element(el).scope() : null;
  if (!scope || typeof scope[name] !== 'function') return false;
  if (scope.$root && scope.$root.$$phase) {
    scope[name]();
  } else {
    scope.$apply(function () {
      scope[name]();
    });
  }
  return true;
}
