package web

import (
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
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
	now := time.Date(2022, 1, 1, 9, 0, 0, 0, kpi.China)
	clock := func() time.Time { return now }
	tok := kpi.Token{Name: "unit", Hash: kpi.HashToken("kpm_x")}

	t.Run("live session is found and its life extended", func(t *testing.T) {
		st := newSessionStore(time.Hour, clock)
		sess, err := st.create(tok)
		if err != nil {
			t.Fatal(err)
		}
		now = now.Add(50 * time.Minute)
		if _, ok := st.get(sess.id); !ok {
			t.Fatalf("get after 50m: session gone, want it live")
		}
		now = now.Add(50 * time.Minute) // 100m after creation, 50m after last use
		if _, ok := st.get(sess.id); !ok {
			t.Errorf("get 50m after last use: session gone, want it live")
		}
	})
	t.Run("idle session expires", func(t *testing.T) {
		st := newSessionStore(time.Hour, clock)
		sess, err := st.create(tok)
		if err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Hour)
		if _, ok := st.get(sess.id); ok {
			t.Errorf("get after the TTL: session live, want expired")
		}
	})
	t.Run("revoked token ends all its sessions", func(t *testing.T) {
		st := newSessionStore(time.Hour, clock)
		a, _ := st.create(tok)
		b, _ := st.create(tok)
		other, _ := st.create(kpi.Token{Name: "other", Hash: kpi.HashToken("kpm_y")})
		st.deleteToken(tok.Hash)
		for _, id := range []string{a.id, b.id} {
			if _, ok := st.get(id); ok {
				t.Errorf("session of the revoked token still live")
			}
		}
		if _, ok := st.get(other.id); !ok {
			t.Errorf("session of another token ended, want it live")
		}
	})
	t.Run("ids and CSRF tokens are distinct", func(t *testing.T) {
		st := newSessionStore(time.Hour, clock)
		a, _ := st.create(tok)
		b, _ := st.create(tok)
		if a.id == b.id || a.csrf == b.csrf || a.id == a.csrf {
			t.Errorf("sessions share secrets: %+v %+v", a, b)
		}
	})
	t.Run("expired sessions are swept on create", func(t *testing.T) {
		st := newSessionStore(time.Hour, clock)
		for range 5 {
			if _, err := st.create(tok); err != nil {
				t.Fatal(err)
			}
		}
		now = now.Add(2 * time.Hour)
		if _, err := st.create(tok); err != nil {
			t.Fatal(err)
		}
		if got, want := st.len(), 1; got != want {
			t.Errorf("sessions after sweep = %d, want %d", got, want)
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
