package boltstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// tokenRecord is a stored token: kpi.Token hides its hash from JSON, the
// store keeps it (the hash only, never the secret).
type tokenRecord struct {
	kpi.Token
	Hash string `json:"hash"`
}

func (r tokenRecord) token() kpi.Token {
	t := r.Token
	t.Hash = r.Hash
	return t
}

// CreateToken stores a new token, audited as token.create. The name must be
// new (names of revoked tokens stay taken, so the audit log stays
// unambiguous): ECONFLICT otherwise. t.Hash is kpi.HashToken of the secret.
func (s *Store) CreateToken(ctx context.Context, t kpi.Token, actor kpi.Actor) error {
	switch {
	case strings.TrimSpace(t.Name) == "":
		return kpi.Errorf(kpi.EINVALID, "create token: the name is empty: give the token a name, e.g. the unit it is for")
	case t.Hash == "":
		return kpi.Errorf(kpi.EINVALID, "create token %q: no hash: store kpi.HashToken(secret), never the secret", t.Name)
	}
	now := s.now()
	if t.CreatedAt.IsZero() {
		t.CreatedAt = now
	}
	return s.update(ctx, "create token", func(tx *bolt.Tx) (bool, error) {
		tokens, hashes := tx.Bucket(bucketTokens), tx.Bucket(bucketTokenHashes)
		if tokens.Get([]byte(t.Name)) != nil {
			return false, kpi.Errorf(kpi.ECONFLICT, "create token: the name %q is taken: choose another (kpimon token list shows them all)", t.Name)
		}
		if hashes.Get([]byte(t.Hash)) != nil {
			return false, kpi.Errorf(kpi.ECONFLICT, "create token %q: another token has the same secret: generate a new secret", t.Name)
		}
		if err := putJSON(tokens, []byte(t.Name), tokenRecord{Token: t, Hash: t.Hash}); err != nil {
			return false, fmt.Errorf("create token %q: %w", t.Name, err)
		}
		if err := hashes.Put([]byte(t.Hash), []byte(t.Name)); err != nil {
			return false, fmt.Errorf("create token %q: %w", t.Name, err)
		}
		detail := "units: " + strings.Join(t.Units, "、")
		if t.All {
			detail = "all units"
		}
		if t.Supervisor {
			detail = "the supervision office"
		}
		err := newAuditWriter(tx, &arena{}).append(&kpi.AuditEntry{
			At: now, Actor: actor.Name, Remote: actor.Remote,
			Action: kpi.ActionTokenCreate, Object: t.Name, Detail: detail,
		})
		return err == nil, err
	}, nil)
}

// Tokens lists every token by name, revoked ones included, hashes set.
func (s *Store) Tokens(ctx context.Context) ([]kpi.Token, error) {
	var out []kpi.Token
	err := s.view(ctx, "tokens", func(tx *bolt.Tx) error {
		out = nil
		return tx.Bucket(bucketTokens).ForEach(func(k, v []byte) error {
			var r tokenRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("token %q: %w", k, err)
			}
			out = append(out, r.token())
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	return out, nil
}

// TokenByHash returns the unrevoked token with the hash; EUNAUTHORIZED if
// there is none or it was revoked.
func (s *Store) TokenByHash(ctx context.Context, hash string) (kpi.Token, error) {
	var r tokenRecord
	var found bool
	err := s.view(ctx, "token by hash", func(tx *bolt.Tx) error {
		name := tx.Bucket(bucketTokenHashes).Get([]byte(hash))
		if name == nil {
			return nil
		}
		v := tx.Bucket(bucketTokens).Get(name)
		if v == nil {
			return fmt.Errorf("token %q indexed but missing: %w", name, errCorrupt)
		}
		found = true
		return json.Unmarshal(v, &r)
	})
	if err != nil {
		return kpi.Token{}, fmt.Errorf("token by hash: %w", err)
	}
	if !found || r.RevokedAt != nil {
		return kpi.Token{}, kpi.Errorf(kpi.EUNAUTHORIZED, "unknown or revoked token: ask the operator for a valid one")
	}
	return r.token(), nil
}

// RevokeToken revokes a token by name, audited as token.revoke; ENOTFOUND
// if there is none. Revoking a revoked token changes nothing.
func (s *Store) RevokeToken(ctx context.Context, name string, actor kpi.Actor) error {
	return s.update(ctx, "revoke token", func(tx *bolt.Tx) (bool, error) {
		tokens := tx.Bucket(bucketTokens)
		v := tokens.Get([]byte(name))
		if v == nil {
			return false, kpi.Errorf(kpi.ENOTFOUND, "revoke token: no token named %q (kpimon token list shows them all)", name)
		}
		var r tokenRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return false, fmt.Errorf("revoke token %q: %w", name, err)
		}
		if r.RevokedAt != nil {
			return false, nil
		}
		now := s.now()
		r.RevokedAt = &now
		if err := putJSON(tokens, []byte(name), r); err != nil {
			return false, fmt.Errorf("revoke token %q: %w", name, err)
		}
		err := newAuditWriter(tx, &arena{}).append(&kpi.AuditEntry{
			At: now, Actor: actor.Name, Remote: actor.Remote, Action: kpi.ActionTokenRevoke, Object: name,
		})
		return err == nil, err
	}, nil)
}
