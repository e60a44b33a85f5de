package boltstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/testkit"
)

// TestAccountWritesLeaveGeneration: users and sessions change no figure or
// target, so they must not wake the /metrics rendering.
func TestAccountWritesLeaveGeneration(t *testing.T) {
	ctx := context.Background()
	st := testkit.Store(t, kpi.Catalog{}, nil)
	gen, changed := st.Generation(), st.Changed()
	now := time.Now()
	op := kpi.Actor{Name: "operator"}
	steps := []struct {
		name string
		do   func() error
	}{
		{"create user", func() error {
			return st.CreateUser(ctx, kpi.User{Name: "zhangsan", Unit: "区科工信局", PasswordHash: "$argon2id$x"}, op)
		}},
		{"put session", func() error {
			return st.PutSession(ctx, kpi.Session{IDHash: "h1", User: "zhangsan", Created: now, Expires: now.Add(time.Hour)})
		}},
		{"set password", func() error { return st.SetPassword(ctx, "zhangsan", "$argon2id$y", op) }},
		{"disable user", func() error { return st.DisableUser(ctx, "zhangsan", op) }},
		{"sweep sessions", func() error { _, err := st.SweepSessions(ctx, now.Add(2*time.Hour)); return err }},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := st.Generation(); got != gen {
			t.Errorf("%s moved Generation %d → %d", s.name, gen, got)
		}
	}
	select {
	case <-changed:
		t.Error("account writes closed the Changed channel")
	default:
	}
	if _, err := st.Session(ctx, "h1", now); kpi.ErrorCode(err) != kpi.ENOTFOUND {
		t.Errorf("session of a user whose password changed: %v, want ENOTFOUND", err)
	}
}
