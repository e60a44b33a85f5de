package access

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// Password hashing: argon2id with the second recommended option of RFC 9106
// §4 for memory-constrained hosts (64 MiB, 3 passes), 2 lanes (the
// servers this runs on have 2 cores), a 16-byte random salt and a 32-byte
// key. A hash is stored in the PHC form with its parameters,
// "$argon2id$v=19$m=65536,t=3,p=2$<salt>$<key>", so raising them later
// leaves existing hashes readable. One hash takes about 0.1–0.3 s and 64
// MiB; at most two run at once (hashSlots), so a burst of sign-ins cannot
// take more than 128 MiB.
const (
	argonTime    = 3
	argonMemory  = 64 << 10 // KiB
	argonThreads = 2
	argonKeyLen  = 32
	argonSaltLen = 16
)

// MinPasswordRunes is the shortest password accepted.
const MinPasswordRunes = 10

// errWeakPassword is wrapped by CheckPasswordRules' refusals.
var errWeakPassword = errors.New("weak password")

// CheckPasswordRules refuses a password too short to resist guessing.
func CheckPasswordRules(pw string) error {
	if utf8.RuneCountInString(pw) < MinPasswordRunes {
		return fmt.Errorf("密码至少 %d 个字符\na password needs at least %d characters: %w", MinPasswordRunes, MinPasswordRunes, errWeakPassword)
	}
	return nil
}

// HashPassword returns the argon2id hash of pw in PHC form.
func (a *Authenticator) HashPassword(ctx context.Context, pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key, err := a.argon(ctx, []byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	if err != nil {
		return "", err
	}
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// verifyPassword reports whether pw matches the PHC-form hash.
func (a *Authenticator) verifyPassword(ctx context.Context, hash, pw string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, fmt.Errorf("password hash: not argon2id in PHC form")
	}
	var version int
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, fmt.Errorf("password hash: version %q", parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || m > 1<<20 || t == 0 || t > 16 || p == 0 {
		return false, fmt.Errorf("password hash: parameters %q", parts[3])
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || len(want) > 64 {
		return false, fmt.Errorf("password hash: bad salt or key")
	}
	got, err := a.argon(ctx, []byte(pw), salt, t, m, p, uint32(len(want)))
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// argon runs argon2id in one of the hash slots.
func (a *Authenticator) argon(ctx context.Context, pw, salt []byte, t, m uint32, p uint8, keyLen uint32) ([]byte, error) {
	select {
	case a.hashSlots <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("hash password: %w", ctx.Err())
	}
	defer func() { <-a.hashSlots }()
	return argon2.IDKey(pw, salt, t, m, p, keyLen), nil
}

// dummyHash is verified against when the user does not exist, so a wrong
// name takes as long as a wrong password.
const dummyHash = "$argon2id$v=19$m=65536,t=3,p=2$c2FsdHNhbHRzYWx0c2FsdA$2HdwDGJQqmVqSz9bkRlGYT0wM3qXGoL3zETKx/3Xjyk"

// Password returns the enabled user the name and password stand for. A
// wrong name or password is EUNAUTHORIZED (the same message for both) and
// counts as a failure of the client address, of the (account, client)
// pair and of the account. A client over its own failures, or over its
// failures on this account, is refused (CodeTooManyRequests) without the
// password being checked. An account over its soft cap (failures from
// every client together) is slowed, not refused: the attempt waits
// SlowDelay, then is checked, so the real user at a clean address still
// signs in. Refusals are audited as token refusals are.
func (a *Authenticator) Password(ctx context.Context, name, pw, remote string) (kpi.User, error) {
	if a.users == nil {
		return kpi.User{}, errors.New("password sign-in: no account store")
	}
	name = strings.TrimSpace(name)
	pair := name + " " + clientOf(remote)
	if wait := max(a.clients.Wait(addrKey(remote)), a.accountClients.Wait(pair)); wait > 0 {
		a.refused.WithLabelValues("password", "throttled").Inc()
		a.deny(ctx, remote, "web sign-in "+kpi.Excerpt(name), "throttled")
		return kpi.User{}, throttled(wait)
	}
	if a.accounts.Wait(name) > 0 {
		a.slowed.Inc()
		select {
		case <-time.After(a.slowDelay):
		case <-ctx.Done():
			return kpi.User{}, fmt.Errorf("password sign-in: %w", ctx.Err())
		}
	}
	u, err := a.users.User(ctx, name)
	hash := u.PasswordHash
	switch kpi.ErrorCode(err) {
	case "":
	case kpi.ENOTFOUND:
		hash = dummyHash
	default:
		return kpi.User{}, fmt.Errorf("look up user: %w", err)
	}
	ok, verr := a.verifyPassword(ctx, hash, pw)
	if verr != nil && err == nil {
		return kpi.User{}, fmt.Errorf("user %s: %w", name, verr)
	}
	if ok && err == nil && u.DisabledAt == nil {
		a.accountClients.Succeed(pair)
		return u, nil
	}
	a.refused.WithLabelValues("password", "wrong").Inc()
	a.clients.Fail(addrKey(remote))
	a.accountClients.Fail(pair)
	wasOver := a.accounts.Wait(name) > 0
	if a.accounts.Fail(name) > 0 && !wasOver {
		// Logged and counted as the account goes over its cap, not per guess.
		a.attacks.Inc()
		a.log.Warn("sign-in: an account failed more than its soft cap in an hour; its sign-ins are slowed (someone is guessing its password)",
			"user", kpi.Excerpt(name), "remote", remote)
	}
	denied := kpi.Errorf(kpi.EUNAUTHORIZED, "用户名或密码不正确，或账号已停用\nwrong user name or password, or the account is disabled")
	if err := a.deny(ctx, remote, "web sign-in "+kpi.Excerpt(name), denied.Message); err != nil {
		return kpi.User{}, errors.Join(denied, err)
	}
	return kpi.User{}, denied
}

// CheckPassword verifies a signed-in user's current password (to change
// it); a wrong one counts as a failure of the account.
func (a *Authenticator) CheckPassword(ctx context.Context, u kpi.User, pw string) error {
	acct := "change:" + u.Name // only its own sessions reach this
	if wait := a.accountClients.Wait(acct); wait > 0 {
		return throttled(wait)
	}
	ok, err := a.verifyPassword(ctx, u.PasswordHash, pw)
	if err != nil {
		return fmt.Errorf("user %s: %w", u.Name, err)
	}
	if !ok {
		a.accountClients.Fail(acct)
		return kpi.Errorf(kpi.EUNAUTHORIZED, "当前密码不正确\nthe current password is wrong")
	}
	return nil
}
