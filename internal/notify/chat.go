package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// Slack posts to a Slack incoming webhook
// (https://api.slack.com/messaging/webhooks): {"text": …} as the
// notification's fallback, and blocks with the title, the text and a link.
// Slack answers 200 "ok"; its errors are plain words (400 invalid_payload,
// 404 no_service, 410 channel_is_archived, 429 rate_limited with
// Retry-After). A resend posts twice: Slack has no idempotency key.
type Slack struct{ w *webhook }

// NewSlack returns a Slack sender over c (a client with timeout when nil).
func NewSlack(c *http.Client, timeout time.Duration) *Slack {
	return &Slack{w: newWebhook("slack", c, timeout)}
}

// Send posts m to the webhook m.To.
func (s *Slack) Send(ctx context.Context, m Message) error {
	b, err := marshal(SlackPayload(m))
	if err != nil {
		return &PermanentError{Text: "slack: " + err.Error()}
	}
	return s.w.post(ctx, m.To, b)
}

// SlackPayload is the message body Send posts for m.
func SlackPayload(m Message) map[string]any {
	n := m.Notification
	fallback := n.Title
	if n.Text != "" {
		fallback += ": " + n.Text
	}
	section := "*" + slackEscape(n.Title) + "*"
	if n.Text != "" {
		section += "\n" + slackEscape(n.Text)
	}
	blocks := []any{map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": section}}}
	if m.Link != "" {
		fallback += " " + m.Link
		blocks = append(blocks, map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn",
			"text": "<" + slackEscape(m.Link) + "|Open in leadhub>"}})
	}
	return map[string]any{"text": fallback, "blocks": blocks}
}

// slackEscape escapes the three characters Slack's mrkdwn gives a meaning
// (https://api.slack.com/reference/surfaces/formatting#escaping).
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// Teams posts an Adaptive Card to a Microsoft Teams workflow webhook (the
// Power Automate template "Post to a channel when a webhook request is
// received"): {"type":"message","attachments":[{"contentType":
// "application/vnd.microsoft.card.adaptive", "content": {card}}]}. A
// workflow answers 202 Accepted with an empty body and posts later, so a
// card it cannot render shows only in the flow's run history. The retired
// Office 365 connectors answered 200 even when throttled, with "HTTP error
// 429" in the body; that is read as a throttle too.
type Teams struct{ w *webhook }

// NewTeams returns a Teams sender over c (a client with timeout when nil).
func NewTeams(c *http.Client, timeout time.Duration) *Teams {
	w := newWebhook("teams", c, timeout)
	w.throttledOK = func(b []byte) bool { return bytes.Contains(b, []byte("HTTP error 429")) }
	return &Teams{w: w}
}

// Send posts m to the webhook m.To.
func (t *Teams) Send(ctx context.Context, m Message) error {
	b, err := marshal(TeamsPayload(m))
	if err != nil {
		return &PermanentError{Text: "teams: " + err.Error()}
	}
	return t.w.post(ctx, m.To, b)
}

// TeamsPayload is the message body Send posts for m: an Adaptive Card 1.4
// with the title, the text and an Action.OpenUrl to the link
// (Action.Submit does not work in cards posted by webhooks).
func TeamsPayload(m Message) map[string]any {
	n := m.Notification
	body := []any{map[string]any{"type": "TextBlock", "text": n.Title, "weight": "Bolder", "size": "Medium", "wrap": true}}
	if n.Text != "" {
		body = append(body, map[string]any{"type": "TextBlock", "text": n.Text, "wrap": true})
	}
	card := map[string]any{
		"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"type":    "AdaptiveCard",
		"version": "1.4",
		"body":    body,
	}
	if m.Link != "" {
		card["actions"] = []any{map[string]any{"type": "Action.OpenUrl", "title": "Open in leadhub", "url": m.Link}}
	}
	return map[string]any{
		"type": "message",
		"attachments": []any{map[string]any{
			"contentType": "application/vnd.microsoft.card.adaptive",
			"contentUrl":  nil,
			"content":     card,
		}},
	}
}

// marshal encodes v as JSON without escaping <, > and & (which Slack's
// mrkdwn escapes its own way).
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}
