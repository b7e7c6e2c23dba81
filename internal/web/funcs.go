package web

import (
	"html/template"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
)

// funcs are the template functions every page may use.
var funcs = template.FuncMap{
	// can reports whether the signed-in user (nil: nobody) has a
	// permission: what a page shows of the actions the server allows.
	"can": func(u *lead.User, p string) bool {
		return u != nil && u.Role.Can(lead.Permission(p))
	},
	// when formats a time for a table cell ("" for the zero time).
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04")
	},
	// iso formats a time for a <time datetime> attribute.
	"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
}
