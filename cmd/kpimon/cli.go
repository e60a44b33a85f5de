package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"
)

// errUsage means the command line was wrong and usage was already printed.
var errUsage = errors.New("usage")

// errExit carries an exit code for a failure already reported (e.g. a
// validation that printed its problems).
type errExit struct{ code int }

func (e errExit) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func exitCode(err error) int {
	var ee errExit
	if errors.As(err, &ee) {
		return ee.code
	}
	if errors.Is(err, errUsage) {
		return 2
	}
	return 1
}

// newFlagSet returns a flag set for a subcommand whose help shows what the
// command does and an example.
func newFlagSet(e *env, name, synopsis, about, example string) *flag.FlagSet {
	fs := flag.NewFlagSet("kpimon "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: kpimon %s\n\n%s\n", synopsis, strings.TrimSpace(about))
		fmt.Fprintln(w, "\nFlags:")
		fs.PrintDefaults()
		fmt.Fprintf(w, "\nExample:\n  %s\n", strings.TrimSpace(example))
	}
	return fs
}

// parseFlags parses args; -h prints help to stdout and returns errHelp.
func parseFlags(e *env, fs *flag.FlagSet, args []string) error {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fs.SetOutput(e.stdout)
			fs.Usage()
			return errHelp
		}
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	return nil
}

// errHelp is returned after help was printed on request; it exits 0.
var errHelp = errors.New("help shown")

// envOr returns the environment variable's value, or def when unset.
func envOr(e *env, key, def string) string {
	if v := e.getenv(key); v != "" {
		return v
	}
	return def
}
