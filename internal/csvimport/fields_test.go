package csvimport

import (
	"reflect"
	"strings"
	"testing"
)

func TestRecognize(t *testing.T) {
	for want, headers := range map[Field][]string{
		FieldFirstName: {"First Name", "FirstName", "first_name", "FIRST-NAME", "Given Name", "Forename", "Contact first name",
			"Customer First Name", "Lead First Name", "Vorname", "Prénom", "first name ", "First Name (required)"},
		FieldLastName: {"Last Name", "LastName", "last_name", "Surname", "Family Name", "Contact last name", "Nachname", "Nom", "Apellidos"},
		FieldFullName: {"Name", "Full Name", "FullName", "Contact Name", "Contact", "Person - Name", "Primary Contact", "Your name"},
		FieldEmail: {"Email", "E-mail", "EMAIL", "Email Address", "EmailAddress", "email_address", "Contact Email", "Customer Email",
			"E-Mail-Adresse", "Work Email", "emailaddress1", "Email (work)", "Courriel", "Correo electrónico", "Person - Email"},
		FieldPhone: {"Phone", "Phone Number", "PhoneNumber", "Telephone", "Mobile", "Mobile Phone", "Business Phone", "Contact Phone",
			"Tel.", "telephone1", "Telefon", "Téléphone", "Phone #"},
		FieldCountry: {"Country", "Country/Region", "Country Code", "country_code", "Country or Region", "Address 1: Country/Region",
			"Land", "Pays", "País", "Country (ISO)"},
		FieldCompany: {"Company", "Company Name", "CompanyName", "Organization", "Organisation", "Account Name", "Company / Account",
			"Customer name", "Customer", "Organization - Name", "Firma", "Société", "Empresa", "Customer Company"},
		FieldTitle:      {"Title", "Job Title", "JobTitle", "Position", "Role", "Designation", "Contact Title", "Contact Business Title", "Fonction"},
		FieldLeadSource: {"Lead Source", "LeadSource", "lead_source", "Source", "Lead Source Code", "Original Source", "Lead Origin"},
		FieldAction:     {"Action", "Action Code", "ActionCode", "action_code", "Lead Action"},
		FieldOffer:      {"Offer", "Offer ID", "Offer Id", "offer_id", "Product", "ProductIds", "Product ID", "Marketplace Offer"},
		FieldOfferTitle: {"Offer Name", "Offer Title", "OfferTitle", "OfferDisplayName", "Product Name", "Listing Name"},
		FieldDescription: {"Description", "Notes", "Note", "Comments", "Customer Comments", "Customer comments", "Message",
			"Lead Description", "Beschreibung", "Commentaires"},
		FieldCreated: {"Created", "Created Date", "Date", "CreatedTime", "Received", "Created On", "Create Date", "Date Created",
			"Created At", "Timestamp", "Lead Date", "Date (UTC)", "Erstellt am", "Date de création", "Fecha"},
	} {
		for _, h := range headers {
			if got := Recognize(h); got != want {
				t.Errorf("Recognize(%q) = %q, want %q", h, got, want)
			}
		}
	}
	for _, h := range []string{"", "Lead ID", "Status", "Owner", "Lead Name", "Lead Title", "User Name", "Client Name", "Topic",
		"Modified On", "Zip", "City", "()", "Phone 2", "Customer ID", "Industry"} {
		if got := Recognize(h); got != "" {
			t.Errorf("Recognize(%q) = %q, want no field", h, got)
		}
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"First Name":      "firstname",
		"E-mail":          "email",
		"Country/Region":  "countryregion",
		"Prénom":          "prenom",
		"Email (work)":    "email",
		"(Email)":         "email",
		"Straße":          "strasse",
		"\uFEFFName":      "name",
		"名前":              "名前",
		"Offer [primary]": "offer",
	} {
		if got := normalize(in); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func fieldsOf(m Mapping) []Field {
	var fs []Field
	for _, c := range m.Columns {
		fs = append(fs, c.Field)
	}
	return fs
}

func TestDetectMapping(t *testing.T) {
	header := []string{"Lead ID", "Name", "First Name", "E-mail", "Email Address", "Phone", "Status", "", "Notes", "Email", "Created"}
	m, warns, err := DetectMapping(header, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []Field{FieldExtra, FieldFullName, FieldFirstName, FieldEmail, FieldExtra, FieldPhone, FieldExtra, FieldExtra,
		FieldDescription, FieldExtra, FieldCreated}
	if got := fieldsOf(m); !reflect.DeepEqual(got, want) {
		t.Fatalf("fields %v\nwant %v", got, want)
	}
	keys := map[string]string{}
	for _, c := range m.Columns {
		if c.Key != "" {
			keys[c.Header] = c.Key
		}
	}
	// An extra column is kept under its header, unless that is empty or a
	// name the decoder would read as a lead field.
	wantKeys := map[string]string{"Lead ID": "Lead ID", "Email Address": "Email Address#2", "Status": "Status", "": "column_8", "Email": "Email#2"}
	if !reflect.DeepEqual(keys, wantKeys) {
		t.Errorf("keys %v, want %v", keys, wantKeys)
	}
	joined := strings.Join(warns, "\n")
	for _, w := range []string{`column 5 "Email Address" also looks like email`, `column 10 "Email" also looks like email`,
		`"Status" is kept with each lead`, `"Name" (full name) is split`} {
		if !strings.Contains(joined, w) {
			t.Errorf("warnings lack %q:\n%s", w, joined)
		}
	}
	// Extras are written in key order.
	var order []string
	for _, i := range m.extras {
		order = append(order, m.Columns[i].Key)
	}
	if !reflect.DeepEqual(order, []string{"Email Address#2", "Email#2", "Lead ID", "Status", "column_8"}) {
		t.Errorf("extras in order %v", order)
	}
}

func TestDetectMappingOverrides(t *testing.T) {
	header := []string{"Contact", "Mail", "Source", "Notes", "Comments", "Status"}
	over, err := ParseMap(" mail = email ,Source=extra, notes=ignore,Comments=description, 6=ignore, Contact=company")
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := DetectMapping(header, over)
	if err != nil {
		t.Fatal(err)
	}
	want := []Field{FieldCompany, FieldEmail, FieldExtra, FieldIgnore, FieldDescription, FieldIgnore}
	if got := fieldsOf(m); !reflect.DeepEqual(got, want) {
		t.Fatalf("fields %v, want %v", got, want)
	}
	for i, by := range []string{"map", "map", "map", "map", "map", "map"} {
		if m.Columns[i].By != by {
			t.Errorf("column %d by %q, want %q", i+1, m.Columns[i].By, by)
		}
	}
	// An override wins over a recognised header for the same field.
	m, warns, err := DetectMapping([]string{"Email", "Work Email"}, map[string]string{"Work Email": "email"})
	if err != nil {
		t.Fatal(err)
	}
	if got := fieldsOf(m); !reflect.DeepEqual(got, []Field{FieldExtra, FieldEmail}) || len(warns) != 1 {
		t.Errorf("override vs header: %v %v", got, warns)
	}

	for name, tc := range map[string]struct {
		header []string
		over   map[string]string
		want   string
	}{
		"missing column":    {[]string{"Email"}, map[string]string{"Mail": "email"}, `no column named "Mail"`},
		"unknown field":     {[]string{"Email"}, map[string]string{"Email": "e-mail"}, `unknown field "e-mail"`},
		"two columns":       {[]string{"A", "B"}, map[string]string{"A": "email", "B": "email"}, "both mapped to email"},
		"ambiguous":         {[]string{"E-mail", "E mail"}, map[string]string{"email": "email"}, "matches both"},
		"no contact column": {[]string{"Lead ID", "Status"}, nil, "no column holds contact details"},
		"contact ignored":   {[]string{"Email"}, map[string]string{"Email": "ignore"}, "no column holds contact details"},
	} {
		_, _, err := DetectMapping(tc.header, tc.over)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", name, err, tc.want)
		}
	}
}

func TestParseMap(t *testing.T) {
	m, err := ParseMap("a=email, b = FIRST_NAME ,,c=d=ignore")
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"a": "email", "b": "first_name", "c=d": "ignore"}; !reflect.DeepEqual(m, want) {
		t.Errorf("ParseMap = %v, want %v", m, want)
	}
	for _, bad := range []string{"email", "=email", "a=nope", "a=email,a=phone"} {
		if _, err := ParseMap(bad); err == nil {
			t.Errorf("ParseMap(%q) succeeded", bad)
		}
	}
}

func TestSplitName(t *testing.T) {
	for in, want := range map[string][2]string{
		"Ann Lee":                {"Ann", "Lee"},
		"  Ann   Marie  Lee":     {"Ann Marie", "Lee"},
		"Lee, Ann":               {"Ann", "Lee"},
		"Cher":                   {"Cher", ""},
		"Martin Luther King Jr.": {"Martin Luther", "King Jr."},
		"Sammy Davis, Jr.":       {"Sammy", "Davis, Jr."},
		"":                       {"", ""},
	} {
		f, l := SplitName(in)
		if f != want[0] || l != want[1] {
			t.Errorf("SplitName(%q) = %q, %q; want %q, %q", in, f, l, want[0], want[1])
		}
	}
}
