// domSnapshot: runs in any page; wxctl's --trace saves what it returns.
// Uses no service.
// Returns the document as HTML: its doctype, then the outerHTML of the root
// element as the DOM holds it now (what the app rendered, not what the
// server sent).
function () {
  var doctype = '';
  var d = document.doctype;
  if (d) {
    doctype = '<!DOCTYPE ' + d.name +
      (d.publicId ? ' PUBLIC "' + d.publicId + '"' : '') +
      (d.systemId ? ' "' + d.systemId + '"' : '') + '>\n';
  }
  return doctype + (document.documentElement ? document.documentElement.outerHTML : '');
}
