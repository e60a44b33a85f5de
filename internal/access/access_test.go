package access_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/yanfeng/kpimon/internal/access"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/testkit"
)

var start = time.Date(2022, 6, 30, 12, 0, 0, 0, kpi.China)

func TestLimiterBackoff(t *testing.T) {
	c := testkit.NewClock(start)
	l := access.NewLimiter(access.LimiterOptions{Now: c.Now, Free: 3, Base: time.Second, Max: 10 * time.Second, Forget: time.Hour})
	var waits []time.Duration
	for range 8 {
		waits = append(waits, l.Fail("a"))
	}
	want := []time.Duration{0, 0, 0, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second}
	if diff := cmp.Diff(want, waits); diff != "" {
		t.Errorf("waits after each failure (-want +got):\n%s", diff)
	}
	if got := l.Wait("a"); got != 10*time.Second {
		t.Errorf("Wait = %v, want 10s", got)
	}
	if got := l.Wait("b"); got != 0 {
		t.Errorf("another key waits %v, want 0", got)
	}
	c.Advance(4 * time.Second)
	if got := l.Wait("a"); got != 6*time.Second {
		t.Errorf("Wait 4 s later = %v, want 6s", got)
	}
	c.Advance(time.Hour)
	if got := l.Fail("a"); got != 0 {
		t.Errorf("first failure an hour later waits %v, want 0 (forgotten)", got)
	}
	l.Succeed("a")
	if got := l.Wait("a"); got != 0 {
		t.Errorf("Wait after success = %v, want 0", got)
	}
}

func TestLimiterBoundedKeys(t *testing.T) {
	c := testkit.NewClock(start)
	l := access.NewLimiter(access.LimiterOptions{Now: c.Now, Free: 1, MaxKeys: 10})
	for i := range 1000 {
		l.Fail(string(rune('a'+i%26)) + strings.Repeat("x", i))
		l.Fail(string(rune('a'+i%26)) + strings.Repeat("x", i))
	}
	// The newest key is still limited; memory did not grow past MaxKeys
	// (checked indirectly: old keys were dropped and wait no more).
	if got := l.Wait("a"); got != 0 {
		t.Errorf("the oldest key waits %v, want 0 (dropped)", got)
	}
	last := string(rune('a'+999%26)) + strings.Repeat("x", 999)
	if got := l.Wait(last); got == 0 {
		t.Errorf("the newest key does not wait")
	}
}

// TestRefusedTokensThrottledAndFolded: before, every refused token was
// checked and written to the audit log with an fsync (331 tries/s), with no
// limit. Now a client past its free failures is refused without a lookup,
// and its refusals of one minute make one entry and one count.
func TestRefusedTokensThrottledAndFolded(t *testing.T) {
	ctx := context.Background()
	c := testkit.NewClock(start)
	st := testkit.Store(t, kpi.Catalog{}, []kpi.Token{{Name: "tjj", Hash: kpi.HashToken("kpm_good"), All: true, CreatedAt: start}})
	a := access.New(access.Options{Store: st, Now: c.Now,
		Limiter: access.NewLimiter(access.LimiterOptions{Now: c.Now, Free: 5, Base: time.Second, Max: time.Minute})})

	codes := map[string]int{}
	for range 100 {
		_, err := a.Token(ctx, "kpm_guess", "203.0.113.9", "POST /api/v1/observations")
		codes[kpi.ErrorCode(err)]++
		if secs, ok := access.RetryAfter(err); ok && secs != 1 {
			t.Fatalf("Retry-After = %d, want 1 (the sixth failure waits 1 s)", secs)
		}
	}
	if want := map[string]int{kpi.EUNAUTHORIZED: 6, access.CodeTooManyRequests: 94}; !cmp.Equal(want, codes) {
		t.Errorf("codes of 100 guesses = %v, want %v", codes, want)
	}
	// Another client is not slowed down by the first.
	if tok, err := a.Token(ctx, "kpm_good", "198.51.100.1", ""); err != nil || tok.Name != "tjj" {
		t.Fatalf("good token from another client = %v, %v", tok, err)
	}
	entries, _ := st.Audit(ctx, kpi.AuditFilter{})
	if got := countDenied(entries); got != 1 {
		t.Fatalf("access.denied entries after 100 refusals in a minute = %d, want 1", got)
	}
	c.Advance(time.Minute)
	if err := a.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	entries, _ = st.Audit(ctx, kpi.AuditFilter{})
	if got := countDenied(entries); got != 2 {
		t.Fatalf("access.denied entries after the minute = %d, want 2", got)
	}
	if !strings.Contains(entries[0].Detail, "99 more") || entries[0].Remote != "203.0.113.9" {
		t.Errorf("folded entry = %+v, want 99 more from 203.0.113.9", entries[0])
	}
	// Waiting out the backoff lets the client try again.
	c.Advance(time.Minute)
	if _, err := a.Token(ctx, "kpm_good", "203.0.113.9", ""); err != nil {
		t.Errorf("good token after the wait: %v", err)
	}
}

func TestTokenRefusals(t *testing.T) {
	ctx := context.Background()
	c := testkit.NewClock(start)
	st := testkit.Store(t, kpi.Catalog{}, []kpi.Token{
		{Name: "kgxj", Hash: kpi.HashToken("kpm_unit"), Units: []string{"区科工信局"}, CreatedAt: start},
		{Name: "old", Hash: kpi.HashToken("kpm_old"), Units: []string{"区科工信局"}, CreatedAt: start},
	}, "old")
	a := access.New(access.Options{Store: st, Now: c.Now})
	tok, err := a.Token(ctx, " kpm_unit ", "10.0.0.7", "")
	if err != nil || tok.Name != "kgxj" || tok.Hash != kpi.HashToken("kpm_unit") {
		t.Fatalf("Token(valid) = %+v, %v", tok, err)
	}
	for _, secret := range []string{"", "kpm_nope", "kpm_old"} {
		_, err := a.Token(ctx, secret, "10.0.0.7", "")
		var ke *kpi.Error
		if !errors.As(err, &ke) || ke.Code != kpi.EUNAUTHORIZED {
			t.Errorf("Token(%q) = %v, want EUNAUTHORIZED", secret, err)
		}
	}
}

func countDenied(entries []kpi.AuditEntry) int {
	n := 0
	for _, e := range entries {
		if e.Action == kpi.ActionAccessDenied {
			n++
		}
	}
	return n
}

// TestPasswordLockOutByStrangers: before, 21 wrong passwords for one user
// name from one address (one every 12 s) kept the real user, with the
// right password at another address, refused (429) 20 times out of 20:
// the account key backed off to 15 minutes. Now the guesser's address is
// throttled, the user at a clean address signs in, and guesses from many
// addresses slow the account down (and count an attack) without refusing
// the user.
func TestPasswordLockOutByStrangers(t *testing.T) {
	ctx := context.Background()
	c := testkit.NewClock(start)
	st := testkit.Store(t, kpi.Catalog{}, nil)
	reg := prometheus.NewRegistry()
	a := access.New(access.Options{Store: st, Accounts: st, Now: c.Now, Registerer: reg, SlowDelay: time.Millisecond,
		Limiter:              access.NewLimiter(access.LimiterOptions{Now: c.Now}),
		AccountClientLimiter: access.NewLimiter(access.LimiterOptions{Now: c.Now}),
		AccountLimiter:       access.NewLimiter(access.LimiterOptions{Now: c.Now, Free: 15, Base: time.Minute, Max: time.Hour})})
	hash, err := a.HashPassword(ctx, "the right passphrase")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateUser(ctx, kpi.User{Name: "zhangsan", Unit: "区科工信局", PasswordHash: hash, CreatedAt: start}, kpi.Actor{Name: "operator"}); err != nil {
		t.Fatal(err)
	}

	codes := map[string]int{}
	for range 21 {
		_, err := a.Password(ctx, "zhangsan", "a wrong guess!", "203.0.113.9")
		codes[kpi.ErrorCode(err)]++
		c.Advance(12 * time.Second)
	}
	if codes[kpi.EUNAUTHORIZED] > 15 || codes[access.CodeTooManyRequests] == 0 {
		t.Errorf("21 guesses from one address: %v, want it throttled", codes)
	}
	if _, err := a.Password(ctx, "zhangsan", "the right passphrase", "203.0.113.9"); kpi.ErrorCode(err) != access.CodeTooManyRequests {
		t.Errorf("right password from the guessing address: %v, want %s (it has recent failures)", err, access.CodeTooManyRequests)
	}
	for i := range 5 {
		if u, err := a.Password(ctx, "zhangsan", "the right passphrase", "198.51.100.7"); err != nil || u.Name != "zhangsan" {
			t.Fatalf("sign-in %d of the real user from a clean address: %v, %v", i+1, u, err)
		}
		c.Advance(10 * time.Second)
	}

	// Guesses from 15 more addresses, one each: no address is throttled,
	// the account goes over its soft cap (15) once and is slowed, the user
	// still signs in.
	for i := range 15 {
		if _, err := a.Password(ctx, "zhangsan", "a wrong guess!", fmt.Sprintf("192.0.2.%d", i)); kpi.ErrorCode(err) != kpi.EUNAUTHORIZED {
			t.Fatalf("guess from a fresh address: %v, want %s", err, kpi.EUNAUTHORIZED)
		}
	}
	if u, err := a.Password(ctx, "zhangsan", "the right passphrase", "198.51.100.8"); err != nil || u.Name != "zhangsan" {
		t.Fatalf("the real user while the account is attacked: %v, %v", u, err)
	}
	// Slowed: the guesses after the crossing and the user's sign-in.
	failures := codes[kpi.EUNAUTHORIZED] + 15
	for name, want := range map[string]float64{"kpi_signin_attacks_total": 1, "kpi_signin_slowed_total": float64(failures - 15)} {
		if got := counterValue(t, reg, name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
}

func counterValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			var sum float64
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
			return sum
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// TestIPv6ClientsCountPerSubnet: a guesser with a /64 of addresses to
// pick from is one client; another /64 is not slowed by it.
func TestIPv6ClientsCountPerSubnet(t *testing.T) {
	ctx := context.Background()
	c := testkit.NewClock(start)
	st := testkit.Store(t, kpi.Catalog{}, nil)
	a := access.New(access.Options{Store: st, Now: c.Now, Limiter: access.NewLimiter(access.LimiterOptions{Now: c.Now})})
	for i := range 10 {
		a.Token(ctx, "kpm_guess", fmt.Sprintf("2001:db8:1:2::%x", i+1), "")
	}
	if _, err := a.Token(ctx, "kpm_guess", "2001:db8:1:2:ffff::1", ""); kpi.ErrorCode(err) != access.CodeTooManyRequests {
		t.Errorf("another address of the guessing /64: %v, want %s", err, access.CodeTooManyRequests)
	}
	if _, err := a.Token(ctx, "kpm_guess", "2001:db8:1:3::1", ""); kpi.ErrorCode(err) != kpi.EUNAUTHORIZED {
		t.Errorf("an address of another /64: %v, want %s", err, kpi.EUNAUTHORIZED)
	}
}
