package normalize

import (
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// maxPhone bounds the length of a phone field handed to the parser.
const maxPhone = 64

// Phone normalises a phone number to E.164 ("+16175555555") using
// libphonenumber's metadata, reading a number without an international
// prefix as a number of region (an ISO 3166-1 alpha-2 code such as "US" or
// "DE"; "" when unknown). A number that cannot be read as a complete
// number of some country — a local number without area code, a number
// without a region to read it in, a typo — comes back as its digits only,
// so that it can still be compared. e164 reports which of the two it is.
// An input without digits gives "".
func Phone(s, region string) (phone string, e164 bool) {
	s = strings.TrimSpace(s)
	digits := Digits(s)
	if digits == "" {
		return "", false
	}
	if len(s) > maxPhone || len(digits) < 5 || len(digits) > 17 {
		return digits, false
	}
	region = strings.ToUpper(region)
	if len(region) != 2 {
		region = ""
	}
	in := s
	if strings.HasPrefix(in, "00") {
		in = "+" + in[2:]
	}
	if region == "" && !strings.HasPrefix(in, "+") {
		return digits, false
	}
	n, err := phonenumbers.Parse(in, regionOrUnknown(region))
	if err != nil {
		return digits, false
	}
	if !strings.HasPrefix(in, "+") {
		n = international(n, digits, region)
	}
	switch {
	case phonenumbers.IsValidNumber(n):
	case phonenumbers.IsPossibleNumberWithReason(n) == phonenumbers.IS_POSSIBLE:
	default:
		return digits, false
	}
	return phonenumbers.Format(n, phonenumbers.E164), true
}

func regionOrUnknown(r string) string {
	if r == "" {
		return "ZZ"
	}
	return r
}

// international reads a number written with its country code but without
// "+" or "00" ("4917663430383" from Germany, "447911123456" from the US)
// as international: when that reading is a valid number and the national
// reading n is not, or when the digits begin with region's own country
// code and not with its trunk prefix, which a national number written in
// full would (a German number is written "0176…" at home).
func international(n *phonenumbers.PhoneNumber, digits, region string) *phonenumbers.PhoneNumber {
	m, err := phonenumbers.Parse("+"+digits, "ZZ")
	if err != nil || !phonenumbers.IsValidNumber(m) {
		return n
	}
	if !phonenumbers.IsValidNumber(n) {
		return m
	}
	code := phonenumbers.GetCountryCodeForRegion(region)
	trunk := phonenumbers.GetNddPrefixForRegion(region, true)
	if code == 0 || trunk == "" || int(m.GetCountryCode()) != code || strings.HasPrefix(digits, trunk) ||
		!strings.HasPrefix(digits, strconv.Itoa(code)) {
		return n
	}
	return m
}
