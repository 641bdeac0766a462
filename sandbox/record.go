package sandbox

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// defaultRequestLog bounds the request log, so that a sandbox left running
// for hours (the app long-polls synccheck all the time) does not grow
// without end. The oldest requests go first.
const defaultRequestLog = 10_000

// WithRequestLog keeps the newest n API requests for Requests instead of
// 10,000 (at least 1): a long run that measures memory keeps few.
func WithRequestLog(n int) Option {
	return func(c *config) { c.requestLog = max(1, n) }
}

// Request is one API request as the server received it.
type Request struct {
	Endpoint string // last path element, e.g. "webwxcreatechatroom"
	Path     string
	Query    url.Values
	Header   http.Header
	Body     []byte
	Time     time.Time
}

// Requests returns the API requests for one endpoint ("" = all), oldest
// first. Every request under /cgi-bin/mmwebwx-bin/ and /jslogin counts,
// including those a fault answered.
func (s *Server) Requests(endpoint string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.reqs {
		if endpoint == "" || r.Endpoint == endpoint {
			r.Query = cloneValues(r.Query)
			r.Header = cloneValues(r.Header)
			r.Body = bytes.Clone(r.Body)
			out = append(out, r)
		}
	}
	return out
}

// record appends a request to the log, dropping the oldest past the limit.
func (s *Server) record(c *call) {
	req := Request{
		Endpoint: c.endpoint,
		Path:     c.r.URL.Path,
		Query:    c.r.URL.Query(),
		Header:   c.r.Header.Clone(),
		Body:     bytes.Clone(c.body),
		Time:     time.Now(),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if limit := s.cfg.requestLog; len(s.reqs) >= limit {
		s.reqs = slices.Delete(s.reqs, 0, len(s.reqs)-limit+1)
	}
	s.reqs = append(s.reqs, req)
}

func cloneValues[M ~map[string][]string](m M) M {
	out := make(M, len(m))
	for k, v := range m {
		out[k] = slices.Clone(v)
	}
	return out
}
