package main

import (
	"context"
	"errors"
)

// cmdTargets is a placeholder until its owner writes it.
func cmdTargets(ctx context.Context, e *env, args []string) error {
	return errors.New("targets: not implemented yet")
}
