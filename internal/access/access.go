// Package access decides who may do what: it checks tokens (machines) and,
// with the accounts kept in the store, user names and passwords (people),
// slows down guessing per client address and per account, and records
// refusals in the audit log without letting a flood of them fill it. The
// HTTP API and the web page both use it.
package access

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

// CodeTooManyRequests is the error code of an attempt refused because its
// client or account failed too often; HTTP answers 429 with Retry-After.
const CodeTooManyRequests = "too_many_requests"

// Throttled travels with a CodeTooManyRequests error: how long to wait.
type Throttled struct{ Wait time.Duration }

func (t *Throttled) Error() string { return fmt.Sprintf("throttled for %s", t.Wait) }

// RetryAfter returns the wait of a throttled attempt, rounded up to whole
// seconds, and whether err is one.
func RetryAfter(err error) (int, bool) {
	var t *Throttled
	if !errors.As(err, &t) {
		return 0, false
	}
	return int((t.Wait + time.Second - 1) / time.Second), true
}

func throttled(wait time.Duration) error {
	secs := int((wait + time.Second - 1) / time.Second)
	return errors.Join(&kpi.Error{Code: CodeTooManyRequests, Message: fmt.Sprintf(
		"失败次数过多，请 %d 秒后再试\ntoo many failed attempts: try again in %d s", secs, secs)}, &Throttled{Wait: wait})
}

// Options configures an Authenticator.
type Options struct {
	Store  kpi.Store
	Now    func() time.Time // time.Now when nil
	Logger *slog.Logger
	// Limiter counts the failures of each client address (tokens and
	// passwords alike); one with the defaults (5 free, then 1 s doubling
	// to 15 min) when nil.
	Limiter *Limiter
	// AccountClientLimiter counts the failed passwords of each (account,
	// client address) pair; one with the defaults when nil.
	AccountClientLimiter *Limiter
	// AccountLimiter counts an account's failed passwords from every
	// client: past its free failures (default 20 an hour) the account is
	// under attack, and each attempt on it waits SlowDelay before its
	// password is checked: slowed, never refused, so guesses from many
	// addresses cannot lock the real user out. The operator is told
	// (kpi_signin_slowed_total, KpiSignInAttack).
	AccountLimiter *Limiter
	// SlowDelay is that wait; 1 s when zero.
	SlowDelay time.Duration
	// Accounts holds users for password sign-in; nil: tokens only.
	Accounts kpi.AccountStore
	// Registerer, when set, gets the sign-in counters.
	Registerer prometheus.Registerer
}

// Authenticator checks credentials. Safe for concurrent use.
//
// Throttling never turns on the victim: a valid token is never refused for
// its client's failures (tokens are long random secrets: slowing a client
// down only keeps its refusals cheap), and a right password signs in from
// any client without recent failures of its own, however many guesses
// other clients made at the account (those slow the account's checks down
// and alert the operator instead).
type Authenticator struct {
	store          kpi.Store
	now            func() time.Time
	log            *slog.Logger
	clients        *Limiter // addr:<ip>
	accountClients *Limiter // <account> <ip>
	accounts       *Limiter // <account>
	slowDelay      time.Duration
	denials        *denials
	refused        *prometheus.CounterVec
	attacks        prometheus.Counter
	slowed         prometheus.Counter
	// accounts holds users; hashSlots bounds concurrent argon2id runs.
	users     kpi.AccountStore
	hashSlots chan struct{}
}

// New returns an Authenticator.
func New(o Options) *Authenticator {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Limiter == nil {
		o.Limiter = NewLimiter(LimiterOptions{Now: o.Now})
	}
	if o.AccountClientLimiter == nil {
		o.AccountClientLimiter = NewLimiter(LimiterOptions{Now: o.Now})
	}
	if o.AccountLimiter == nil {
		o.AccountLimiter = NewLimiter(LimiterOptions{Now: o.Now, Free: DefaultAccountSoftCap, Base: time.Minute, Max: time.Hour})
	}
	if o.SlowDelay <= 0 {
		o.SlowDelay = time.Second
	}
	a := &Authenticator{store: o.Store, now: o.Now, log: o.Logger,
		clients: o.Limiter, accountClients: o.AccountClientLimiter, accounts: o.AccountLimiter, slowDelay: o.SlowDelay,
		denials: &denials{folds: map[foldKey]*fold{}}, users: o.Accounts, hashSlots: make(chan struct{}, 2),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kpi_signin_refused_total",
			Help: "Credentials refused: credential is token or password; reason is wrong (unknown token, wrong name or password, disabled) or throttled (the client failed too often).",
		}, []string{"credential", "reason"}),
		attacks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kpi_signin_attacks_total",
			Help: "Times an account went over its soft cap of failed passwords in an hour, from every address together: someone is guessing (KpiSignInAttack); the log names the account.",
		}),
		slowed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kpi_signin_slowed_total",
			Help: "Password sign-ins slowed down because their account failed more than its soft cap in the last hour, from any address: someone is guessing (KpiSignInAttack).",
		}),
	}
	for _, c := range []string{"token", "password"} {
		for _, r := range []string{"wrong", "throttled"} {
			a.refused.WithLabelValues(c, r)
		}
	}
	if o.Registerer != nil {
		o.Registerer.MustRegister(a.refused, a.attacks, a.slowed)
	}
	return a
}

// DefaultAccountSoftCap is how many failed passwords an account may have in
// an hour, from every address together, before its sign-ins are slowed.
const DefaultAccountSoftCap = 20

// addrKey is the key of a client's failures: its address, or for IPv6 its
// /64 (one subscriber's network, whose addresses are free to pick from).
func addrKey(remote string) string { return "addr:" + clientOf(remote) }

func clientOf(remote string) string {
	a, err := netip.ParseAddr(remote)
	if err != nil || !a.Is6() || a.Is4In6() || a.IsLoopback() {
		return remote
	}
	return netip.PrefixFrom(a, 64).Masked().String()
}

// Token returns the unrevoked token a secret stands for, its Hash set. A
// missing, unknown or revoked secret is EUNAUTHORIZED and counts as a
// failure of the client address; such a secret from a client over its
// failures is refused with CodeTooManyRequests instead. A valid token is
// never refused for its client's failures: behind a NAT or a proxy one
// address may carry a guesser and every unit at once. request, if not
// empty, says in the audit entry what was asked for.
func (a *Authenticator) Token(ctx context.Context, secret, remote, request string) (kpi.Token, error) {
	secret = strings.TrimSpace(secret)
	var denied *kpi.Error
	if secret == "" {
		denied = kpi.Errorf(kpi.EUNAUTHORIZED,
			"缺少访问令牌\nmissing access token: send the header 'Authorization: Bearer <token>' (the operator creates tokens with 'kpimon token create')")
	} else {
		hash := kpi.HashToken(secret)
		tok, err := a.store.TokenByHash(ctx, hash)
		switch code := kpi.ErrorCode(err); code {
		case "":
			tok.Hash = hash
			return tok, nil
		case kpi.EUNAUTHORIZED, kpi.ENOTFOUND:
			denied = kpi.Errorf(kpi.EUNAUTHORIZED,
				"访问令牌无效或已吊销\nunknown or revoked access token: check the token, or ask the operator for a new one ('kpimon token list')")
		default:
			return kpi.Token{}, fmt.Errorf("look up access token: %w", err)
		}
	}
	if wait := a.clients.Wait(addrKey(remote)); wait > 0 {
		a.refused.WithLabelValues("token", "throttled").Inc()
		a.deny(ctx, remote, request, "throttled")
		return kpi.Token{}, throttled(wait)
	}
	a.refused.WithLabelValues("token", "wrong").Inc()
	a.clients.Fail(addrKey(remote))
	if err := a.deny(ctx, remote, request, denied.Message); err != nil {
		// The refusal stands; the failed audit travels with it to be logged.
		return kpi.Token{}, errors.Join(denied, err)
	}
	return kpi.Token{}, denied
}

// Flush writes the folded counts of refusals whose minute is over; serve
// calls it at shutdown, and refusals call it as they come.
func (a *Authenticator) Flush(ctx context.Context) error {
	return a.denials.flush(ctx, a.store, a.now(), true)
}

// deny records a refusal from remote: the first of each client and minute
// at once, the rest of that minute folded into one entry with their count.
func (a *Authenticator) deny(ctx context.Context, remote, request, detail string) error {
	now := a.now()
	first := a.denials.count(remote, now)
	if ferr := a.denials.flush(ctx, a.store, now, false); ferr != nil {
		a.log.Error("audit folded refusals", "err", ferr)
	}
	if !first {
		return nil
	}
	if request != "" {
		detail = request + ": " + detail
	}
	entry := kpi.AuditEntry{At: now, Actor: "anonymous", Remote: remote, Action: kpi.ActionAccessDenied, Detail: kpi.ExcerptN(detail, 400)}
	if err := a.store.AppendAudit(ctx, entry); err != nil {
		return fmt.Errorf("audit refused access: %w", err)
	}
	return nil
}

// maxFolds bounds the clients whose refusals are counted in one minute;
// beyond it they share one count.
const maxFolds = 10_000

type foldKey struct {
	remote string
	minute int64 // Unix minute
}

type fold struct{ n int }

// denials folds refusals per client address and minute.
type denials struct {
	mu    sync.Mutex
	folds map[foldKey]*fold
}

// count records a refusal and reports whether it is the first of its
// client and minute.
func (d *denials) count(remote string, now time.Time) bool {
	k := foldKey{remote: remote, minute: now.Unix() / 60}
	d.mu.Lock()
	defer d.mu.Unlock()
	if f, ok := d.folds[k]; ok {
		f.n++
		return false
	}
	if len(d.folds) >= maxFolds {
		k.remote = "(many clients)"
		if f, ok := d.folds[k]; ok {
			f.n++
			return false
		}
	}
	d.folds[k] = &fold{n: 1}
	return true
}

// flush writes one entry per client and past minute (every minute when
// all) with the refusals after its first.
func (d *denials) flush(ctx context.Context, store kpi.Store, now time.Time, all bool) error {
	current := now.Unix() / 60
	d.mu.Lock()
	var done []kpi.AuditEntry
	for k, f := range d.folds {
		if !all && k.minute >= current {
			continue
		}
		delete(d.folds, k)
		if f.n > 1 {
			at := time.Unix(k.minute*60, 0).In(kpi.China)
			done = append(done, kpi.AuditEntry{At: now, Actor: "anonymous", Remote: k.remote, Action: kpi.ActionAccessDenied,
				Detail: fmt.Sprintf("又拒绝 %d 次（%s 这一分钟内，首次已单独记录）\n%d more refused in the minute from %s (the first is recorded on its own)",
					f.n-1, present.Time(at), f.n-1, present.Time(at))})
		}
	}
	d.mu.Unlock()
	var errs []error
	for _, e := range done {
		if err := store.AppendAudit(ctx, e); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
