package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/yanfeng/kpimon/internal/boltstore"
	"github.com/yanfeng/kpimon/internal/kpi"
)

// tokenUsage is shown for 'kpimon token' without a subcommand.
const tokenUsage = `Usage: kpimon token <create|list|revoke> [flags]

Manage the access tokens that submitters send as 'Authorization: Bearer <token>'.
Only a token's hash is stored; its secret is printed once, when it is created.
These commands open the data dir directly, so run them while 'kpimon serve'
is stopped (there is deliberately no API for tokens).

Commands:
  create   create a token for some units, or for all of them
  list     list tokens: name, units, created, revoked
  revoke   revoke a token by name

Examples:
  kpimon token create --name tjj --all                 # the statistics bureau
  kpimon token create --name kgxj --unit 区科工信局
  kpimon token list
  kpimon token revoke --name kgxj
`

// serverRunningHelp explains what to do when the server holds the data dir.
const serverRunningHelp = "the kpimon server is running on this data dir; stop it (Ctrl-C / systemctl stop kpimon), run the token command, start it again (tokens have no HTTP API, on purpose)"

func cmdToken(ctx context.Context, e *env, args []string) error {
	return dispatch(ctx, e, "token", tokenUsage, args, map[string]subcommand{
		"create": cmdTokenCreate,
		"list":   cmdTokenList,
		"revoke": cmdTokenRevoke,
	})
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }
func (l *stringList) Set(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return errors.New("empty unit")
	}
	*l = append(*l, s)
	return nil
}

func cmdTokenCreate(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "token create", "token create --name NAME (--unit UNIT … | --all) [flags]", `
Create an access token and print its secret, alone on the last line of
stdout. The secret is shown only this once: only its hash is stored.
A token with --unit may submit figures only for indicators where one of
its units is a lead (责任单位) or cooperating unit (配合单位); --all may
submit for every indicator (the statistics bureau, 区统计局).`,
		"kpimon token create --data /var/lib/kpimon --name kgxj --unit 区科工信局")
	data := fs.String("data", envOr(e, "KPIMON_DATA", "./data"), "data `dir` holding the store (KPIMON_DATA)")
	targets := fs.String("targets", envOr(e, "KPIMON_TARGETS", ""), "targets `dir` to check units against when the store holds no catalog yet (KPIMON_TARGETS)")
	name := fs.String("name", "", "token `name`, e.g. the unit's short name (required)")
	var units stringList
	fs.Var(&units, "unit", "`unit` the token may submit for, as the catalog names it (repeatable)")
	all := fs.Bool("all", false, "the token may submit for every indicator")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	*name = strings.TrimSpace(*name)
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("token create takes no arguments, got %q: give units with --unit, see 'kpimon help token'", fs.Args())
	case *name == "":
		return errors.New("token create: --name is missing: name the token after its holder, e.g. --name tjj")
	case strings.ContainsFunc(*name, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return fmt.Errorf("token create: --name %q has spaces or control characters: use letters, digits, - or _", *name)
	case *all && len(units) > 0:
		return errors.New("token create: give either --unit or --all, not both")
	case !*all && len(units) == 0:
		return errors.New("token create: say what the token may submit for: --unit UNIT (repeatable) or --all")
	}

	store, err := openTokenStore(*data)
	if err != nil {
		return err
	}
	defer store.Close()
	if len(units) > 0 {
		if err := warnUnknownUnits(ctx, e, store, *targets, units); err != nil {
			return err
		}
	}
	secret, err := kpi.NewTokenSecret()
	if err != nil {
		return err
	}
	tok := kpi.Token{Name: *name, Hash: kpi.HashToken(secret), Units: slices.Compact(slices.Clone(units)), All: *all, CreatedAt: time.Now()}
	if err := store.CreateToken(ctx, tok, operatorActor(e)); err != nil {
		return fmt.Errorf("token create: %w", err)
	}
	scope := "units 单位: " + strings.Join(tok.Units, "、")
	if tok.All {
		scope = "every indicator 全部指标 (--all)"
	}
	fmt.Fprintf(e.stdout, "Created token %q for %s.\n", tok.Name, scope)
	fmt.Fprintln(e.stdout, "The secret below is shown only this once; only its hash is stored. Hand it over safely.")
	fmt.Fprintln(e.stdout, "令牌只显示这一次，系统只保存其哈希值，请妥善转交。")
	fmt.Fprintln(e.stdout, secret)
	return nil
}

// warnUnknownUnits warns about units that lead or co-operate on no
// indicator of the catalog: such a token would be refused everywhere.
func warnUnknownUnits(ctx context.Context, e *env, store kpi.Store, targets string, units []string) error {
	cat, err := store.Catalog(ctx)
	if err != nil {
		return fmt.Errorf("token create: read the catalog: %w", err)
	}
	if len(cat.Indicators) == 0 { // serve never ran on this data dir
		if cat, err = loadCatalog(targets); err != nil {
			return fmt.Errorf("token create: load the catalog to check units: %w", err)
		}
	}
	known := catalogUnits(cat)
	for _, u := range units {
		if slices.Contains(known, u) {
			continue
		}
		fmt.Fprintf(e.stderr, "warning: unit %q is not a lead or cooperating unit of any indicator; the token will be refused for every indicator.\n", u)
		fmt.Fprintf(e.stderr, "警告：单位“%s”不是任何指标的责任单位或配合单位。", u)
		if similar := similarUnits(known, u); len(similar) > 0 {
			fmt.Fprintf(e.stderr, " Did you mean 是否指: %s?\n", strings.Join(similar, "、"))
		} else {
			fmt.Fprintf(e.stderr, " Known units 已知单位: %s\n", strings.Join(known, "、"))
		}
	}
	return nil
}

// catalogUnits returns every lead and cooperating unit, sorted.
func catalogUnits(cat kpi.Catalog) []string {
	var units []string
	for _, ind := range cat.Indicators {
		units = append(units, ind.LeadUnits...)
		units = append(units, ind.CoUnits...)
	}
	slices.Sort(units)
	return slices.Compact(units)
}

// similarUnits returns known units that contain u or are contained in it
// ("统计局" → "区统计局").
func similarUnits(known []string, u string) []string {
	var out []string
	for _, k := range known {
		if strings.Contains(k, u) || strings.Contains(u, k) {
			out = append(out, k)
		}
	}
	return out
}

func cmdTokenList(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "token list", "token list [flags]", `
List every access token with its units, when it was created and when it
was revoked. Secrets are never shown: only their hashes are stored.`,
		"kpimon token list --data /var/lib/kpimon")
	data := fs.String("data", envOr(e, "KPIMON_DATA", "./data"), "data `dir` holding the store (KPIMON_DATA)")
	output := fs.String("o", "table", "output `format`: table or json")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if *output != "table" && *output != "json" {
		return fmt.Errorf("token list: -o %q: want table or json", *output)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("token list takes no arguments, got %q", fs.Args())
	}
	var tokens []kpi.Token
	if storeExists(*data) {
		store, err := openTokenStore(*data)
		if err != nil {
			return err
		}
		tokens, err = store.Tokens(ctx)
		store.Close()
		if err != nil {
			return fmt.Errorf("token list: %w", err)
		}
	}
	if *output == "json" {
		if tokens == nil {
			tokens = []kpi.Token{}
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(tokens)
	}
	printTokens(e.stdout, tokens)
	return nil
}

func printTokens(w io.Writer, tokens []kpi.Token) {
	if len(tokens) == 0 {
		fmt.Fprintln(w, "no tokens yet 尚无令牌: create one with 'kpimon token create --name NAME --unit UNIT'")
		return
	}
	t := table{header: []string{"NAME 名称", "UNITS 单位", "CREATED 创建", "REVOKED 吊销"}}
	for _, tok := range tokens {
		units := strings.Join(tok.Units, "、")
		if tok.All {
			units = "全部 all"
		}
		revoked := "—"
		if tok.RevokedAt != nil {
			revoked = tok.RevokedAt.In(kpi.China).Format("2006-01-02 15:04")
		}
		t.add(tok.Name, units, tok.CreatedAt.In(kpi.China).Format("2006-01-02 15:04"), revoked)
	}
	t.write(w)
}

func cmdTokenRevoke(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "token revoke", "token revoke --name NAME [flags]", `
Revoke an access token by name: from the next start of the server it is
refused (401). Its name stays taken, so the audit log stays unambiguous.`,
		"kpimon token revoke --data /var/lib/kpimon --name kgxj")
	data := fs.String("data", envOr(e, "KPIMON_DATA", "./data"), "data `dir` holding the store (KPIMON_DATA)")
	name := fs.String("name", "", "`name` of the token to revoke (required)")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("token revoke takes no arguments, got %q: give the token with --name", fs.Args())
	}
	if *name == "" {
		return errors.New("token revoke: --name is missing: 'kpimon token list' shows the names")
	}
	if !storeExists(*data) {
		return fmt.Errorf("token revoke: no store at %s: there are no tokens in this data dir (wrong --data?)", storePath(*data))
	}
	store, err := openTokenStore(*data)
	if err != nil {
		return err
	}
	defer store.Close()
	tokens, err := store.Tokens(ctx)
	if err != nil {
		return fmt.Errorf("token revoke: %w", err)
	}
	i := slices.IndexFunc(tokens, func(t kpi.Token) bool { return t.Name == *name })
	if i < 0 {
		return fmt.Errorf("token revoke: no token named %q in %s: 'kpimon token list' shows the names", *name, *data)
	}
	if at := tokens[i].RevokedAt; at != nil {
		fmt.Fprintf(e.stdout, "Token %q was already revoked on %s.\n", *name, at.In(kpi.China).Format("2006-01-02 15:04"))
		return nil
	}
	if err := store.RevokeToken(ctx, *name, operatorActor(e)); err != nil {
		return fmt.Errorf("token revoke: %w", err)
	}
	fmt.Fprintf(e.stdout, "Revoked token %q. 令牌已吊销。\n", *name)
	return nil
}

// openTokenStore opens the store; when the server holds it, the error says
// to stop the server first.
func openTokenStore(data string) (*boltstore.Store, error) {
	store, err := openStore(data, time.Second, nil)
	if err != nil {
		if kpi.ErrorCode(err) == kpi.EUNAVAILABLE && strings.Contains(err.Error(), "in use") {
			return nil, fmt.Errorf("%w\n%s", err, serverRunningHelp)
		}
		return nil, fmt.Errorf("open store in %s: %w", data, err)
	}
	return store, nil
}

// operatorActor is who the audit log names for a token command.
func operatorActor(e *env) kpi.Actor {
	name := e.getenv("USER")
	if name == "" {
		name = "operator"
	}
	return kpi.Actor{Name: name, Remote: "cli"}
}
