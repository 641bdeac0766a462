// The test module: one service, testSvc, whose methods behave like the
// app's services do in every way Call must cope with.
angular.module('testApp', []).factory('testSvc', ['$q', '$http', '$timeout', function ($q, $http, $timeout) {
  var svc = {
    // echo returns its arguments, to check they arrive as data.
    echo: function () {
      return Array.prototype.slice.call(arguments);
    },
    // later resolves a $q promise after a digest-driven timeout.
    later: function (v) {
      return $timeout(function () {
        return {echo: v};
      }, 10);
    },
    // reject rejects with an object, as chatroomFactory.create does.
    reject: function () {
      return $q.reject({BaseResponse: {Ret: 1, ErrMsg: 'too often'}});
    },
    nativeReject: function () {
      return Promise.reject(new TypeError('native rejection'));
    },
    boom: function () {
      throw new Error('boom');
    },
    // isThis reports whether the method was called on the service.
    isThis: function () {
      return this === svc;
    },
    // odd returns what is not plain JSON.
    odd: function () {
      var o = {
        keep: 1,
        fn: function () {},
        $$hashKey: 'object:1',
        $keep: 'one dollar stays',
        undef: undefined,
        nan: NaN,
        when: new Date(0),
        el: document.body,
        list: [1, undefined, function () {}],
        err: new RangeError('out of range')
      };
      o.self = o;
      o.nested = {back: o, shared: o.list};
      return o;
    },
    // never returns a promise that never settles.
    never: function () {
      return $q.defer().promise;
    },
    // post and get make the app's kind of request.
    post: function (endpoint, body) {
      return $http.post('/cgi-bin/mmwebwx-bin/' + endpoint + '?r=' + Date.now(), body).then(function (r) {
        return r.data;
      });
    },
    get: function (endpoint) {
      return $http.get('/cgi-bin/mmwebwx-bin/' + endpoint).then(function (r) {
        return r.data;
      });
    },
    // image loads a picture from under the API path, as avatars are.
    image: function () {
      var img = new Image();
      img.src = '/cgi-bin/mmwebwx-bin/webwxgetheadimg?seq=1';
      document.body.appendChild(img);
    }
  };
  return svc;
}]);
