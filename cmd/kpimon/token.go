package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/yanfeng/kpimon/internal/boltstore"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

// serverRunningHelp explains what to do when the server holds the data dir.
const serverRunningHelp = "the kpimon server is running on this data dir; stop it (Ctrl-C / systemctl stop kpimon), run the token command, start it again (tokens have no HTTP API, on purpose)"

func addTokenCommand(c *cli) {
	cmd := c.command("token", "create, list or revoke access tokens", `
Manage the access tokens that submitters send as 'Authorization: Bearer <token>'.
Only a token's hash is stored; its secret is printed once, when it is created.
These commands open the data dir directly, so run them while 'kpimon serve'
is stopped (there is deliberately no API for tokens).`, `kpimon token create --name tjj --all                 # the statistics bureau
  kpimon token create --name kgxj --unit 区科工信局
  kpimon token list
  kpimon token revoke --name kgxj`)

	create := subcommand(cmd, "create", "create a token for some units, or for all of them", `
Create an access token and print its secret, alone on the last line of
stdout. The secret is shown only this once: only its hash is stored.
A token with --unit may submit figures only for indicators where one of
its units is a lead (责任单位) or cooperating unit (配合单位); --all may
submit for every indicator (the statistics bureau, 区统计局). A unit that
no indicator names is refused (it would be refused everywhere) unless
--force says it is meant.`,
		"kpimon token create --storage.path /var/lib/kpimon --name kgxj --unit 区科工信局")
	var o tokenCreateOptions
	createData := c.storageFlag(create)
	createTargets := c.targetsFlag(create, "Targets dir to check units against when the store holds no catalog yet")
	create.Flag("name", "Token name, e.g. the unit's short name (required).").PlaceHolder("NAME").StringVar(&o.name)
	create.Flag("unit", "Unit the token may submit for, as the catalog names it (repeatable).").PlaceHolder("UNIT").StringsVar(&o.units)
	create.Flag("all", "The token may submit for every indicator.").BoolVar(&o.all)
	create.Flag("force", "Create the token even for a unit no indicator names.").BoolVar(&o.force)
	create.Flag("role", "supervisor: a token of the supervision office (督查室), which reviews supervision items and submits no figures.").PlaceHolder("ROLE").EnumVar(&o.role, kpi.RoleSupervisor)
	c.action(create, func(ctx context.Context) error {
		o.data, o.targets = *createData, *createTargets
		return tokenCreate(ctx, c.e, o)
	})

	list := subcommand(cmd, "list", "list tokens: name, units, created, revoked", `
List every access token with its units, when it was created and when it
was revoked. Secrets are never shown: only their hashes are stored.`,
		"kpimon token list --storage.path /var/lib/kpimon")
	listData := c.storageFlag(list)
	listOutput := outputFlag(list, "table", "json")
	c.action(list, func(ctx context.Context) error { return tokenList(ctx, c.e, *listData, *listOutput) })

	revoke := subcommand(cmd, "revoke", "revoke a token by name", `
Revoke an access token by name: from the next start of the server it is
refused (401). Its name stays taken, so the audit log stays unambiguous.`,
		"kpimon token revoke --storage.path /var/lib/kpimon --name kgxj")
	revokeData := c.storageFlag(revoke)
	revokeName := revoke.Flag("name", "Name of the token to revoke (required).").PlaceHolder("NAME").String()
	c.action(revoke, func(ctx context.Context) error { return tokenRevoke(ctx, c.e, *revokeData, *revokeName) })
}

type tokenCreateOptions struct {
	data, targets, name string
	role                string
	units               []string
	all, force          bool
}

func tokenCreate(ctx context.Context, e *env, o tokenCreateOptions) error {
	for i, u := range o.units {
		if o.units[i] = strings.TrimSpace(u); o.units[i] == "" {
			return errors.New("token create: --unit is empty: name a unit as the catalog does, e.g. --unit 区科工信局")
		}
	}
	name, units, all := &o.name, o.units, &o.all
	*name = strings.TrimSpace(*name)
	switch {
	case *name == "":
		return errors.New("token create: --name is missing: name the token after its holder, e.g. --name tjj")
	case strings.ContainsFunc(*name, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return fmt.Errorf("token create: --name %q has spaces or control characters: use letters, digits, - or _", *name)
	case o.role != "" && (*all || len(units) > 0):
		return errors.New("token create: a --role supervisor token takes no --unit or --all")
	case *all && len(units) > 0:
		return errors.New("token create: give either --unit or --all, not both")
	case o.role == "" && !*all && len(units) == 0:
		return errors.New("token create: say what the token may submit for: --unit UNIT (repeatable) or --all")
	}

	store, err := openTokenStore(o.data)
	if err != nil {
		return err
	}
	defer store.Close()
	if len(units) > 0 {
		if err := checkUnits(ctx, e, store, o.targets, units, o.force); err != nil {
			return err
		}
	}
	secret, err := kpi.NewTokenSecret()
	if err != nil {
		return err
	}
	tok := kpi.Token{Name: *name, Hash: kpi.HashToken(secret), Units: slices.Compact(slices.Clone(units)), All: *all, Supervisor: o.role == kpi.RoleSupervisor, CreatedAt: time.Now()}
	if err := store.CreateToken(ctx, tok, operatorActor(e)); err != nil {
		return fmt.Errorf("token create: %w", err)
	}
	scope := "units 单位: " + strings.Join(tok.Units, "、")
	if tok.All {
		scope = "every indicator 全部指标 (--all)"
	}
	if tok.Supervisor {
		scope = "the supervision office 督查室 (--role supervisor)"
	}
	fmt.Fprintf(e.stdout, "Created token %q for %s.\n", tok.Name, scope)
	fmt.Fprintln(e.stdout, "The secret below is shown only this once; only its hash is stored. Hand it over safely.")
	fmt.Fprintln(e.stdout, "令牌只显示这一次，系统只保存其哈希值，请妥善转交。")
	fmt.Fprintln(e.stdout, secret)
	return nil
}

// checkUnits refuses units that lead or co-operate on no indicator of the
// catalog, since such a token would be refused everywhere; with force it
// only warns.
func checkUnits(ctx context.Context, e *env, store kpi.CatalogReader, targets string, units []string, force bool) error {
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
	var unknown []string
	for _, u := range units {
		if slices.Contains(known, u) {
			continue
		}
		unknown = append(unknown, u)
		fmt.Fprintf(e.stderr, "unit %q is not a lead or cooperating unit of any indicator; a token for it would be refused for every indicator.\n", u)
		fmt.Fprintf(e.stderr, "警告：单位“%s”不是任何指标的责任单位或配合单位。", u)
		if similar := similarUnits(known, u); len(similar) > 0 {
			fmt.Fprintf(e.stderr, " Did you mean 是否指: %s?\n", strings.Join(similar, "、"))
		} else {
			fmt.Fprintf(e.stderr, " Known units 已知单位: %s\n", strings.Join(known, "、"))
		}
	}
	if len(unknown) > 0 && !force {
		return fmt.Errorf("token create: unknown unit(s) %s: name units as the catalog does, or add --force to create the token anyway", strings.Join(unknown, "、"))
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

func tokenList(ctx context.Context, e *env, data, output string) error {
	tokens, err := listStored(ctx, data, "token list", (*boltstore.Store).Tokens)
	if err != nil {
		return err
	}
	if output == "json" {
		return printJSON(e.stdout, tokens)
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
		t.add(tok.Name, units, present.Time(tok.CreatedAt), optTime(tok.RevokedAt))
	}
	t.write(w)
}

func tokenRevoke(ctx context.Context, e *env, data, name string) error {
	if name == "" {
		return errors.New("token revoke: --name is missing: 'kpimon token list' shows the names")
	}
	if !storeExists(data) {
		return fmt.Errorf("token revoke: no store at %s: there are no tokens in this data dir (wrong --data?)", storePath(data))
	}
	store, err := openTokenStore(data)
	if err != nil {
		return err
	}
	defer store.Close()
	tokens, err := store.Tokens(ctx)
	if err != nil {
		return fmt.Errorf("token revoke: %w", err)
	}
	i := slices.IndexFunc(tokens, func(t kpi.Token) bool { return t.Name == name })
	if i < 0 {
		return fmt.Errorf("token revoke: no token named %q in %s: 'kpimon token list' shows the names", name, data)
	}
	if at := tokens[i].RevokedAt; at != nil {
		fmt.Fprintf(e.stdout, "Token %q was already revoked on %s.\n", name, present.Time(*at))
		return nil
	}
	if err := store.RevokeToken(ctx, name, operatorActor(e)); err != nil {
		return fmt.Errorf("token revoke: %w", err)
	}
	fmt.Fprintf(e.stdout, "Revoked token %q. 令牌已吊销。\n", name)
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

// listStored lists what the store in data keeps of one kind (tokens,
// users) with read; none, not nil, when there is no store yet.
func listStored[T any](ctx context.Context, data, what string, read func(*boltstore.Store, context.Context) ([]T, error)) ([]T, error) {
	if !storeExists(data) {
		return []T{}, nil
	}
	store, err := openTokenStore(data)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	list, err := read(store, ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if list == nil {
		list = []T{}
	}
	return list, nil
}

// optTime is when something happened (a token revoked, a user disabled),
// "—" when it has not.
func optTime(at *time.Time) string {
	if at == nil {
		return present.Missing
	}
	return present.Time(*at)
}

// operatorActor is who the audit log names for a token command.
func operatorActor(e *env) kpi.Actor {
	name := e.getenv("USER")
	if name == "" {
		name = "operator"
	}
	return kpi.Actor{Name: name, Remote: "cli"}
}
