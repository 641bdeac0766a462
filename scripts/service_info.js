// serviceInfo: runs in the page of web WeChat (or any AngularJS app).
// Uses the injector only: it looks up one service by name and calls nothing
// on it. Returns {app: false} without an AngularJS app, {app: true, found:
// false} without the service, else {app, found, kind, methods: {name:
// Function.length}, fields: {name: typeof}} over the service's own and
// inherited properties. The name travels as an argument.
function (name) {
  var inj = null;
  try {
    inj = angular.element(document).injector() ||
      angular.element(document.querySelector('[ng-app]') || document.body).injector();
  } catch (e) {}
  if (!inj) return {app: false};
  var has = false;
  try {
    has = typeof inj.has === 'function' ? inj.has(name) : !!inj.get(name);
  } catch (e) {}
  if (!has) return {app: true, found: false};
  var svc = inj.get(name), methods = {}, fields = {};
  if (svc !== null && (typeof svc === 'object' || typeof svc === 'function')) {
    for (var k in svc) {
      var v;
      try { v = svc[k]; } catch (e) { continue; }
      if (typeof v === 'function') methods[k] = v.length; else fields[k] = v === null ? 'null' : typeof v;
    }
  }
  return {app: true, found: true, kind: typeof svc, methods: methods, fields: fields};
}
