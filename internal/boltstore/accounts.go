package boltstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// Users and sessions live in their own buckets; their writes pass no
// committed callback to update, so they never advance Generation or wake
// Changed (no /metrics rendering for a sign-in).

// userRecord is a stored user: kpi.User hides its hash from JSON.
type userRecord struct {
	kpi.User
	PasswordHash string `json:"password_hash"`
}

// CreateUser stores a new user, audited as user.create.
func (s *Store) CreateUser(ctx context.Context, u kpi.User, actor kpi.Actor) error {
	switch {
	case strings.TrimSpace(u.Name) == "" || strings.ContainsAny(u.Name, " \t\n\x00"):
		return kpi.Errorf(kpi.EINVALID, "create user: the name %q is empty or has spaces: use letters, digits, - or _", u.Name)
	case u.PasswordHash == "":
		return kpi.Errorf(kpi.EINVALID, "create user %q: no password hash", u.Name)
	case u.Role != "" && u.Role != kpi.RoleSupervisor:
		return kpi.Errorf(kpi.EINVALID, "create user %q: unknown role %q (supervisor, or none)", u.Name, u.Role)
	case u.Role == kpi.RoleSupervisor && (u.All || u.Unit != ""):
		return kpi.Errorf(kpi.EINVALID, "create user %q: a supervisor belongs to no unit and not to the bureau", u.Name)
	case u.Role == "" && u.All == (u.Unit != ""):
		return kpi.Errorf(kpi.EINVALID, "create user %q: give exactly one of a unit or the bureau (all indicators)", u.Name)
	}
	now := s.now()
	if u.CreatedAt.IsZero() {
		u.CreatedAt = now
	}
	return s.update(ctx, "create user", func(tx *bolt.Tx) (bool, error) {
		users := tx.Bucket(bucketUsers)
		if users.Get([]byte(u.Name)) != nil {
			return false, kpi.Errorf(kpi.ECONFLICT, "create user: the name %q is taken (kpimon user list shows them all)", u.Name)
		}
		if err := putJSON(users, []byte(u.Name), userRecord{User: u, PasswordHash: u.PasswordHash}); err != nil {
			return false, fmt.Errorf("create user %q: %w", u.Name, err)
		}
		detail := "unit: " + u.Unit
		if u.All {
			detail = "the bureau: all indicators"
		}
		if u.Role == kpi.RoleSupervisor {
			detail = "the supervision office: reviews supervision items"
		}
		err := newAuditWriter(tx, &arena{}).append(&kpi.AuditEntry{At: now, Actor: actor.Name, Remote: actor.Remote,
			Action: kpi.ActionUserCreate, Object: u.Name, Detail: detail})
		return err == nil, err
	}, nil)
}

// Users lists every user by name, disabled ones included, hashes set.
func (s *Store) Users(ctx context.Context) ([]kpi.User, error) {
	var out []kpi.User
	err := s.view(ctx, "users", func(tx *bolt.Tx) error {
		out = nil
		return tx.Bucket(bucketUsers).ForEach(func(k, v []byte) error {
			u, err := decodeUser(k, v)
			out = append(out, u)
			return err
		})
	})
	return out, err
}

// User returns one user; ENOTFOUND if none.
func (s *Store) User(ctx context.Context, name string) (kpi.User, error) {
	var u kpi.User
	err := s.view(ctx, "user", func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketUsers).Get([]byte(name))
		if v == nil {
			return kpi.Errorf(kpi.ENOTFOUND, "no user named %q (kpimon user list shows them all)", name)
		}
		var err error
		u, err = decodeUser([]byte(name), v)
		return err
	})
	return u, err
}

func decodeUser(k, v []byte) (kpi.User, error) {
	var r userRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return kpi.User{}, fmt.Errorf("user %q: %w", k, err)
	}
	u := r.User
	u.PasswordHash = r.PasswordHash
	return u, nil
}

// SetPassword replaces a user's password hash, audited as user.password.
func (s *Store) SetPassword(ctx context.Context, name, hash string, actor kpi.Actor) error {
	return s.changeUser(ctx, "set password", name, actor, kpi.ActionUserPassword, "", func(u *kpi.User) { u.PasswordHash = hash })
}

// DisableUser disables a user and deletes its sessions, audited as user.disable.
func (s *Store) DisableUser(ctx context.Context, name string, actor kpi.Actor) error {
	now := s.now()
	return s.changeUser(ctx, "disable user", name, actor, kpi.ActionUserDisable, "", func(u *kpi.User) {
		if u.DisabledAt == nil {
			u.DisabledAt = &now
		}
	})
}

// EnableUser lets a disabled user sign in again, with the password they
// had (set a new one with SetPassword if it may be known to others),
// audited. Enabling an enabled user changes nothing but the audit log.
func (s *Store) EnableUser(ctx context.Context, name string, actor kpi.Actor) error {
	return s.changeUser(ctx, "enable user", name, actor, kpi.ActionUserEnable, "", func(u *kpi.User) {
		u.DisabledAt = nil
	})
}

func (s *Store) changeUser(ctx context.Context, what, name string, actor kpi.Actor, action, detail string, change func(*kpi.User)) error {
	now := s.now()
	return s.update(ctx, what, func(tx *bolt.Tx) (bool, error) {
		users := tx.Bucket(bucketUsers)
		v := users.Get([]byte(name))
		if v == nil {
			return false, kpi.Errorf(kpi.ENOTFOUND, "%s: no user named %q (kpimon user list shows them all)", what, name)
		}
		u, err := decodeUser([]byte(name), v)
		if err != nil {
			return false, err
		}
		change(&u)
		if err := putJSON(users, []byte(name), userRecord{User: u, PasswordHash: u.PasswordHash}); err != nil {
			return false, fmt.Errorf("%s %q: %w", what, name, err)
		}
		// A disabled user, or one whose password changed, is signed out
		// everywhere (the session that changed it signs in afresh).
		if err := deleteSessionsOf(tx, name); err != nil {
			return false, err
		}
		err = newAuditWriter(tx, &arena{}).append(&kpi.AuditEntry{At: now, Actor: actor.Name, Remote: actor.Remote,
			Action: action, Object: name, Detail: detail})
		return err == nil, err
	}, nil)
}

func deleteSessionsOf(tx *bolt.Tx, user string) error {
	b := tx.Bucket(bucketSessions)
	var doomed [][]byte
	err := b.ForEach(func(k, v []byte) error {
		var sess kpi.Session
		if json.Unmarshal(v, &sess) == nil && sess.User == user {
			doomed = append(doomed, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range doomed {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// PutSession stores or replaces a session under its id hash.
func (s *Store) PutSession(ctx context.Context, sess kpi.Session) error {
	if sess.IDHash == "" {
		return kpi.Errorf(kpi.EINVALID, "put session: no id hash")
	}
	return s.update(ctx, "put session", func(tx *bolt.Tx) (bool, error) {
		return true, putJSON(tx.Bucket(bucketSessions), []byte(sess.IDHash), sess)
	}, nil)
}

// Session returns the live session with the id hash; ENOTFOUND if none or expired.
func (s *Store) Session(ctx context.Context, idHash string, now time.Time) (kpi.Session, error) {
	var sess kpi.Session
	err := s.view(ctx, "session", func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketSessions).Get([]byte(idHash))
		if v == nil {
			return kpi.Errorf(kpi.ENOTFOUND, "no such session")
		}
		if err := json.Unmarshal(v, &sess); err != nil {
			return fmt.Errorf("session: %w", err)
		}
		sess.IDHash = idHash
		if !now.Before(sess.Expires) {
			return kpi.Errorf(kpi.ENOTFOUND, "the session has expired")
		}
		return nil
	})
	return sess, err
}

// DeleteSession removes a session.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	return s.update(ctx, "delete session", func(tx *bolt.Tx) (bool, error) {
		b := tx.Bucket(bucketSessions)
		if b.Get([]byte(idHash)) == nil {
			return false, nil
		}
		return true, b.Delete([]byte(idHash))
	}, nil)
}

// SweepSessions removes the sessions expired at now.
func (s *Store) SweepSessions(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := s.update(ctx, "sweep sessions", func(tx *bolt.Tx) (bool, error) {
		b := tx.Bucket(bucketSessions)
		var doomed [][]byte
		err := b.ForEach(func(k, v []byte) error {
			var sess kpi.Session
			if json.Unmarshal(v, &sess) != nil || !now.Before(sess.Expires) {
				doomed = append(doomed, append([]byte(nil), k...))
			}
			return nil
		})
		if err != nil {
			return false, err
		}
		for _, k := range doomed {
			if err := b.Delete(k); err != nil {
				return false, err
			}
		}
		n = len(doomed)
		return n > 0, nil
	}, nil)
	return n, err
}
