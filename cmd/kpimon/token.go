package main

import (
	"context"
	"errors"
)

// cmdToken is a placeholder until its owner writes it.
func cmdToken(ctx context.Context, e *env, args []string) error {
	return errors.New("token: not implemented yet")
}
