// Command genleads writes synthetic leads as CSV (see package synth):
//
//	go run ./internal/identity/synth/genleads -n 1000000 -o /tmp/leads.csv
//
// The entity_id column is the truth for `leadhub dedupe eval`.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"

	"github.com/leadhub/leadhub/internal/identity/synth"
)

func main() {
	n := flag.Int("n", 10000, "number of leads")
	seed := flag.Uint64("seed", 1, "random seed")
	out := flag.String("o", "-", "output file (- for standard output)")
	flag.Parse()
	w := os.Stdout
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := synth.WriteCSV(bw, synth.New(*seed, *n).Generate(*n)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := bw.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
