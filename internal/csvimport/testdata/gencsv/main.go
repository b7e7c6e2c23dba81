// Command gencsv writes a synthetic CSV file of distinct leads, shaped like
// a Partner Center download, for measuring imports:
//
//	go run ./internal/csvimport/testdata/gencsv -rows 100000 -o /tmp/leads-100k.csv
//
// Row i is the same in every run, so two runs with -rows 1000 and -rows 2000
// overlap in their first 1000 rows.
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/leadhub/leadhub/internal/bench/outfile"
)

var (
	firstNames = []string{"Ana", "Bo", "Chloé", "Dmitri", "Emeka", "Fatima", "Giulia", "Hiro", "Ines", "Jonas", "Kofi", "Lena", "Mateo", "Noor", "Olga", "Priya"}
	lastNames  = []string{"Silva", "Nguyen", "Dubois", "Ivanov", "Okafor", "Haddad", "Rossi", "Tanaka", "García", "Berg", "Mensah", "Novak", "López", "Khan", "Petrova", "Natarajan"}
	companies  = []string{"Contoso", "Fabrikam", "Tailspin Toys", "Wingtip Toys", "Northwind Traders", "Adventure Works", "Litware", "Proseware", "Fourth Coffee", "Relecloud"}
	countries  = []string{"United States", "Germany", "France", "Japan", "Brazil", "India", "Nigeria", "Sweden"}
	titles     = []string{"CTO", "IT Manager", "Developer", "Head of Procurement", "CIO", "Architect"}
	sources    = []string{"AppSource (SPZA)", "AzureMarketplace", "AzurePortal", "TestDrive"}
	actions    = []string{"PLT", "INS", "Create", "StartTestDrive", "DNC"}
	offers     = [][2]string{{"contoso.crm-connector", "Contoso CRM Connector"}, {"contoso.backup", "Contoso Backup"}, {"contoso.analytics", "Contoso Analytics, Pro edition"}}
)

func main() {
	rows := flag.Int("rows", 100000, "data rows to write")
	out := flag.String("o", "-", "output file (- for stdout)")
	flag.Parse()
	if err := outfile.Write(*out, func(w io.Writer) error { return writeRows(w, *rows) }); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// writeRows writes the header and rows data rows.
func writeRows(w io.Writer, rows int) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	_ = cw.Write([]string{"Lead ID", "Customer name", "Contact first name", "Contact last name", "Contact email", "Contact phone",
		"Job title", "Country/Region", "Offer", "Offer name", "Lead source", "Action", "Created date", "Customer comments"})
	for i := range rows {
		fn, ln := firstNames[i%len(firstNames)], lastNames[(i/len(firstNames))%len(lastNames)]
		co := companies[(i/7)%len(companies)]
		of := offers[i%len(offers)]
		comment := ""
		if i%5 == 0 {
			comment = "Please call me about pricing for " + strconv.Itoa(10+i%500) + " seats.\nBest time: mornings, \"urgent\"."
		}
		rec := []string{
			fmt.Sprintf("lead-%09d", i), co, fn, ln,
			fmt.Sprintf("user%d@%s.example", i, companyDomain(co)),
			fmt.Sprintf("+1 425 555 %04d", i%10000),
			titles[i%len(titles)], countries[i%len(countries)], of[0], of[1],
			sources[i%len(sources)], actions[i%len(actions)],
			fmt.Sprintf("2025-%02d-%02dT%02d:%02d:00Z", 1+i%12, 1+i%28, i%24, i%60), comment,
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func companyDomain(c string) string {
	b := make([]byte, 0, len(c))
	for i := 0; i < len(c); i++ {
		if ch := c[i]; ch >= 'A' && ch <= 'Z' {
			b = append(b, ch+'a'-'A')
		} else if ch >= 'a' && ch <= 'z' {
			b = append(b, ch)
		}
	}
	return string(b)
}
