package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/yanfeng/kpimon/internal/httpapi"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
	"github.com/yanfeng/kpimon/internal/report"
	"github.com/yanfeng/kpimon/internal/supervision"
)

func addReportCommand(c *cli) {
	cmd := c.command("report", "write the progress circular (进展情况通报) as PDF, XLSX or HTML", `
Write the progress circular of a plan as it stood at the end of --as-of:
counts by status with 红/黄/绿 lights, what changed since --previous, a
table and a chart per task with each indicator's target, latest figure,
completion, pace, the growth still required and its status, the units
ranked, and the lagging indicators named. The format follows -o's
extension (.pdf, .xlsx, .html) unless --format says otherwise.

With the data dir free it reads the store itself; while 'kpimon serve'
holds it, or when --server or KPIMON_SERVER names a server, it asks the
server's /report (the server's --report.* settings then apply). --unit limits the circular to what one unit leads or
cooperates on. The PDF embeds a Chinese font: WenQuanYi Micro Hei
(Debian fonts-wqy-microhei, Apache-2.0) unless --font names another.`,
		"kpimon report --as-of 2021-06-30 --previous 2020-12-31 -o 进展情况通报.pdf")
	var o reportCommand
	data := c.storageFlag(cmd)
	cmd.Flag("as-of", "Report as at the end of this date (2021-06-30); default today.").PlaceHolder("DATE").StringVar(&o.asOf)
	cmd.Flag("previous", "The previous circular's date: list what changed since.").PlaceHolder("DATE").StringVar(&o.previous)
	cmd.Flag("unit", "Only the indicators this unit leads or cooperates on (区科工信局).").PlaceHolder("UNIT").StringVar(&o.unit)
	cmd.Flag("plan", "Plan id; needed only when the store holds several plans.").PlaceHolder("ID").StringVar(&o.plan)
	reportingFrom := c.reportingFromFlag(cmd)
	cmd.Flag("output", "Output file (.pdf, .xlsx or .html), or - for stdout.").Short('o').Default("进展情况通报.pdf").PlaceHolder("FILE").StringVar(&o.out)
	cmd.Flag("format", "pdf, xlsx or html (default: from -o's extension).").PlaceHolder("FORMAT").StringVar(&o.format)
	font := c.env(cmd.Flag("font", "TrueType font (.ttf or .ttc) with Chinese glyphs for the PDF."), "KPIMON_REPORT_FONT", "").PlaceHolder("FILE").String()
	lights := c.env(cmd.Flag("lights", "Lights of statuses, changes to the default: no_data=red,in_progress=green."), "KPIMON_REPORT_LIGHTS", "").PlaceHolder("STATUS=LIGHT,…").String()
	server := c.env(cmd.Flag("server", "Server URL to ask (default: while a server holds the data dir, http:// and KPIMON_LISTEN, else "+defaultListen+")."), "KPIMON_SERVER", "").PlaceHolder("URL").String()
	c.action(cmd, func(ctx context.Context) error {
		o.data, o.font, o.lights, o.server, o.reportingFrom = *data, *font, *lights, *server, *reportingFrom
		o.serverNamed = o.server != ""
		if o.server == "" {
			o.server = serverURL(c.e.getenv("KPIMON_LISTEN"))
		}
		return o.run(ctx, c.e)
	})
}

type reportCommand struct {
	data, asOf, previous, unit, plan, out, format, font, lights, server string
	reportingFrom                                                       string
	serverNamed                                                         bool // --server or KPIMON_SERVER: ask that server, whoever holds the data dir
}

func (o reportCommand) run(ctx context.Context, e *env) error {
	format, err := o.fileFormat()
	if err != nil {
		return err
	}
	opts := report.Options{AsOf: time.Now(), Unit: o.unit}
	if o.asOf != "" {
		if opts.AsOf, err = report.ParseAsOf(o.asOf); err != nil {
			return fmt.Errorf("--as-of: %w", err)
		}
	}
	if o.previous != "" {
		if opts.Previous, err = report.ParseAsOf(o.previous); err != nil {
			return fmt.Errorf("--previous: %w", err)
		}
	}
	if opts.ReportingFrom, err = parseReportingFrom(o.reportingFrom); err != nil {
		return err
	}
	if opts.Lights, err = report.ParseLights(o.lights); err != nil {
		return fmt.Errorf("--lights: %w", err)
	}
	if o.serverNamed {
		return o.fromServer(ctx, e, format)
	}
	if !storeExists(o.data) {
		return fmt.Errorf("no store at %s: load figures first ('kpimon ingest FILE') or name the data dir with --storage.path", storePath(o.data))
	}
	store, err := openStore(o.data, 200*time.Millisecond, nil)
	if kpi.ErrorCode(err) == kpi.EUNAVAILABLE {
		return o.fromServer(ctx, e, format)
	}
	if err != nil {
		return err
	}
	defer store.Close()
	if opts.Explanations, opts.Supervision, err = supervision.ForReport(ctx, store, opts.AsOf); err != nil {
		return err
	}
	c, err := report.Load(ctx, store, o.plan, opts)
	if err != nil {
		return err
	}
	c.Made = time.Now()
	if err := o.write(e, func(w io.Writer) error { return report.Write(w, c, format, report.PDFOptions{FontFile: o.font}) }); err != nil {
		return err
	}
	if o.out != "-" {
		fmt.Fprintf(e.stderr, "wrote %s: %s, %d indicators, as of %s\n", o.out, c.Title, c.Summary.Total, present.Date(c.AsOf))
	}
	return nil
}

func (o reportCommand) fileFormat() (report.Format, error) {
	switch {
	case o.format != "":
		return report.ParseFormat(o.format)
	case o.out == "-":
		return report.FormatHTML, nil
	}
	f, err := report.FormatOf(o.out)
	if err != nil {
		return "", fmt.Errorf("-o %s: name a .pdf, .xlsx or .html file, or give --format", o.out)
	}
	return f, nil
}

// write writes the output file whole or not at all: a temporary file in
// the same directory, renamed when complete.
func (o reportCommand) write(e *env, body func(io.Writer) error) error {
	if o.out == "-" {
		return body(e.stdout)
	}
	tmp, err := os.CreateTemp(filepath.Dir(o.out), ".kpimon-report-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := body(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), o.out)
}

// fromServer asks a running server for the circular.
func (o reportCommand) fromServer(ctx context.Context, e *env, format report.Format) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	q := httpapi.ReportQuery{Format: string(format), Plan: o.plan, AsOf: o.asOf, Previous: o.previous, Unit: o.unit}
	err := o.write(e, func(w io.Writer) error { return httpapi.Client{BaseURL: o.server}.Report(ctx, q, w) })
	if err != nil {
		return fmt.Errorf("asking the server at %s for the circular: %w", o.server, err)
	}
	if o.out != "-" {
		fmt.Fprintf(e.stderr, "wrote %s (from server %s)\n", o.out, o.server)
	}
	return nil
}
