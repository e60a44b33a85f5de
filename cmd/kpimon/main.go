// Command kpimon holds a plan's numeric targets, takes in the figures
// actually reached and exports gaps, progress and status to Prometheus.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var reported errExit
		if err != errUsage && !errors.As(err, &reported) {
			fmt.Fprintln(os.Stderr, "kpimon:", err)
		}
		os.Exit(exitCode(err))
	}
}

// env is what every subcommand gets from run: nothing is global.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// commands adds the subcommands in the order help shows them. Each lives
// in a file named after it.
func commands(c *cli) {
	addServeCommand(c)
	addStatusCommand(c)
	addTargetsCommand(c)
	addIngestCommand(c)
	addTemplateCommand(c)
	addTokenCommand(c)
	addUserCommand(c)
	addBackupCommand(c)
	addReportCommand(c)
	addRelayCommand(c)
	addVersionCommand(c)
}

// run is the whole program; main only calls it, so tests can too.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	c := newCLI(e)
	commands(c)
	if len(args) > 0 {
		args = args[1:] // the program name
	}
	if err := c.parse(ctx, args); err != errHelp {
		return err
	}
	return nil
}
