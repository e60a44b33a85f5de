package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

func addVersionCommand(c *cli) {
	cmd := c.command("version", "print the version", "Print kpimon's version and the Go version it was built with.", "kpimon version")
	c.action(cmd, func(context.Context) error {
		goVersion := "unknown"
		if bi, ok := debug.ReadBuildInfo(); ok {
			goVersion = bi.GoVersion
		}
		fmt.Fprintf(c.e.stdout, "kpimon %s (%s)\n", version, goVersion)
		return nil
	})
}
