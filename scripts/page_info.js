// pageInfo: runs in any page; wxctl reads it when the app did not come up,
// to say what the page was instead. Uses no service.
// Returns {url, title, snippet, blocked, angular, injector}: snippet is the
// start of the visible text with runs of white space collapsed; blocked is
// true when the page says the account may not use web WeChat (error 1203,
// "不能登录网页版微信" / "cannot log in to web WeChat").
function (maxSnippet) {
  var text = '';
  try {
    text = document.body ? String(document.body.innerText || document.body.textContent || '') : '';
  } catch (e) {
    text = '';
  }
  text = text.replace(/\s+/g, ' ').trim();
  var blocked = text.indexOf('不能登录网页版微信') >= 0 ||
    /cannot (log ?in|login) (to )?(the )?web ?wechat/i.test(text) ||
    /(^|[^0-9])1203([^0-9]|$)/.test(text);
  var hasAngular = typeof angular !== 'undefined' && !!angular.element;
  var injector = false;
  if (hasAngular) {
    try {
      injector = !!(angular.element(document).injector() ||
        angular.element(document.querySelector('[ng-app]') || document.body).injector());
    } catch (e) {
      injector = false;
    }
  }
  var max = maxSnippet > 0 ? maxSnippet : 200;
  return {
    url: String(location.href),
    title: String(document.title || ''),
    snippet: text.length > max ? text.slice(0, max) + '…' : text,
    blocked: blocked,
    angular: hasAngular,
    injector: injector
  };
}
