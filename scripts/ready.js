// ready: runs in the page of web WeChat (or the sandbox).
// Uses no service: it only looks for the AngularJS injector of the app, on
// the document (ng-app on <html>), else on the [ng-app] element or the body
// (ng-app on <body>, where the document has none).
// Returns true once AngularJS has bootstrapped the app; "no-angular" when the
// document has finished loading (readyState "complete") without AngularJS
// on it at all, which web WeChat never is; false otherwise (still loading).
function () {
  if (typeof angular === 'undefined' || !angular.element) {
    return document.readyState === 'complete' ? 'no-angular' : false;
  }
  try {
    return !!(angular.element(document).injector() ||
      angular.element(document.querySelector('[ng-app]') || document.body).injector());
  } catch (e) {
    return false;
  }
}
