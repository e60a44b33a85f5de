package web

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/testkit"
)

func TestSafeNext(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty goes to submit", "", "/submit"},
		{"local path kept", "/indicators/p/x", "/indicators/p/x"},
		{"query kept", "/submit?indicator=p%2Fx", "/submit?indicator=p%2Fx"},
		{"absolute URL refused", "https://evil.example/", "/submit"},
		{"protocol-relative refused", "//evil.example/", "/submit"},
		{"backslash trick refused", "/\\evil.example", "/submit"},
		{"relative refused", "submit", "/submit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := safeNext(tt.in); got != tt.want {
				t.Errorf("safeNext(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSessionStore(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2022, 1, 1, 9, 0, 0, 0, kpi.China)
	clock := func() time.Time { return now }
	tok := kpi.Token{Name: "unit", Hash: kpi.HashToken("kpm_x")}
	logger := slog.New(slog.DiscardHandler)
	store := testkit.Store(t, kpi.Catalog{}, nil)

	t.Run("live session is found and its life extended", func(t *testing.T) {
		st := newSessionStore(store, time.Hour, clock, logger)
		sess, err := st.create(ctx, "", tok)
		if err != nil {
			t.Fatal(err)
		}
		now = now.Add(50 * time.Minute)
		if _, ok := st.get(ctx, sess.id); !ok {
			t.Fatalf("get after 50m: session gone, want it live")
		}
		now = now.Add(50 * time.Minute) // 100m after creation, 50m after last use
		if _, ok := st.get(ctx, sess.id); !ok {
			t.Errorf("get 50m after last use: session gone, want it live")
		}
	})
	t.Run("idle session expires", func(t *testing.T) {
		st := newSessionStore(store, time.Hour, clock, logger)
		sess, err := st.create(ctx, "zhangsan", kpi.Token{})
		if err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Hour)
		if _, ok := st.get(ctx, sess.id); ok {
			t.Errorf("get after the TTL: session live, want expired")
		}
	})
	t.Run("sessions survive a restart, and only their hash is stored", func(t *testing.T) {
		sess, err := newSessionStore(store, time.Hour, clock, logger).create(ctx, "zhangsan", kpi.Token{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.Session(ctx, sess.id, now); kpi.ErrorCode(err) != kpi.ENOTFOUND {
			t.Errorf("the cookie value itself finds a session (%v): the store must key by its hash", err)
		}
		got, ok := newSessionStore(store, time.Hour, clock, logger).get(ctx, sess.id)
		if !ok || got.user != "zhangsan" || got.csrf != sess.csrf {
			t.Errorf("after a restart get = %+v, %v; want zhangsan's session", got, ok)
		}
	})
	t.Run("ids and CSRF tokens are distinct", func(t *testing.T) {
		st := newSessionStore(store, time.Hour, clock, logger)
		a, _ := st.create(ctx, "", tok)
		b, _ := st.create(ctx, "", tok)
		if a.id == b.id || a.csrf == b.csrf || a.id == a.csrf {
			t.Errorf("sessions share secrets: %+v %+v", a, b)
		}
	})
}

func TestTokensEqual(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{"same", "abc", "abc", true},
		{"different", "abc", "abd", false},
		{"empty never matches", "", "", false},
		{"one empty", "abc", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tokensEqual(tt.a, tt.b); got != tt.want {
				t.Errorf("tokensEqual(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}
