package main

import (
	"context"
	"errors"
)

// cmdTemplate is a placeholder until its owner writes it.
func cmdTemplate(ctx context.Context, e *env, args []string) error {
	return errors.New("template: not implemented yet")
}
