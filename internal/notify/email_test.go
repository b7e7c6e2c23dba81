package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/notify"
)

func emailMessage(to string) notify.Message {
	return notify.Message{To: to, Link: "https://leads.contoso.com/customers/C1", Notification: lead.Notification{
		ID: ulid.Make().String(), UserID: "u1", Event: lead.EventAtRisk, CustomerID: "C1",
		Title: "Contoso: first touch due in 30 minutes", Text: "Ana Ruiz (Contoso) asked to be contacted.",
		Link: "/customers/C1"}}
}

// An email reaches the SMTP server once, to the user, with the title as
// its subject and the notification's stable Message-ID; opportunistic TLS
// (the default) sends in plain text to a server without STARTTLS, and
// mandatory TLS refuses to, as a transient error.
func TestEmailToMailpit(t *testing.T) {
	t.Parallel()
	mp := needMailpit(t)
	for _, policy := range []notify.TLSPolicy{notify.TLSNone, ""} {
		e := notify.NewEmail(notify.SMTPConfig{Host: mp.host, Port: mp.port, From: "leadhub <leadhub@contoso.example>",
			TLS: policy, Timeout: 10 * time.Second})
		m := emailMessage("ann+" + strings.ToLower(ulid.Make().String()) + "@contoso.example")
		if err := e.Send(context.Background(), m); err != nil {
			t.Fatalf("tls %q: %v", policy, err)
		}
		got := mp.waitMessage(t, notify.MessageID(m.Notification.ID))
		if len(got) != 1 {
			t.Fatalf("tls %q: %d copies arrived, want 1: %+v", policy, len(got), got)
		}
		s := got[0]
		if s.Subject != m.Notification.Title || len(s.To) != 1 || s.To[0].Address != m.To ||
			s.From.Address != "leadhub@contoso.example" || !strings.Contains(s.Snippet, "Ana Ruiz") {
			t.Fatalf("tls %q: received %+v", policy, s)
		}
	}
	mandatory := notify.NewEmail(notify.SMTPConfig{Host: mp.host, Port: mp.port, From: "leadhub@contoso.example",
		TLS: notify.TLSMandatory, Timeout: 5 * time.Second})
	m := emailMessage("bob@contoso.example")
	err := mandatory.Send(context.Background(), m)
	if err == nil || notify.IsPermanent(err) {
		t.Fatalf("mandatory TLS to a server without STARTTLS: %v, want a transient error", err)
	}
	if n := len(mp.withMessageID(t, notify.MessageID(m.Notification.ID))); n != 0 {
		t.Fatalf("mandatory TLS sent in plain text anyway (%d copies)", n)
	}
}

// A server that does not answer is a transient error; an address that is
// not one is permanent. Neither shows the password.
func TestEmailErrors(t *testing.T) {
	t.Parallel()
	e := notify.NewEmail(notify.SMTPConfig{Host: "127.0.0.1", Port: 1, Username: "lh", Password: "hunter2",
		From: "leadhub@contoso.example", TLS: notify.TLSNone, Timeout: 2 * time.Second})
	err := e.Send(context.Background(), emailMessage("ann@contoso.example"))
	if err == nil || notify.IsPermanent(err) {
		t.Fatalf("no server: %v, want transient", err)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("the error shows the password: %v", err)
	}
	if err := e.Send(context.Background(), emailMessage("not an address")); !notify.IsPermanent(err) {
		t.Fatalf("bad address: %v, want permanent", err)
	}
	if notify.NewEmail(notify.SMTPConfig{}) != nil {
		t.Fatal("NewEmail without a host is not nil (email off)")
	}
}
