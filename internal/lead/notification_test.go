package lead

import (
	"slices"
	"strings"
	"testing"
)

func TestNotificationValidate(t *testing.T) {
	ok := Notification{ID: "01J", UserID: "u1", Event: EventAssigned, Title: "Contoso is yours", Link: "/customers/C1"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, link := range []string{"https://evil.example/", "//evil.example/x", "customers/C1", "/a\r\nSet-Cookie: x", `/\evil`} {
		n := ok
		n.Link = link
		if KindOf(n.Validate()) != KindInvalid {
			t.Errorf("link %q accepted", link)
		}
	}
	err := Notification{Event: "party"}.Validate()
	for _, want := range []string{"no id", "no user", `unknown event "party"`, "no title"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: does not say %q", err, want)
		}
	}
}

func TestNotifyPrefs(t *testing.T) {
	p := DefaultNotifyPrefs("u1")
	for _, e := range NotifyEvents {
		if !slices.Equal(p.ChannelsFor(e), []NotifyChannel{NotifyInApp, NotifyEmail}) {
			t.Errorf("default %s: %v", e, p.ChannelsFor(e))
		}
	}
	p.Digest = false
	if p.ChannelsFor(EventDigest) != nil {
		t.Errorf("digest off still goes to %v", p.ChannelsFor(EventDigest))
	}
	p.Channels = map[NotifyEvent][]NotifyChannel{EventBreached: {NotifySlack}, EventAssigned: nil}
	if !slices.Equal(p.ChannelsFor(EventBreached), []NotifyChannel{NotifySlack}) || len(p.ChannelsFor(EventAssigned)) != 0 ||
		!slices.Equal(p.ChannelsFor(EventAtRisk), DefaultNotifyChannels) {
		t.Errorf("set channels: %+v", p.Channels)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	p.Channels[EventAtRisk] = []NotifyChannel{"pager"}
	p.SlackWebhookURL = "http://hooks.example.com/services/SECRET"
	err := p.Validate()
	if KindOf(err) != KindInvalid || !strings.Contains(err.Error(), `unknown channel "pager"`) ||
		!strings.Contains(err.Error(), "Slack webhook") || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("invalid prefs: %v", err)
	}
}

func TestCheckWebhookURL(t *testing.T) {
	for u, ok := range map[string]bool{
		"":                                   true,
		"https://hooks.slack.com/services/x": true,
		"https://prod-00.westus.logic.azure.com/workflows/x/triggers/manual/paths/invoke?sig=y": true,
		"http://127.0.0.1:8080/hook":     true,
		"http://localhost/hook":          true,
		"http://[::1]:9/hook":            true,
		"http://hooks.slack.com/x":       false,
		"https://user:pw@hooks.example/": false,
		"ftp://x/y":                      false,
		"hooks.slack.com/services/x":     false,
	} {
		if err := CheckWebhookURL(u); (err == nil) != ok {
			t.Errorf("CheckWebhookURL(%q) = %v, want ok=%v", u, err, ok)
		}
	}
}
