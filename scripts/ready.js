// ready: runs in the page of web WeChat (or the sandbox).
// Uses no service: it only looks for the AngularJS injector of the app, on
// the document (ng-app on <html>), else on the [ng-app] element or the body
// (ng-app on <body>, where the document has none).
// Returns true once AngularJS has bootstrapped the app, false before (or on a
// page that is not an AngularJS app at all).
function () {
  if (typeof angular === 'undefined' || !angular.element) return false;
  try {
    return !!(angular.element(document).injector() ||
      angular.element(document.querySelector('[ng-app]') || document.body).injector());
  } catch (e) {
    return false;
  }
}
