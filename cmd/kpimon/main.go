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

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

// commands lists the subcommands in the order help shows them. Each lives
// in a file named after it.
func commands() []command {
	return []command{
		{"serve", "run the server: store, scheduler, API, web page, /metrics", cmdServe},
		{"status", "print every indicator with target, actual, gap and status", cmdStatus},
		{"targets", "list, validate or diff targets files (plans)", cmdTargets},
		{"ingest", "ingest CSV, XLSX or JSON files of actual figures once", cmdIngest},
		{"template", "write the XLSX template submitters fill in", cmdTemplate},
		{"token", "create, list or revoke access tokens", cmdToken},
		{"backup", "write a consistent copy of the store", cmdBackup},
		{"version", "print the version", cmdVersion},
		{"help", "show help for kpimon or a subcommand", nil},
	}
}

// run is the whole program; main only calls it, so tests can too.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) < 2 {
		usage(stderr)
		return errUsage
	}
	name, rest := args[1], args[2:]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 {
			for _, c := range commands() {
				if c.name == rest[0] && c.run != nil {
					c.run(ctx, e, []string{"-h"})
					return nil
				}
			}
		}
		usage(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == name && c.run != nil {
			if err := c.run(ctx, e, rest); err != errHelp {
				return err
			}
			return nil
		}
	}
	fmt.Fprintf(stderr, "kpimon: unknown command %q\n\n", name)
	usage(stderr)
	return errUsage
}

func usage(w io.Writer) {
	fmt.Fprint(w, `kpimon tracks a plan's numeric targets against the figures actually reached
and exports gaps, progress and status to Prometheus.

Usage:
  kpimon <command> [flags]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Examples:
  kpimon serve                              # embedded catalog, data in ./data, http://127.0.0.1:9464
  kpimon status --as-of 2021-12-31          # the board as it stood at the end of 2021
  kpimon targets list -o json               # every indicator of the embedded catalog
  kpimon token create --name tjj --all      # a token for the statistics bureau

Run 'kpimon help <command>' for a command's flags.
`)
}
