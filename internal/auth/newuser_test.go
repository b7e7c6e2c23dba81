package auth_test

import (
	"testing"

	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/lead"
)

func TestNewUser(t *testing.T) {
	u, err := auth.NewUser(" Ann@Contoso.COM ", " Ann Lee ", "", lead.RoleManager)
	if err != nil || u.ID == "" || u.Email != "ann@contoso.com" || u.DisplayName != "Ann Lee" || u.TimeZone != "UTC" || u.Role != lead.RoleManager {
		t.Fatalf("%+v %v", u, err)
	}
	if u, err := auth.NewUser("bo@contoso.com", "", "Europe/Berlin", "VIEWER"); err != nil || u.Role != lead.RoleViewer || u.TimeZone != "Europe/Berlin" {
		t.Fatalf("%+v %v", u, err)
	}
	for _, bad := range [][3]string{
		{"ann", "", "UTC"}, {"@contoso.com", "", "UTC"}, {"ann@", "", "UTC"}, {"a b@contoso.com", "", "UTC"},
		{"ann@contoso.com", "", "Mars/Olympus"}, {"ann@contoso.com", "", "Local"},
	} {
		if _, err := auth.NewUser(bad[0], bad[1], bad[2], lead.RoleRep); lead.KindOf(err) != lead.KindInvalid {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if _, err := auth.NewUser("ann@contoso.com", "", "UTC", "root"); lead.KindOf(err) != lead.KindInvalid {
		t.Errorf("an unknown role: %v", err)
	}
}
