package lead

import "testing"

func TestParseRole(t *testing.T) {
	for in, want := range map[string]Role{"admin": RoleAdmin, " Manager ": RoleManager, "REP": RoleRep, "viewer": RoleViewer} {
		if got, err := ParseRole(in); err != nil || got != want {
			t.Errorf("ParseRole(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "root", "admins"} {
		if _, err := ParseRole(in); KindOf(err) != KindInvalid {
			t.Errorf("ParseRole(%q): %v", in, err)
		}
	}
}

func TestPermissions(t *testing.T) {
	// Each role has at most what the role above it has; admin has all.
	for i := 1; i < len(Roles); i++ {
		for _, p := range Permissions[Roles[i]] {
			if !Roles[i-1].Can(p) {
				t.Errorf("%s can %s but %s cannot", Roles[i], p, Roles[i-1])
			}
		}
	}
	cases := []struct {
		role Role
		perm Permission
		want bool
	}{
		{RoleViewer, PermRead, true},
		{RoleViewer, PermCustomersEdit, false},
		{RoleRep, PermCustomersEdit, true},
		{RoleRep, PermIdentityEdit, false},
		{RoleRep, PermSettings, false},
		{RoleManager, PermIdentityEdit, true},
		{RoleManager, PermImport, true},
		{RoleManager, PermUsersManage, false},
		{RoleManager, PermCredentialsManage, false},
		{RoleAdmin, PermSettings, true},
		{"", PermRead, false},
	}
	for _, c := range cases {
		if got := c.role.Can(c.perm); got != c.want {
			t.Errorf("%q.Can(%s) = %v", c.role, c.perm, got)
		}
	}
}
