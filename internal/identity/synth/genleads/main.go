// Command genleads writes synthetic leads as CSV (see package synth):
//
//	go run ./internal/identity/synth/genleads -n 1000000 -o /tmp/leads.csv
//
// The entity_id column is the truth for `leadhub dedupe eval`.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/leadhub/leadhub/internal/bench/outfile"
	"github.com/leadhub/leadhub/internal/identity/synth"
)

func main() {
	n := flag.Int("n", 10000, "number of leads")
	seed := flag.Uint64("seed", 1, "random seed")
	out := flag.String("o", "-", "output file (- for standard output)")
	flag.Parse()
	err := outfile.Write(*out, func(w io.Writer) error {
		return synth.WriteCSV(w, synth.New(*seed, *n).Generate(*n))
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
