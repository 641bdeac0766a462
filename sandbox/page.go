package sandbox

import (
	"embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"strconv"
)

// staticFiles is the page: index.html and the app's JavaScript under js/.
//
//go:embed static
var staticFiles embed.FS

// indexTemplate renders index.html. Its delimiters are [[ ]] because the
// page's AngularJS bindings use {{ }}.
var indexTemplate = template.Must(template.New("index.html").Delims("[[", "]]").
	ParseFS(staticFiles, "static/index.html"))

// pixel is a 1×1 transparent GIF: the avatars and the scanned-QR picture of
// the sandbox.
var pixel = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff" +
	"!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x01D\x00;")

// pixelBase64 is pixel for a data: URL.
var pixelBase64 = base64.StdEncoding.EncodeToString(pixel)

// serveIndex renders the app page with window.MMCgi.isLogin. For an
// accepted session it (re)sets the session cookies, as the real site has
// them after a login.
func (s *Server) serveIndex(w http.ResponseWriter, r *http.Request) {
	loggedIn := s.loggedIn()
	if loggedIn && !s.cookiesMatch(r) {
		s.setCookies(w)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	// template.JS: a plain bool would be rendered padded, " true ".
	isLogin := template.JS(strconv.FormatBool(loggedIn))
	if err := indexTemplate.Execute(w, struct{ IsLogin template.JS }{isLogin}); err != nil {
		http.Error(w, "render page: "+err.Error(), http.StatusInternalServerError)
	}
}

// serveAngular serves the AngularJS file read by New.
func (s *Server) serveAngular(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	_, _ = w.Write(s.angular)
}

// serveImage answers webwxgeticon and webwxgetheadimg with a blank pixel.
func (s *Server) serveImage(c *call) {
	c.w.Header().Set("Content-Type", "image/gif")
	_, _ = c.w.Write(pixel)
}
