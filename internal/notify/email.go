package notify

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	gomail "github.com/wneessen/go-mail"
)

// Email sends notifications over SMTP with go-mail. Each message carries
// the Message-ID <notification-id@leadhub>, the same on every attempt, so
// that a resend after a lost answer can be recognised by the recipient's
// mail system, and Auto-Submitted: auto-generated (RFC 3834), so that
// out-of-office replies stay away.
type Email struct {
	cfg SMTPConfig
}

// NewEmail returns an Email sender for cfg (see Config.Validate); nil when
// cfg has no host, which is email turned off.
func NewEmail(cfg SMTPConfig) *Email {
	cfg = Config{SMTP: cfg}.withDefaults().SMTP
	if cfg.Host == "" {
		return nil
	}
	return &Email{cfg: cfg}
}

// MessageID is the Message-ID of the email for notification id, without
// its angle brackets.
func MessageID(id string) string { return id + "@leadhub" }

// Send sends m to the address m.To.
func (e *Email) Send(ctx context.Context, m Message) error {
	msg, err := e.message(m)
	if err != nil {
		return err
	}
	c, err := gomail.NewClient(e.cfg.Host, e.options()...)
	if err != nil {
		return &PermanentError{Text: "email: " + err.Error()}
	}
	return classifySMTP(c.DialAndSendWithContext(ctx, msg))
}

func (e *Email) options() []gomail.Option {
	opts := []gomail.Option{gomail.WithPort(e.cfg.Port), gomail.WithTimeout(e.cfg.Timeout)}
	switch e.cfg.TLS {
	case TLSMandatory:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if e.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(e.cfg.Username), gomail.WithPassword(e.cfg.Password))
	}
	return opts
}

// message builds the email for m.
func (e *Email) message(m Message) (*gomail.Msg, error) {
	n := m.Notification
	to, err := mail.ParseAddress(m.To)
	if err != nil || m.To == "" {
		return nil, &PermanentError{Text: fmt.Sprintf("email: recipient %q is not an address", m.To)}
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(e.cfg.From); err != nil {
		return nil, &PermanentError{Text: fmt.Sprintf("email: sender %q is not an address", e.cfg.From)}
	}
	msg.ToMailAddress(to)
	msg.Subject(oneLine(n.Title))
	msg.SetMessageIDWithValue(MessageID(n.ID))
	msg.SetDate()
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	body := n.Text
	if m.Link != "" {
		body = strings.TrimRight(body, "\n") + "\n\n" + m.Link
	}
	msg.SetBodyString(gomail.TypeTextPlain, strings.TrimLeft(body, "\n")+"\n")
	return msg, nil
}

// classifySMTP: a 5xx answer is permanent, a 4xx or anything else (the
// server down, a timeout, TLS refused) is retried.
func classifySMTP(err error) error {
	if err == nil {
		return nil
	}
	var se *gomail.SendError
	if errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500 {
		return &PermanentError{Status: se.ErrorCode(), Text: "email: " + oneLine(se.Error()), Err: err}
	}
	return fmt.Errorf("email: %w", err)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
