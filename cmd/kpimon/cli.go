package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/alecthomas/kingpin/v2"
)

// errUsage means the command line was wrong and usage was already printed.
var errUsage = errors.New("usage")

// usageError is a command line kingpin could not parse; usage was printed.
type usageError struct{ msg string }

func (e usageError) Error() string        { return e.msg }
func (e usageError) Is(target error) bool { return target == errUsage }

// errHelp is returned after help was printed on request; it exits 0.
var errHelp = errors.New("help shown")

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

// cli is the command line: a kingpin application whose commands each
// register their flags and an action (see commands in main.go). Flags follow
// the Prometheus tools: dotted names (--storage.path, --web.listen-address,
// --log.level), each setting also a KPIMON_* variable named in the help.
//
// To add a flag: declare it on the command with a dotted name, and if it is
// a setting rather than a one-off choice give it an environment variable
// with c.env: c.env(cmd.Flag("grafana.url", "…"), "KPIMON_GRAFANA_URL", "").String().
// To add a subcommand: write addXCommand(c *cli) in its own file (see
// status.go), call c.action(cmd, func(ctx) error {…}) and list it in
// commands() in main.go.
type cli struct {
	app     *kingpin.Application
	e       *env
	actions map[string]func(context.Context) error // by full command, "token create"
	// serve runs the server once its flags are read; tests replace it to
	// see the configuration a command line gives.
	serve func(context.Context, *env, serveConfig) error
}

// aliases are the flag names before the Prometheus-style names; scripts and
// compose files using them keep working (-data and --data alike).
var aliases = map[string]string{
	"data":           "storage.path",
	"targets":        "targets.path",
	"listen":         "web.listen-address",
	"web-config":     "web.config.file",
	"secure-cookies": "web.secure-cookies",
	"log-level":      "log.level",
	"sources":        "pull.config.file",
	"inbox":          "inbox.path",
	"inbox-schedule": "inbox.schedule",
	"lights":         "report.lights",
	"font":           "report.font",
}

// kingpinExit is how kingpin's terminate unwinds to run instead of exiting.
type kingpinExit struct{ code int }

func newCLI(e *env) *cli {
	app := kingpin.New("kpimon", `kpimon tracks a plan's numeric targets against the figures actually reached
and exports gaps, progress and status to Prometheus.

Examples:
  kpimon serve                              # embedded catalog, data in ./data, http://127.0.0.1:9464
  kpimon status --as-of 2021-12-31          # the board as it stood at the end of 2021
  kpimon targets list -o json               # every indicator of the embedded catalog
  kpimon token create --name tjj --all      # a token for the statistics bureau

Run 'kpimon help <command>' for a command's flags.`)
	app.UsageWriter(e.stdout).ErrorWriter(e.stderr)
	app.UsageTemplate(usageTemplate)
	app.HelpFlag.Short('h')
	app.Terminate(func(code int) { panic(kingpinExit{code}) })
	return &cli{app: app, e: e, actions: map[string]func(context.Context) error{}, serve: serve}
}

// command adds a command: summary is its line in the list of commands,
// about what it does in full, example one command line (or several).
func (c *cli) command(name, summary, about, example string) *kingpin.CmdClause {
	return c.app.Command(name, summary).HelpLong(helpText(about, example))
}

// subcommand adds a subcommand of parent ('targets list').
func subcommand(parent *kingpin.CmdClause, name, summary, about, example string) *kingpin.CmdClause {
	return parent.Command(name, summary).HelpLong(helpText(about, example))
}

func helpText(about, example string) string {
	about = strings.TrimSpace(about)
	if example != "" {
		about += "\n\nExample:\n  " + strings.TrimSpace(example)
	}
	return about
}

// action runs when cmd is the command chosen.
func (c *cli) action(cmd *kingpin.CmdClause, run func(context.Context) error) {
	c.actions[cmd.FullCommand()] = run
}

// env gives flag f the environment variable name: the variable (read through
// run's getenv, so callers and tests pass their own environment) is the
// default, the flag overrides it, and the help names it.
func (c *cli) env(f *kingpin.FlagClause, name, def string) *kingpin.FlagClause {
	f = f.Envar(name)
	if v := c.e.getenv(name); v != "" {
		def = v
	}
	if def != "" {
		f = f.Default(def)
	}
	return f
}

// storageFlag is --storage.path (KPIMON_DATA), the data dir holding the store.
func (c *cli) storageFlag(cmd *kingpin.CmdClause) *string {
	return c.env(cmd.Flag("storage.path", "Data dir holding the store (alias --data)."), "KPIMON_DATA", "./data").PlaceHolder("DIR").String()
}

// targetsFlag is --targets.path (KPIMON_TARGETS).
func (c *cli) targetsFlag(cmd *kingpin.CmdClause, help string) *string {
	return c.env(cmd.Flag("targets.path", help+" (alias --targets)."), "KPIMON_TARGETS", "").PlaceHolder("DIR").String()
}

// outputFlag is -o/--output, one of formats (the first is the default).
func outputFlag(cmd *kingpin.CmdClause, formats ...string) *string {
	return cmd.Flag("output", "Output format: "+strings.Join(formats, " or ")+".").Short('o').Default(formats[0]).Enum(formats...)
}

// printJSON is how every command's -o json prints: indented, and with & < >
// as they are, so 全社会R&D经费 stays readable.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// parse runs the command line args (without the program name).
func (c *cli) parse(ctx context.Context, args []string) (err error) {
	args = c.normalise(args)
	if len(args) == 0 {
		c.app.UsageWriter(c.e.stderr)
		c.app.Usage(nil)
		return errUsage
	}
	defer func() {
		if r := recover(); r != nil {
			exit, ok := r.(kingpinExit)
			if !ok {
				panic(r)
			}
			if exit.code == 0 {
				err = errHelp
			} else {
				err = errUsage
			}
		}
	}()
	chosen, err := c.app.Parse(args)
	if err != nil {
		fmt.Fprintf(c.e.stderr, "kpimon: %s\n\n", explain(err))
		if pc, perr := c.app.ParseContext(args); perr == nil || pc != nil {
			c.app.UsageWriter(c.e.stderr)
			c.app.UsageForContext(pc)
		}
		return usageError{explain(err)}
	}
	run, ok := c.actions[chosen]
	if !ok {
		return nil // help
	}
	return run(ctx)
}

// normalise rewrites the old flag spellings, Go's single-dash long flags
// (-data) and the names before the dotted ones (--listen), and joins each
// flag to its value (--name=-h), so a value is never read as a flag: in
// "--name -h", -h is the name, not a request for help.
func (c *cli) normalise(args []string) []string {
	bools := map[string]bool{} // long name → is a boolean flag
	shorts := map[string]string{}
	flags := func(fs []*kingpin.FlagModel) {
		for _, f := range fs {
			bools[f.Name] = f.IsBoolFlag()
			if f.Short != 0 {
				shorts[string(f.Short)] = f.Name
			}
		}
	}
	var cmds func(cs []*kingpin.CmdModel)
	cmds = func(cs []*kingpin.CmdModel) {
		for _, cmd := range cs {
			flags(cmd.Flags)
			cmds(cmd.Commands)
		}
	}
	m := c.app.Model()
	flags(m.Flags)
	cmds(m.Commands)

	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			out = append(out, args[i:]...)
			break
		}
		if a == "-" || !strings.HasPrefix(a, "-") {
			out = append(out, a)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if long, ok := shorts[name]; ok && !strings.HasPrefix(a, "--") {
			name = long
		}
		if n, ok := aliases[name]; ok {
			name = n
		}
		isBool, known := bools[name]
		switch {
		case !known:
			out = append(out, a) // kingpin says what is wrong with it
		case hasValue:
			out = append(out, "--"+name+"="+value)
		case !isBool && i+1 < len(args):
			out = append(out, "--"+name+"="+args[i+1])
			i++
		default:
			out = append(out, "--"+name)
		}
	}
	return out
}

// explain words kingpin's parse errors the way kpimon always has.
func explain(err error) string {
	msg := err.Error()
	if got, ok := strings.CutPrefix(msg, "expected command but got "); ok {
		return "unknown subcommand " + got
	}
	if got, ok := strings.CutPrefix(msg, "unexpected "); ok {
		got = strings.TrimPrefix(got, "argument ")
		return "unexpected argument " + got + ": the command takes no arguments here"
	}
	return msg
}

// namedValue names its flag in a value's error: kingpin reports a bad
// value without saying which flag it was given to.
type namedValue struct {
	name string
	kingpin.Value
}

func (v namedValue) Set(s string) error {
	if err := v.Value.Set(s); err != nil {
		return fmt.Errorf("%s %q: %w", v.name, s, err)
	}
	return nil
}

// usageTemplate is kingpin's default with kpimon's headings: the command,
// what it does and its example, its flags, its subcommands.
const usageTemplate = `{{define "FormatCommand" -}}
{{if .FlagSummary}} {{.FlagSummary}}{{end -}}
{{range .Args}}{{if not .Hidden}} {{if not .Required}}[{{end}}{{if .PlaceHolder}}{{.PlaceHolder}}{{else}}<{{.Name}}>{{end}}{{if .Value|IsCumulative}}...{{end}}{{if not .Required}}]{{end}}{{end}}{{end -}}
{{end -}}

{{define "FormatCommands" -}}
{{range .Commands}}{{if not .Hidden}}  {{.Name | printf "%-9s"}} {{.Help}}
{{end}}{{end -}}
{{end -}}

{{if .Context.SelectedCommand -}}
Usage: {{.App.Name}} {{.Context.SelectedCommand}}{{template "FormatCommand" .Context.SelectedCommand}}{{if .Context.SelectedCommand.Commands}} <subcommand> [flags]{{end}}

{{with .Context.SelectedCommand.HelpLong}}{{.}}{{else}}{{.Context.SelectedCommand.Help}}{{end}}
{{else -}}
Usage: {{.App.Name}} <command> [flags]

{{.App.Help}}
{{end}}
{{if .Context.Flags -}}
Flags:
{{.Context.Flags|FlagsToTwoColumns|FormatTwoColumns}}
{{end -}}
{{if .Context.Args -}}
Args:
{{.Context.Args|ArgsToTwoColumns|FormatTwoColumns}}
{{end -}}
{{if .Context.SelectedCommand -}}
{{if len .Context.SelectedCommand.Commands -}}
Subcommands:
{{template "FormatCommands" .Context.SelectedCommand}}
Run 'kpimon {{.Context.SelectedCommand}} <subcommand> -h' for its flags.
{{end -}}
{{else if .App.Commands -}}
Commands:
{{template "FormatCommands" .App}}
{{end -}}
`
