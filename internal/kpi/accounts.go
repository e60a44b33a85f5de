package kpi

import (
	"context"
	"time"
)

// User is a person who signs in on the web page with a name and a
// password: a unit's staff (Unit set) or the statistics bureau (All: every
// indicator). Machines (the API, pulls) use tokens instead.
type User struct {
	Name         string     `json:"name"`
	Unit         string     `json:"unit,omitempty"`
	All          bool       `json:"all"`
	Role         string     `json:"role,omitempty"` // RoleSupervisor, or empty: by Unit and All
	PasswordHash string     `json:"-"`              // argon2id, encoded with its parameters
	CreatedAt    time.Time  `json:"created_at"`
	DisabledAt   *time.Time `json:"disabled_at,omitempty"`
}

// RoleSupervisor is the role of the supervision office's users: they see
// every indicator and review supervision items, and submit no figures.
const RoleSupervisor = "supervisor"

// Actor returns the actor the user stands for.
func (u User) Actor(remote string) Actor {
	a := Actor{Name: u.Name, All: u.All, Remote: remote, Supervisor: u.Role == RoleSupervisor}
	if u.Unit != "" {
		a.Units = []string{u.Unit}
	}
	return a
}

// Session is one signed-in browser, kept so that it survives a restart.
// It is found by the hash of its cookie (the cookie itself is not stored),
// and belongs to a user or, for sign-ins with a token, to a token.
type Session struct {
	IDHash    string    `json:"-"` // HashToken of the cookie's value: the key
	CSRF      string    `json:"csrf"`
	User      string    `json:"user,omitempty"`
	TokenHash string    `json:"token_hash,omitempty"`
	TokenName string    `json:"token_name,omitempty"`
	Created   time.Time `json:"created"`
	Expires   time.Time `json:"expires"`
}

// AccountStore keeps users and web sessions. Its writes do not change
// figures or targets (they leave Store.Generation alone).
type AccountStore interface {
	// CreateUser stores a new user, audited; ECONFLICT if the name is taken.
	CreateUser(ctx context.Context, u User, actor Actor) error
	// Users lists every user by name, disabled ones included.
	Users(ctx context.Context) ([]User, error)
	// User returns one user, its PasswordHash set; ENOTFOUND if none.
	User(ctx context.Context, name string) (User, error)
	// SetPassword replaces a user's password hash, audited.
	SetPassword(ctx context.Context, name, hash string, actor Actor) error
	// DisableUser disables a user and ends its sessions, audited.
	DisableUser(ctx context.Context, name string, actor Actor) error

	// PutSession stores (or replaces) a session.
	PutSession(ctx context.Context, s Session) error
	// Session returns the session with the id hash; ENOTFOUND if none or expired at now.
	Session(ctx context.Context, idHash string, now time.Time) (Session, error)
	// DeleteSession removes a session (sign-out); no error if it is gone.
	DeleteSession(ctx context.Context, idHash string) error
	// SweepSessions removes sessions expired at now and returns how many.
	SweepSessions(ctx context.Context, now time.Time) (int, error)
}
