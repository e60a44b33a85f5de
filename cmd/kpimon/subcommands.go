package main

import (
	"context"
	"fmt"
)

// subcommand runs one subcommand of a command with subcommands
// ('kpimon targets list', 'kpimon token create').
type subcommand func(ctx context.Context, e *env, args []string) error

// dispatch runs the subcommand named by args[0] with the rest of args.
// Without a subcommand, or with an unknown one, it prints usage to stderr
// and returns errUsage; -h/help prints usage to stdout and returns errHelp.
func dispatch(ctx context.Context, e *env, name, usage string, args []string, subs map[string]subcommand) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(e.stdout, usage)
		return errHelp
	}
	if run, ok := subs[args[0]]; ok {
		return run(ctx, e, args[1:])
	}
	fmt.Fprintf(e.stderr, "kpimon %s: unknown subcommand %q\n\n%s", name, args[0], usage)
	return errUsage
}
