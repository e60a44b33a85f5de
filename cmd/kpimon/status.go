package main

import (
	"context"
	"errors"
)

// cmdStatus is a placeholder until its owner writes it.
func cmdStatus(ctx context.Context, e *env, args []string) error {
	return errors.New("status: not implemented yet")
}
