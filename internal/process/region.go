package process

import (
	"strings"

	"github.com/leadhub/leadhub/internal/identity/normalize"
)

// Sales regions, as assignment rules name them.
const (
	RegionAMER = "AMER" // the Americas: North, Central and South America and the Caribbean
	RegionEMEA = "EMEA" // Europe, the Middle East and Africa (and Russia and Central Asia)
	RegionAPAC = "APAC" // Asia-Pacific: South, East and South-East Asia and Oceania
)

// Regions lists the regions Region returns.
var Regions = []string{RegionAMER, RegionEMEA, RegionAPAC}

// regionCountries is every ISO 3166-1 alpha-2 code by sales region, the
// way software vendors commonly split their world: a territory belongs
// where its geography is (Greenland, the French Antilles and Aruba are in
// the Americas; Réunion and Mayotte in Africa; New Caledonia and French
// Polynesia in the Pacific), Russia and the former Soviet states of the
// Caucasus and Central Asia sell from Europe, and South Asia (Pakistan
// and Afghanistan included) from Asia-Pacific. The withdrawn codes AN
// (Netherlands Antilles) and YU (Yugoslavia), still seen in old forms,
// keep their region. Antarctica (AQ) has none.
var regionCountries = map[string]string{
	RegionAMER: "AG AI AN AR AW BB BL BM BO BQ BR BS BZ CA CL CO CR CU CW DM DO EC FK GD GF GL GP GS GT GY " +
		"HN HT JM KN KY LC MF MQ MS MX NI PA PE PM PR PY SR SV SX TC TT UM US UY VC VE VG VI",
	RegionEMEA: "AD AE AL AM AO AT AX AZ BA BE BF BG BH BI BJ BV BW BY CD CF CG CH CI CM CV CY CZ DE DJ DK DZ " +
		"EE EG EH ER ES ET FI FO FR GA GB GE GG GH GI GM GN GQ GR GW HR HU IE IL IM IQ IR IS IT JE JO " +
		"KE KG KM KW KZ LB LI LR LS LT LU LV LY MA MC MD ME MG MK ML MR MT MU MW MZ NA NE NG NL NO OM " +
		"PL PS PT QA RE RO RS RU RW SA SC SD SE SH SI SJ SK SL SM SN SO SS ST SY SZ TD TF TG TJ TM TN TR " +
		"TZ UA UG UZ VA XK YE YT YU ZA ZM ZW",
	RegionAPAC: "AF AS AU BD BN BT CC CK CN CX FJ FM GU HK HM ID IN IO JP KH KI KP KR LA LK MH MM MN MO MP " +
		"MV MY NC NF NP NR NU NZ PF PG PH PK PN PW SB SG TH TK TL TO TV TW VN VU WF WS",
}

// regionOf maps an alpha-2 code to its region.
var regionOf = func() map[string]string {
	m := make(map[string]string, 256)
	for region, codes := range regionCountries {
		for _, c := range strings.Fields(codes) {
			m[c] = region
		}
	}
	return m
}()

// Region returns the sales region ("AMER", "EMEA" or "APAC") of a
// country given as an ISO 3166-1 alpha-2 code in any case ("de"), or as
// anything normalize.Country reads ("Deutschland", "DEU", "UK"); "" for a
// country it does not know, and for Antarctica.
func Region(country string) string {
	c := strings.ToUpper(strings.TrimSpace(country))
	if r, ok := regionOf[c]; ok {
		return r
	}
	return regionOf[normalize.Country(country)]
}

// isoCountry returns the alpha-2 code of a country a person or a form
// typed, "" when unknown: a two-letter code is taken as one when it is a
// code Region knows, anything else goes through normalize.Country.
func isoCountry(s string) string {
	c := strings.ToUpper(strings.TrimSpace(s))
	if _, ok := regionOf[c]; ok || c == "AQ" {
		return c
	}
	return normalize.Country(s)
}
