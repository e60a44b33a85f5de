package main

import (
	"context"
	"errors"
)

// cmdIngest is a placeholder until its owner writes it.
func cmdIngest(ctx context.Context, e *env, args []string) error {
	return errors.New("ingest: not implemented yet")
}
