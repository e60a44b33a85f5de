package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yanfeng/kpimon/internal/boltstore"
	"github.com/yanfeng/kpimon/internal/kpi"
)

// runKpimon runs the program with args after "kpimon" and returns its
// stdout, stderr and error.
func runKpimon(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(k string) string { return env[k] }
	err = run(context.Background(), append([]string{"kpimon"}, args...), getenv, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), err
}

// lastLine returns the last line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// readTokens opens the store the commands wrote and lists its tokens.
func readTokens(t *testing.T, data string) ([]kpi.Token, []kpi.AuditEntry) {
	t.Helper()
	st, err := boltstore.Open(filepath.Join(data, "kpimon.db"), boltstore.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	defer st.Close()
	tokens, err := st.Tokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	audit, err := st.Audit(context.Background(), kpi.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return tokens, audit
}

func TestTokenCreate(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"USER": "wang"}
	tests := []struct {
		name      string
		args      []string
		wantUnits []string
		wantAll   bool
	}{
		{"all", []string{"--name", "tjj", "--all"}, nil, true},
		{"one unit", []string{"--name", "kgxj", "--unit", "区科工信局"}, []string{"区科工信局"}, false},
		{"two units", []string{"--name", "fgj", "--unit", "区发改局", "--unit", "区人社局"}, []string{"区发改局", "区人社局"}, false},
	}
	secrets := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, err := runKpimon(t, env, append([]string{"token", "create", "--data", data}, tt.args...)...)
			if err != nil {
				t.Fatalf("token create: %v\n%s", err, stderr)
			}
			if stderr != "" {
				t.Errorf("stderr = %q, want nothing for known units", stderr)
			}
			secret := lastLine(stdout)
			if !strings.HasPrefix(secret, kpi.TokenPrefix) || strings.ContainsAny(secret, " \t") {
				t.Fatalf("last line of stdout = %q, want the secret alone", secret)
			}
			if n := strings.Count(stdout, secret); n != 1 {
				t.Errorf("secret printed %d times, want once", n)
			}
			secrets[tt.args[1]] = secret
		})
	}

	tokens, audit := readTokens(t, data)
	type stored struct {
		Name  string
		Hash  string
		Units []string
		All   bool
	}
	var got []stored
	for _, tok := range tokens {
		got = append(got, stored{tok.Name, tok.Hash, tok.Units, tok.All})
	}
	want := []stored{
		{"fgj", kpi.HashToken(secrets["fgj"]), []string{"区发改局", "区人社局"}, false},
		{"kgxj", kpi.HashToken(secrets["kgxj"]), []string{"区科工信局"}, false},
		{"tjj", kpi.HashToken(secrets["tjj"]), nil, true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stored tokens (-want +got):\n%s", diff)
	}
	if n := countAuditBy(audit, "token.create", "wang"); n != 3 {
		t.Errorf("token.create audit entries by wang = %d, want 3", n)
	}
	db, err := os.ReadFile(filepath.Join(data, "kpimon.db"))
	if err != nil {
		t.Fatal(err)
	}
	for name, secret := range secrets {
		if bytes.Contains(db, []byte(secret)) {
			t.Errorf("the store holds the secret of %s, want only its hash", name)
		}
	}
}

func countAuditBy(entries []kpi.AuditEntry, action, actor string) int {
	n := 0
	for _, e := range entries {
		if e.Action == action && e.Actor == actor {
			n++
		}
	}
	return n
}

// TestTokenCreateUnknownUnit: a token for a unit no indicator names would be
// refused everywhere; it used to be created with a warning, now it is
// refused unless --force.
func TestTokenCreateUnknownUnit(t *testing.T) {
	data := t.TempDir()
	stdout, stderr, err := runKpimon(t, nil, "token", "create", "--data", data, "--name", "x", "--unit", "统计局")
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("token create --unit 统计局 = %v, want a refusal (exit 1) naming --force", err)
	}
	if !strings.Contains(stderr, `"统计局"`) || !strings.Contains(stderr, "区统计局") {
		t.Errorf("stderr = %q, want a warning about 统计局 that suggests 区统计局", stderr)
	}
	if strings.Contains(stdout, kpi.TokenPrefix) {
		t.Errorf("stdout = %q, want no secret after a refusal", stdout)
	}
	if tokens, _ := readTokens(t, data); len(tokens) != 0 {
		t.Errorf("tokens = %+v, want none after a refusal", tokens)
	}

	stdout, stderr, err = runKpimon(t, nil, "token", "create", "--data", data, "--name", "x", "--unit", "区不存在局", "--force")
	if err != nil {
		t.Fatalf("token create --force: %v", err)
	}
	if !strings.Contains(stderr, `"区不存在局"`) {
		t.Errorf("stderr = %q, want a warning about 区不存在局 even with --force", stderr)
	}
	if !strings.HasPrefix(lastLine(stdout), kpi.TokenPrefix) {
		t.Errorf("last line = %q, want the secret: --force creates the token", lastLine(stdout))
	}
	tokens, audit := readTokens(t, data)
	if len(tokens) != 1 || tokens[0].Name != "x" {
		t.Errorf("tokens = %+v, want x", tokens)
	}
	if n := countAuditBy(audit, "token.create", "operator"); n != 1 {
		t.Errorf("token.create audit entries by operator (no $USER) = %d, want 1", n)
	}
}

func TestTokenCreateRefuses(t *testing.T) {
	data := t.TempDir()
	if _, _, err := runKpimon(t, nil, "token", "create", "--data", data, "--name", "tjj", "--all"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantText string
	}{
		{"no name", []string{"--all"}, 1, "--name"},
		{"no scope", []string{"--name", "a"}, 1, "--unit"},
		{"both scopes", []string{"--name", "a", "--all", "--unit", "区统计局"}, 1, "not both"},
		{"name with space", []string{"--name", "a b", "--all"}, 1, "spaces"},
		{"name taken", []string{"--name", "tjj", "--all"}, 1, "taken"},
		{"unknown flag", []string{"--name", "a", "--everything"}, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, _, err := runKpimon(t, nil, append([]string{"token", "create", "--data", data}, tt.args...)...)
			if err == nil {
				t.Fatalf("token create %q succeeded, want an error", tt.args)
			}
			if got := exitCode(err); got != tt.wantCode {
				t.Errorf("exit code = %d, want %d (%v)", got, tt.wantCode, err)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q does not mention %q", err, tt.wantText)
			}
			if strings.Contains(stdout, kpi.TokenPrefix) {
				t.Errorf("stdout = %q, want no secret after a refusal", stdout)
			}
		})
	}
	if tokens, _ := readTokens(t, data); len(tokens) != 1 {
		t.Errorf("tokens = %d, want only the first", len(tokens))
	}
}

func TestTokenListAndRevoke(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"KPIMON_DATA": data, "USER": "li"}
	t.Run("no store yet", func(t *testing.T) {
		stdout, _, err := runKpimon(t, env, "token", "list")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(stdout, "no tokens") {
			t.Errorf("stdout = %q, want 'no tokens'", stdout)
		}
		if _, err := os.Stat(filepath.Join(data, "kpimon.db")); err == nil {
			t.Errorf("token list created a store")
		}
	})
	for _, args := range [][]string{{"--name", "tjj", "--all"}, {"--name", "kgxj", "--unit", "区科工信局"}} {
		if _, _, err := runKpimon(t, env, append([]string{"token", "create"}, args...)...); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("revoke", func(t *testing.T) {
		stdout, _, err := runKpimon(t, env, "token", "revoke", "--name", "kgxj")
		if err != nil || !strings.Contains(stdout, "Revoked") {
			t.Errorf("token revoke = %q, %v, want Revoked", stdout, err)
		}
	})
	t.Run("revoke again", func(t *testing.T) {
		stdout, _, err := runKpimon(t, env, "token", "revoke", "--name", "kgxj")
		if err != nil || !strings.Contains(stdout, "already revoked") {
			t.Errorf("token revoke again = %q, %v, want 'already revoked'", stdout, err)
		}
	})
	t.Run("revoke unknown", func(t *testing.T) {
		_, _, err := runKpimon(t, env, "token", "revoke", "--name", "nobody")
		if err == nil || !strings.Contains(err.Error(), "token list") {
			t.Errorf("token revoke nobody = %v, want an error pointing at 'token list'", err)
		}
	})
	t.Run("list table", func(t *testing.T) {
		stdout, _, err := runKpimon(t, env, "token", "list")
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(stdout), "\n")
		if len(lines) != 3 {
			t.Fatalf("list has %d lines, want header and 2 tokens:\n%s", len(lines), stdout)
		}
		kgxj, tjj := strings.Fields(lines[1]), strings.Fields(lines[2])
		if kgxj[0] != "kgxj" || kgxj[1] != "区科工信局" || len(kgxj) != 6 {
			t.Errorf("kgxj line = %q, want name, unit, created and revoked dates", lines[1])
		}
		if tjj[0] != "tjj" || !strings.Contains(lines[2], "全部 all") || tjj[len(tjj)-1] != "—" {
			t.Errorf("tjj line = %q, want all units and not revoked", lines[2])
		}
	})
	t.Run("list json", func(t *testing.T) {
		stdout, _, err := runKpimon(t, env, "token", "list", "-o", "json")
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`"name": "kgxj"`, `"revoked_at"`, `"all": true`} {
			if !strings.Contains(stdout, want) {
				t.Errorf("json = %s, want %s", stdout, want)
			}
		}
		if strings.Contains(stdout, "hash") {
			t.Errorf("json shows hashes:\n%s", stdout)
		}
	})
	_, audit := readTokens(t, data)
	if n := countAuditBy(audit, "token.revoke", "li"); n != 1 {
		t.Errorf("token.revoke audit entries by li = %d, want 1", n)
	}
}

func TestTokenWhileServerRuns(t *testing.T) {
	data := t.TempDir()
	st, err := boltstore.Open(filepath.Join(data, "kpimon.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, args := range [][]string{
		{"token", "create", "--data", data, "--name", "a", "--all"},
		{"token", "list", "--data", data},
		{"token", "revoke", "--data", data, "--name", "a"},
	} {
		t.Run(args[1], func(t *testing.T) {
			t.Parallel() // each waits out the lock timeout
			stdout, _, err := runKpimon(t, nil, args...)
			if err == nil {
				t.Fatalf("%q while the store is held succeeded, want an error", args)
			}
			if !strings.Contains(err.Error(), "stop it (Ctrl-C / systemctl stop kpimon), run the token command, start it again") {
				t.Errorf("error = %q, want it to say to stop the server", err)
			}
			if strings.Contains(stdout, kpi.TokenPrefix) {
				t.Errorf("a secret was printed although nothing was stored")
			}
		})
	}
}

func TestTokenUsage(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int // 0: success
	}{
		{"no subcommand", []string{"token"}, 2},
		{"unknown subcommand", []string{"token", "rotate"}, 2},
		{"help", []string{"token", "-h"}, 0},
		{"create help", []string{"token", "create", "-h"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, err := runKpimon(t, nil, tt.args...)
			got := 0
			if err != nil {
				got = exitCode(err)
			}
			if got != tt.wantCode {
				t.Errorf("exit code = %d, want %d (%v)", got, tt.wantCode, err)
			}
			if !strings.Contains(stdout+stderr, "kpimon token") {
				t.Errorf("output does not show usage:\n%s%s", stdout, stderr)
			}
		})
	}
}
