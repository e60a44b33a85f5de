package main

import (
	"fmt"
	"log/slog"
	"math"
	"runtime/debug"
	"strings"

	"github.com/KimMachineGun/automemlimit/memlimit"
	"github.com/alecthomas/units"
)

// memoryLimitRatio is the share of the container's memory limit that Go's
// soft limit is set to, as Prometheus does (--auto-gomemlimit.ratio):
// the rest is left for what the runtime does not count (the mapped bbolt
// file, stacks, fragmentation).
const memoryLimitRatio = 0.9

// memoryLimit is what --memory.limit sets.
type memoryLimit struct {
	bytes  int64  // the limit; math.MaxInt64 for none
	source string // flag, GOMEMLIMIT, cgroup or none
}

// setMemoryLimit sets the Go runtime's soft memory limit, which makes the
// garbage collector work harder as the heap nears it instead of letting it
// grow to twice the live heap: flag (--memory.limit) when given ("0" for
// none), else GOMEMLIMIT when set, else 90 % of the cgroup's memory limit
// (a container's, via automemlimit) when there is one. cgroup reads the
// container's limit; tests pass their own.
func setMemoryLimit(flag string, getenv func(string) string, cgroup memlimit.Provider, logger *slog.Logger) (memoryLimit, error) {
	if flag = strings.TrimSpace(flag); flag != "" {
		n, err := units.ParseBase2Bytes(flag)
		if err != nil || n < 0 {
			return memoryLimit{}, fmt.Errorf("--memory.limit %q: want a size such as 900MiB or 2GiB, or 0 for no limit", flag)
		}
		if n == 0 {
			debug.SetMemoryLimit(math.MaxInt64)
			return memoryLimit{bytes: math.MaxInt64, source: "none"}, nil
		}
		debug.SetMemoryLimit(int64(n))
		return memoryLimit{bytes: int64(n), source: "flag"}, nil
	}
	if getenv("GOMEMLIMIT") != "" { // read by the runtime at start
		return memoryLimit{bytes: debug.SetMemoryLimit(-1), source: "GOMEMLIMIT"}, nil
	}
	limit, err := cgroup()
	if err != nil || limit == 0 || limit > math.MaxInt64 {
		// No container limit (memlimit.ErrNoLimit) or none readable:
		// the runtime's default, no limit.
		logger.Debug("no container memory limit found", "err", err)
		return memoryLimit{bytes: debug.SetMemoryLimit(-1), source: "none"}, nil
	}
	n := int64(float64(limit) * memoryLimitRatio)
	debug.SetMemoryLimit(n)
	return memoryLimit{bytes: n, source: "cgroup"}, nil
}
