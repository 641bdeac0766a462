package sandbox

import (
	"context"
	"time"

	qrcode "github.com/skip2/go-qrcode"
)

// qrPNG draws text as a QR code the way the real login host serves it: a
// PNG with a quiet zone, 8 pixels a module.
func qrPNG(text string) ([]byte, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	return q.PNG(-8)
}

// QRCode returns the uuid of the QR code the login page shows (or of the
// log-in pushed to the phone), "" when there is none.
func (s *Server) QRCode() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.qr.uuid
}

// WaitQR waits until the login page shows a QR code (or has pushed a
// log-in to the phone) other than previous, and returns its uuid. It
// returns ctx's error when ctx ends first, and ErrNoQRCode when the server
// closes.
func (s *Server) WaitQR(ctx context.Context, previous string) (string, error) {
	for {
		s.mu.Lock()
		uuid, ch := s.st.qr.uuid, s.changed
		s.mu.Unlock()
		if uuid != "" && uuid != previous {
			return uuid, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return "", ctx.Err()
		case <-s.closed:
			return "", ErrNoQRCode
		}
	}
}

// AutoLogin makes the simulated phone log in by itself, for a person or a
// test that has no phone: on every QR code the page shows (and every
// log-in pushed to the phone) it scans after half of d and confirms when d
// has passed. It plays until the server closes.
func (s *Server) AutoLogin(d time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-s.closed
		cancel()
	}()
	go s.autoLogin(ctx, d)
}

func (s *Server) autoLogin(ctx context.Context, d time.Duration) {
	previous := ""
	for {
		uuid, err := s.WaitQR(ctx, previous)
		if err != nil {
			return
		}
		previous = uuid
		// A step for a code that the page replaced meanwhile is dropped
		// (ErrNoQRCode): the next code gets its own turn.
		if !s.after(ctx, d/2) {
			return
		}
		if s.phone(PhoneScan, uuid) != nil {
			continue
		}
		if !s.after(ctx, d-d/2) {
			return
		}
		_ = s.phone(PhoneConfirm, uuid)
	}
}

// after waits d, and reports false when ctx (the server) ended first. The
// phone's pace is a simulation of a person, not a wait for the page.
func (s *Server) after(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
