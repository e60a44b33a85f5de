package access

import (
	"context"
	"fmt"
	"strings"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// Public names of submitters that are not a unit's credential.
const (
	publicBureau   = "区统计局"
	publicOperator = "系统管理员"
)

// PublicSubmitters returns what readers who are not signed in see in place
// of a figure's SubmittedBy: the unit of the user or token that sent it
// (区统计局 for the bureau's), the pull source's own name, and 系统管理员
// for the operator's CLI. A user name is half of a password guess, and a
// token's name may be a person's: neither is shown to strangers.
func (a *Authenticator) PublicSubmitters(ctx context.Context) (func(submittedBy string) string, error) {
	units := map[string]string{}
	tokens, err := a.store.Tokens(ctx)
	if err != nil {
		return nil, fmt.Errorf("public submitters: %w", err)
	}
	for _, t := range tokens {
		units[t.Name] = unitWord(t.All, t.Units)
	}
	if a.users != nil {
		users, err := a.users.Users(ctx)
		if err != nil {
			return nil, fmt.Errorf("public submitters: %w", err)
		}
		for _, u := range users {
			units[u.Name] = unitWord(u.All, []string{u.Unit})
		}
	}
	return func(by string) string {
		if unit, ok := units[by]; ok {
			return unit
		}
		if strings.HasPrefix(by, "pull:") {
			return by // a source the operator named, not a person
		}
		return publicOperator
	}, nil
}

func unitWord(all bool, units []string) string {
	if all || len(units) == 0 {
		return publicBureau
	}
	return strings.Join(units, "、")
}

// PublicObservations replaces SubmittedBy in obs (in place) by what
// PublicSubmitters shows.
func PublicObservations(public func(string) string, obs []kpi.Observation) {
	for i := range obs {
		obs[i].SubmittedBy = public(obs[i].SubmittedBy)
	}
}
