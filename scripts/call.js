// call: runs in the page of web WeChat (or the sandbox), the runner behind
// every script wxctl sends.
//
// target is either {service, method}, a method of an AngularJS injector
// service (the injector of the document, of the [ng-app] element or of the
// body; $rootScope to run the call in a digest, as the app's own UI does),
// or a function (package browser passes another script's function here).
// args is the array of JSON arguments. A returned thenable ($q or native) is
// settled both ways inside a native Promise, because a rejection is a result
// (chatroomFactory.create rejects with the server's JSON), not a crash. When
// timeoutMs > 0 the page stops waiting after that long, so a Go-side
// deadline also ends the wait in the page.
//
// Returns (a Promise of) one JSON string:
//   {status: 'resolved'|'rejected', value}   the call returned or settled
//   {status: 'threw', message, stack, value} the call threw synchronously
//   {status: 'timeout'}                      timeoutMs passed first
//   {status: 'no-app'}                       no AngularJS injector in the page
//   {status: 'no-service'}                   the injector has no such service
//   {status: 'no-method'}                    the service has no such method
// value is a plain JSON copy: functions, undefined and keys starting with $$
// ($$hashKey) dropped, cycles and DOM nodes cut, Errors as {name, message,
// stack}. Plain ES5 plus Promise, so it works beside AngularJS 1.2 and 1.8.
function (target, timeoutMs, args) {
  'use strict';
  var maxDepth = 64;
  args = Array.isArray(args) ? args : [];

  // read reads a property that may throw: a getter, or a window of another
  // origin.
  function read(v, k) {
    try {
      return v[k];
    } catch (e) {
      return undefined;
    }
  }

  function isNode(v) {
    return typeof read(v, 'nodeType') === 'number' && typeof read(v, 'nodeName') === 'string';
  }

  function isError(v) {
    return Object.prototype.toString.call(v) === '[object Error]' || v instanceof Error;
  }

  // plain copies v to plain JSON; undefined means "leave it out". parents
  // holds the objects on the path from the root, so a shared object appears
  // twice while a cycle is cut.
  function plain(v, depth, parents) {
    if (v === null) return null;
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return v;
      case 'number':
        return isFinite(v) ? v : null;
      case 'bigint':
        return String(v);
      case 'object':
        break;
      default:
        return undefined;
    }
    if (depth > maxDepth || parents.indexOf(v) >= 0) return undefined;
    if (v === window || isNode(v)) return undefined;
    if (isError(v)) {
      return {name: String(read(v, 'name')), message: String(read(v, 'message')), stack: String(read(v, 'stack') || '')};
    }
    if (typeof read(v, 'toJSON') === 'function') {
      var j;
      try {
        j = v.toJSON();
      } catch (e) {
        return undefined;
      }
      if (j !== v) return plain(j, depth + 1, parents);
    }
    parents.push(v);
    var out, i, x;
    if (Array.isArray(v)) {
      out = [];
      for (i = 0; i < v.length; i++) {
        x = plain(read(v, i), depth + 1, parents);
        out.push(x === undefined ? null : x);
      }
    } else {
      out = {};
      var keys;
      try {
        keys = Object.keys(v);
      } catch (e) {
        keys = [];
      }
      for (i = 0; i < keys.length; i++) {
        if (keys[i].slice(0, 2) === '$$') continue;
        x = plain(read(v, keys[i]), depth + 1, parents);
        if (x !== undefined) out[keys[i]] = x;
      }
    }
    parents.pop();
    return out;
  }

  function encode(r) {
    var out = {status: r.status};
    if (r.status === 'threw') {
      var e = r.value;
      out.message = String(e && typeof e === 'object' && 'message' in e ? read(e, 'message') : e);
      out.stack = String((e && typeof e === 'object' && read(e, 'stack')) || '');
    }
    if ('value' in r) {
      var v = plain(r.value, 0, []);
      if (v !== undefined) out.value = v;
    }
    try {
      return JSON.stringify(out);
    } catch (e) {
      return JSON.stringify({status: 'threw', message: 'the result cannot be turned into JSON: ' + e});
    }
  }

  function injector() {
    if (typeof angular === 'undefined' || !angular.element) return null;
    try {
      return angular.element(document).injector() ||
        angular.element(document.querySelector('[ng-app]') || document.body).injector() || null;
    } catch (e) {
      return null;
    }
  }

  // start makes the call and returns {status, value}, or a thenable in value.
  function start() {
    if (typeof target === 'function') {
      try {
        return {status: 'resolved', value: target.apply(null, args)};
      } catch (e) {
        return {status: 'threw', value: e};
      }
    }
    var inj = injector();
    if (!inj) return {status: 'no-app'};
    var has;
    try {
      has = typeof inj.has === 'function' ? inj.has(target.service) : !!inj.get(target.service);
    } catch (e) {
      has = false;
    }
    if (!has) return {status: 'no-service'};
    var svc = inj.get(target.service);
    if (!svc || typeof svc[target.method] !== 'function') return {status: 'no-method'};

    var ran = false, threw = false, out, err;
    var call = function () {
      try {
        out = svc[target.method].apply(svc, args);
      } catch (e) {
        threw = true;
        err = e;
      }
      ran = true;
    };
    var root = inj.has && inj.has('$rootScope') ? inj.get('$rootScope') : null;
    if (root && !root.$$phase) {
      // $apply swallows what the call throws (it hands it to
      // $exceptionHandler), hence the flags set inside call; an error of a
      // watcher during the digest after a call that ran is not the call's.
      try {
        root.$apply(call);
      } catch (e) {
        if (!ran) throw e;
      }
    } else {
      call();
    }
    return threw ? {status: 'threw', value: err} : {status: 'resolved', value: out};
  }

  var first;
  try {
    first = start();
  } catch (e) {
    first = {status: 'threw', value: e};
  }
  var v = first.value;
  var settled;
  if (first.status === 'resolved' && v !== null && (typeof v === 'object' || typeof v === 'function') &&
      typeof read(v, 'then') === 'function') {
    settled = new Promise(function (resolve) {
      try {
        v.then(function (x) {
          resolve({status: 'resolved', value: x});
        }, function (x) {
          resolve({status: 'rejected', value: x});
        });
      } catch (e) {
        resolve({status: 'threw', value: e});
      }
    });
  } else {
    settled = Promise.resolve(first);
  }
  if (!(timeoutMs > 0)) return settled.then(encode);

  var timer;
  var deadline = new Promise(function (resolve) {
    timer = setTimeout(function () {
      resolve({status: 'timeout'});
    }, timeoutMs);
  });
  return Promise.race([settled, deadline]).then(function (r) {
    clearTimeout(timer);
    return encode(r);
  });
}
