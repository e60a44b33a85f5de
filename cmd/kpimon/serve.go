package main

import (
	"context"
	"errors"
)

// cmdServe is a placeholder until its owner writes it.
func cmdServe(ctx context.Context, e *env, args []string) error {
	return errors.New("serve: not implemented yet")
}
