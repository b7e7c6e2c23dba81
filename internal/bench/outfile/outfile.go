// Package outfile is where the generators of benchmark inputs (synthetic
// CSV files of leads) write: a file named on the command line, or standard
// output.
package outfile

import (
	"bufio"
	"io"
	"os"
)

// Write calls write with a buffered writer to the file at path, created or
// truncated, or to standard output when path is "-", and flushes it. It
// returns the first error, closing the file included.
func Write(path string, write func(w io.Writer) error) error {
	if path == "-" {
		return buffered(os.Stdout, write)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := buffered(f, write); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func buffered(w io.Writer, write func(w io.Writer) error) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := write(bw); err != nil {
		return err
	}
	return bw.Flush()
}
