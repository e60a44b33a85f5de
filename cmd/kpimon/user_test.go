package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/yanfeng/kpimon/internal/access"
	"github.com/yanfeng/kpimon/internal/kpi"
)

// runWithStdin runs the program with args after "kpimon" and stdin.
func runWithStdin(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"kpimon"}, args...), func(string) string { return "" }, strings.NewReader(stdin), &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestUserCommands(t *testing.T) {
	data := t.TempDir()
	if out, err := runWithStdin(t, "a long passphrase\n", "user", "add", "--storage.path", data, "--name", "zhangsan", "--unit", "区科工信局"); err != nil {
		t.Fatalf("user add: %v\n%s", err, out)
	}
	if out, err := runWithStdin(t, "short\n", "user", "add", "--storage.path", data, "--name", "lisi", "--bureau"); err == nil {
		t.Errorf("user add with a 5-character password succeeded:\n%s", out)
	}
	// Run as the README's supervisor example once read, with nothing piped in.
	if out, err := runWithStdin(t, "", "user", "add", "--storage.path", data, "--name", "dcs-wang", "--role", "supervisor"); err == nil || !strings.Contains(err.Error(), "no password on standard input") {
		t.Errorf("user add with nothing on stdin = %v, want it to say no password came and how to give one:\n%s", err, out)
	}
	if out, err := runWithStdin(t, "x\n", "user", "add", "--storage.path", data, "--name", "wang", "--bureau", "--unit", "区科工信局"); err == nil {
		t.Errorf("user add with both --unit and --bureau succeeded:\n%s", out)
	}
	if out, err := runWithStdin(t, "another passphrase\n", "user", "passwd", "--storage.path", data, "--name", "zhangsan"); err != nil {
		t.Fatalf("user passwd: %v\n%s", err, out)
	}
	if out, err := runWithStdin(t, "", "user", "disable", "--storage.path", data, "--name", "zhangsan"); err != nil {
		t.Fatalf("user disable: %v\n%s", err, out)
	}
	out, err := runWithStdin(t, "", "user", "list", "--storage.path", data, "--output", "json")
	if err != nil {
		t.Fatalf("user list: %v\n%s", err, out)
	}
	var users []kpi.User
	if err := json.Unmarshal([]byte(out), &users); err != nil {
		t.Fatalf("user list --output json: %v\n%s", err, out)
	}
	if len(users) != 1 || users[0].Name != "zhangsan" || users[0].Unit != "区科工信局" || users[0].DisabledAt == nil {
		t.Errorf("users = %+v, want zhangsan of 区科工信局, disabled", users)
	}
	if strings.Contains(out, "argon2") {
		t.Errorf("user list shows password hashes:\n%s", out)
	}

	store, err := openTokenStore(data)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	u, err := store.User(context.Background(), "zhangsan")
	if err != nil || !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Fatalf("stored hash %q, %v; want argon2id with the documented parameters", u.PasswordHash, err)
	}
	a := access.New(access.Options{Store: store, Accounts: store})
	if err := a.CheckPassword(context.Background(), u, "another passphrase"); err != nil {
		t.Errorf("the password set by user passwd does not check: %v", err)
	}
}

// TestUserEnable: before, a disabled user could not be brought back
// ('user passwd' left them disabled, 'user add' said the name was taken).
func TestUserEnable(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	if out, err := runWithStdin(t, "a long passphrase\n", "user", "add", "--storage.path", data, "--name", "zhangsan", "--bureau"); err != nil {
		t.Fatalf("user add: %v\n%s", err, out)
	}
	if out, err := runWithStdin(t, "", "user", "disable", "--storage.path", data, "--name", "zhangsan"); err != nil {
		t.Fatalf("user disable: %v\n%s", err, out)
	}
	if out, err := runWithStdin(t, "", "user", "enable", "--storage.path", data, "--name", "zhangsan"); err != nil {
		t.Fatalf("user enable: %v\n%s", err, out)
	}
	if out, err := runWithStdin(t, "", "user", "enable", "--storage.path", data, "--name", "nobody"); err == nil {
		t.Errorf("user enable of an unknown name succeeded:\n%s", out)
	}
	store, err := openTokenStore(data)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	a := access.New(access.Options{Store: store, Accounts: store})
	if _, err := a.Password(ctx, "zhangsan", "a long passphrase", "127.0.0.1"); err != nil {
		t.Errorf("sign-in after user enable: %v", err)
	}
	audit, err := store.Audit(ctx, kpi.AuditFilter{Object: "zhangsan"})
	if err != nil {
		t.Fatal(err)
	}
	if len(audit) == 0 || audit[0].Action != kpi.ActionUserEnable || audit[0].Actor != "operator" {
		t.Errorf("newest audit entry of zhangsan = %+v, want %s by operator", audit, kpi.ActionUserEnable)
	}
}

// TestUserAddNameRule: the documented rule (letters, digits, - or _) is
// enforced; before, '<script>…' was accepted.
func TestUserAddNameRule(t *testing.T) {
	data := t.TempDir()
	for _, name := range []string{"zhangsan", "tjj-li", "wang_3", "张三"} {
		if out, err := runWithStdin(t, "a long passphrase\n", "user", "add", "--storage.path", data, "--name", name, "--bureau"); err != nil {
			t.Errorf("user add --name %q: %v\n%s", name, err, out)
		}
	}
	for _, name := range []string{"<script>alert(1)</script>", "a b", "li.si", "o'brien", "x\u200by", strings.Repeat("a", 65)} {
		if out, err := runWithStdin(t, "a long passphrase\n", "user", "add", "--storage.path", data, "--name", name, "--bureau"); err == nil {
			t.Errorf("user add --name %q succeeded:\n%s", name, out)
		}
	}
}
