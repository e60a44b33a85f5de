package main

import (
	"strconv"

	"github.com/alecthomas/kingpin/v2"

	"github.com/yanfeng/kpimon/internal/httpapi"
	"github.com/yanfeng/kpimon/internal/ingest"
)

// serveLimits bound what one submission may cost the server. The defaults
// take the million-row files of BENCHMARKS.md with room to spare.
type serveLimits struct {
	uploadBytes   int64 // an API request body or a file on the web page
	fileBytes     int64 // an inbox file or a pulled body
	unzippedBytes int64 // what an XLSX unzips to
	cellBytes     int64 // one cell or field
	rows          int64 // figures of one submission
	// connections open at once (0: from the file limit) and per client
	// address; the slowest a request body may come, bytes per second.
	conns, connsPerClient int
	bodyRate              int64
	ingestMemory          int64 // what all submissions being read at once may hold
}

// addLimitFlags adds the --limits.* flags to cmd.
func addLimitFlags(c *cli, cmd *kingpin.CmdClause) func() serveLimits {
	upload := c.env(cmd.Flag("limits.upload-bytes", "Largest API request body or web page upload, e.g. 64MiB."), "KPIMON_LIMITS_UPLOAD_BYTES", "64MiB").PlaceHolder("SIZE").Bytes()
	file := c.env(cmd.Flag("limits.file-bytes", "Largest inbox file or pulled file, e.g. 64MiB."), "KPIMON_LIMITS_FILE_BYTES", "64MiB").PlaceHolder("SIZE").Bytes()
	unzipped := c.env(cmd.Flag("limits.unzipped-bytes", "Most an XLSX may unzip to, all parts together."), "KPIMON_LIMITS_UNZIPPED_BYTES", "512MiB").PlaceHolder("SIZE").Bytes()
	cell := c.env(cmd.Flag("limits.cell-bytes", "Longest cell, value or field of a submission."), "KPIMON_LIMITS_CELL_BYTES", "128KiB").PlaceHolder("SIZE").Bytes()
	rows := c.env(cmd.Flag("limits.rows", "Most figures in one submission."), "KPIMON_LIMITS_ROWS", "2000000").PlaceHolder("N").Int64()
	conns := c.env(cmd.Flag("limits.connections", "Most connections open at once; further clients wait for one to close. 0: three quarters of the open-file limit, at most 8192."), "KPIMON_LIMITS_CONNECTIONS", "0").PlaceHolder("N").Int()
	perClient := c.env(cmd.Flag("limits.connections-per-client", "Most connections one client address may hold open (trusted proxies: --limits.connections only)."), "KPIMON_LIMITS_CONNECTIONS_PER_CLIENT", strconv.Itoa(httpapi.DefaultMaxConnsPerClient)).PlaceHolder("N").Int()
	bodyRate := c.env(cmd.Flag("limits.body-rate", "Slowest a request body may arrive, per second on average after its first 10 s; a slower one is cut off (408)."), "KPIMON_LIMITS_BODY_RATE", "4KiB").PlaceHolder("SIZE").Bytes()
	memory := c.env(cmd.Flag("limits.ingest-memory", "Memory all submissions being read at once may hold; each is charged what its format and size may need, the rest wait their turn."), "KPIMON_LIMITS_INGEST_MEMORY", "1GiB").PlaceHolder("SIZE").Bytes()
	return func() serveLimits {
		return serveLimits{uploadBytes: int64(*upload), fileBytes: int64(*file), unzippedBytes: int64(*unzipped), cellBytes: int64(*cell), rows: *rows,
			conns: *conns, connsPerClient: *perClient, bodyRate: int64(*bodyRate), ingestMemory: int64(*memory)}
	}
}

// ingestOptions applies the limits to the ingester's options.
func (l serveLimits) ingestOptions(o ingest.Options) ingest.Options {
	o.MaxRows = int(l.rows)
	o.MaxUnzippedBytes = l.unzippedBytes
	o.MaxCellBytes = int(l.cellBytes)
	o.IngestMemory = l.ingestMemory
	return o
}
