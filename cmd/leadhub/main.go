// Command leadhub is a self-hosted hub for Microsoft commercial marketplace
// leads. See README.md.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/leadhub/leadhub/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cli.Run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if code := cli.ExitCode(err); code != 0 {
		fmt.Fprintln(os.Stderr, "leadhub:", err)
		os.Exit(code)
	}
}
