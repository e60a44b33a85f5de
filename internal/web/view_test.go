package web

import (
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
)

func TestFormatNumber(t *testing.T) {
	tests := []struct {
		name string
		in   float64
		want string
	}{
		{"integer", 30, "30"},
		{"decimal", 2.51, "2.51"},
		{"float noise", 0.1 + 0.2, "0.3"},
		{"rounded to four places", 0.331234, "0.3312"},
		{"negative zero", -0.00001, "0"},
		{"negative", -3.5, "-3.5"},
		{"large", 44700, "44700"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatNumber(tt.in); got != tt.want {
				t.Errorf("formatNumber(%v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestTargetText(t *testing.T) {
	baseline := &kpi.Baseline{Period: kpi.YearPeriod(2019), Value: 100}
	tests := []struct {
		name string
		ind  kpi.Indicator
		ev   kpi.Evaluation
		want string
	}{
		{"at least in a count", kpi.Indicator{Kind: kpi.KindAtLeast, Target: 30, Unit: "家"}, kpi.Evaluation{}, "≥ 30 家"},
		{"at least in percent", kpi.Indicator{Kind: kpi.KindAtLeast, Target: 33, Unit: "%"}, kpi.Evaluation{}, "≥ 33%"},
		{"at most", kpi.Indicator{Kind: kpi.KindAtMost, Target: 0.331, Unit: "吨标准煤/万元"}, kpi.Evaluation{}, "≤ 0.331 吨标准煤/万元"},
		{"increase", kpi.Indicator{Kind: kpi.KindIncrease, Unit: "件"}, kpi.Evaluation{}, "逐期增长"},
		{"reduce by without baseline", kpi.Indicator{Kind: kpi.KindReduceBy, Target: 10, Unit: "项"}, kpi.Evaluation{}, "较基期压缩 10% 以上"},
		{"reduce by with baseline", kpi.Indicator{Kind: kpi.KindReduceBy, Target: 10, Unit: "项"}, kpi.Evaluation{Target: 90, Baseline: baseline}, "较基期压缩 10% 以上（≤ 90 项）"},
		{"milestone", kpi.Indicator{Kind: kpi.KindMilestone, Target: 1}, kpi.Evaluation{}, "完成"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := targetText(tt.ind, tt.ev); got != tt.want {
				t.Errorf("targetText(%v) = %q, want %q", tt.ind.Kind, got, tt.want)
			}
		})
	}
}

func TestFormatDueDate(t *testing.T) {
	tests := []struct {
		name string
		in   time.Time
		want string
	}{
		{"midnight is due by the day before", time.Date(2022, 3, 2, 0, 0, 0, 0, kpi.China), "2022-03-01"},
		{"during the day", time.Date(2022, 3, 2, 17, 0, 0, 0, kpi.China), "2022-03-02"},
		{"in UTC, shown in China time", time.Date(2022, 3, 1, 16, 0, 0, 0, time.UTC), "2022-03-01"},
		{"zero", time.Time{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatDueDate(tt.in); got != tt.want {
				t.Errorf("formatDueDate(%v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

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

func TestDerivedFigures(t *testing.T) {
	ind := kpi.Indicator{Unit: "家"}
	ratio := func(v float64) *float64 { return &v }
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"ratio to one decimal", formatRatio(ratio(1.555556)), "155.6%"},
		{"whole ratio", formatRatio(ratio(0.95)), "95%"},
		{"absent ratio", formatRatio(nil), "—"},
		{"expected to two decimals", optNumber(ind, ratio(27.72534)), "27.73 家"},
		{"absent figure", optNumber(ind, nil), "—"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}
