package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/yanfeng/kpimon/internal/access"
	"github.com/yanfeng/kpimon/internal/boltstore"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

func addUserCommand(c *cli) {
	cmd := c.command("user", "add, list, disable, enable users or set their password", `
Manage the people who sign in on the web page with a user name and a
password. Each user belongs to one unit (--unit, as the catalog names it)
or to the statistics bureau (--bureau: every indicator). Passwords are
stored as argon2id hashes only; the password is read from the first line
of standard input (type it, or pipe it in). Users change their own password
on the web page (修改密码). Machines keep using tokens ('kpimon token').
Like 'kpimon token', these commands open the data dir directly: run them
while 'kpimon serve' is stopped.`, `printf '%s\n' 'a long passphrase' | kpimon user add --name zhangsan --unit 区科工信局
  kpimon user add --name tjj-li --bureau
  kpimon user add --name dcs-wang --role supervisor
  kpimon user list
  kpimon user passwd --name zhangsan
  kpimon user disable --name zhangsan
  kpimon user enable --name zhangsan`)

	add := subcommand(cmd, "add", "add a user of a unit or of the bureau", `
Add a user; the password is read from the first line of standard input
(at least 10 characters).`, "kpimon user add --storage.path /var/lib/kpimon --name zhangsan --unit 区科工信局")
	addData := c.storageFlag(add)
	addTargets := c.targetsFlag(add, "Targets dir to check the unit against when the store holds no catalog yet")
	addName := add.Flag("name", "User name they sign in with (required).").PlaceHolder("NAME").String()
	addUnit := add.Flag("unit", "The unit the user belongs to, as the catalog names it.").PlaceHolder("UNIT").String()
	addBureau := add.Flag("bureau", "The user belongs to the statistics bureau: every indicator.").Bool()
	addForce := add.Flag("force", "Add the user even for a unit no indicator names.").Bool()
	addRole := add.Flag("role", "supervisor: the supervision office (督查室): reads everything, reviews supervision items, submits no figures.").PlaceHolder("ROLE").Enum(kpi.RoleSupervisor)
	c.action(add, func(ctx context.Context) error {
		return userAdd(ctx, c.e, userAddOptions{data: *addData, targets: *addTargets, name: *addName, unit: *addUnit, bureau: *addBureau, force: *addForce, role: *addRole})
	})

	list := subcommand(cmd, "list", "list users: name, unit, created, disabled", `
List every user with their unit, when they were added and when disabled.`, "kpimon user list --storage.path /var/lib/kpimon")
	listData := c.storageFlag(list)
	listOutput := outputFlag(list, "table", "json")
	c.action(list, func(ctx context.Context) error { return userList(ctx, c.e, *listData, *listOutput) })

	passwd := subcommand(cmd, "passwd", "set a user's password", `
Set a user's password, read from the first line of standard input. The
user's web sessions end.`, "kpimon user passwd --storage.path /var/lib/kpimon --name zhangsan")
	passwdData := c.storageFlag(passwd)
	passwdName := passwd.Flag("name", "User name (required).").PlaceHolder("NAME").String()
	c.action(passwd, func(ctx context.Context) error { return userPasswd(ctx, c.e, *passwdData, *passwdName) })

	disable := subcommand(cmd, "disable", "disable a user and end their sessions", `
Disable a user: they can no longer sign in, and their web sessions end at
once. The name stays taken, so the audit log stays unambiguous.`, "kpimon user disable --storage.path /var/lib/kpimon --name zhangsan")
	disableData := c.storageFlag(disable)
	disableName := disable.Flag("name", "User name (required).").PlaceHolder("NAME").String()
	c.action(disable, func(ctx context.Context) error { return userDisable(ctx, c.e, *disableData, *disableName) })

	enable := subcommand(cmd, "enable", "let a disabled user sign in again", `
Enable a disabled user: they sign in again with the password they had.
If it may be known to others, set a new one with 'kpimon user passwd'.`, "kpimon user enable --storage.path /var/lib/kpimon --name zhangsan")
	enableData := c.storageFlag(enable)
	enableName := enable.Flag("name", "User name (required).").PlaceHolder("NAME").String()
	c.action(enable, func(ctx context.Context) error { return userEnable(ctx, c.e, *enableData, *enableName) })
}

// maxUserNameRunes bounds a user name: it is shown on pages and in the
// audit log.
const maxUserNameRunes = 64

// checkUserName enforces the documented rule: letters (Chinese ones too),
// digits, - or _, at most 64 of them.
func checkUserName(name string) error {
	switch {
	case name == "":
		return errors.New("--name is missing")
	case utf8.RuneCountInString(name) > maxUserNameRunes:
		return fmt.Errorf("--name is %d characters long: at most %d", utf8.RuneCountInString(name), maxUserNameRunes)
	case strings.ContainsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_' }):
		return fmt.Errorf("--name %q: use letters, digits, - or _ only", name)
	}
	return nil
}

type userAddOptions struct {
	data, targets, name, unit string
	role                      string
	bureau, force             bool
}

func userAdd(ctx context.Context, e *env, o userAddOptions) error {
	o.name, o.unit = strings.TrimSpace(o.name), strings.TrimSpace(o.unit)
	if err := checkUserName(o.name); err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	switch {
	case o.role != "" && (o.bureau || o.unit != ""):
		return errors.New("user add: a --role supervisor user takes no --unit or --bureau")
	case o.role == "" && o.bureau == (o.unit != ""):
		return errors.New("user add: give exactly one of --unit UNIT, --bureau or --role supervisor")
	}
	pw, err := readPassword(e)
	if err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	store, err := openTokenStore(o.data)
	if err != nil {
		return err
	}
	defer store.Close()
	if o.unit != "" {
		if err := checkUnits(ctx, e, store, o.targets, []string{o.unit}, o.force); err != nil {
			return err
		}
	}
	hash, err := access.New(access.Options{Store: store}).HashPassword(ctx, pw)
	if err != nil {
		return err
	}
	u := kpi.User{Name: o.name, Unit: o.unit, All: o.bureau, Role: o.role, PasswordHash: hash, CreatedAt: time.Now()}
	if err := store.CreateUser(ctx, u, operatorActor(e)); err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	fmt.Fprintf(e.stdout, "Added user %q (%s). 用户已添加。\n", u.Name, userScope(u))
	return nil
}

// readPassword reads the password from the first line of standard input.
func readPassword(e *env) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(e.stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from standard input: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on standard input: pipe it in as the first line, e.g. printf '%s\\n' 'a long passphrase' | kpimon user add --name NAME --unit UNIT")
	}
	if err := access.CheckPasswordRules(pw); err != nil {
		return "", fmt.Errorf("the password (first line of standard input): %w", err)
	}
	return pw, nil
}

func userScope(u kpi.User) string {
	if u.All {
		return "统计局 the bureau: every indicator"
	}
	if u.Role == kpi.RoleSupervisor {
		return "督查室 the supervision office"
	}
	return "单位 unit " + u.Unit
}

func userList(ctx context.Context, e *env, data, output string) error {
	users, err := listStored(ctx, data, "user list", (*boltstore.Store).Users)
	if err != nil {
		return err
	}
	if output == "json" {
		return printJSON(e.stdout, users)
	}
	if len(users) == 0 {
		fmt.Fprintln(e.stdout, "no users yet 尚无用户: add one with 'kpimon user add --name NAME --unit UNIT'")
		return nil
	}
	t := table{header: []string{"NAME 用户名", "UNIT 单位", "CREATED 添加", "DISABLED 停用"}}
	for _, u := range users {
		unit := u.Unit
		if u.All {
			unit = "统计局 all"
		}
		if u.Role == kpi.RoleSupervisor {
			unit = "督查室 supervisor"
		}
		t.add(u.Name, unit, present.Time(u.CreatedAt), optTime(u.DisabledAt))
	}
	t.write(e.stdout)
	return nil
}

func userPasswd(ctx context.Context, e *env, data, name string) error {
	if name == "" {
		return errors.New("user passwd: --name is missing: 'kpimon user list' shows the names")
	}
	pw, err := readPassword(e)
	if err != nil {
		return fmt.Errorf("user passwd: %w", err)
	}
	store, err := openTokenStore(data)
	if err != nil {
		return err
	}
	defer store.Close()
	hash, err := access.New(access.Options{Store: store}).HashPassword(ctx, pw)
	if err != nil {
		return err
	}
	if err := store.SetPassword(ctx, name, hash, operatorActor(e)); err != nil {
		return fmt.Errorf("user passwd: %w", err)
	}
	fmt.Fprintf(e.stdout, "Set the password of %q; their web sessions ended. 密码已设置。\n", name)
	return nil
}

func userDisable(ctx context.Context, e *env, data, name string) error {
	if name == "" {
		return errors.New("user disable: --name is missing: 'kpimon user list' shows the names")
	}
	store, err := openTokenStore(data)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.DisableUser(ctx, name, operatorActor(e)); err != nil {
		return fmt.Errorf("user disable: %w", err)
	}
	fmt.Fprintf(e.stdout, "Disabled user %q; their web sessions ended. 用户已停用。\n", name)
	return nil
}

func userEnable(ctx context.Context, e *env, data, name string) error {
	if name == "" {
		return errors.New("user enable: --name is missing: 'kpimon user list' shows the names")
	}
	store, err := openTokenStore(data)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.EnableUser(ctx, name, operatorActor(e)); err != nil {
		return fmt.Errorf("user enable: %w", err)
	}
	fmt.Fprintf(e.stdout, "Enabled user %q: they can sign in again. 用户已启用。\n", name)
	return nil
}
