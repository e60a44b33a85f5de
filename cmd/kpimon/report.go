package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/yanfeng/kpimon/internal/httpapi"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
	"github.com/yanfeng/kpimon/internal/report"
	"github.com/yanfeng/kpimon/internal/supervision"
)

func addReportCommand(c *cli) {
	cmd := c.command("report", "write the progress circular (进展情况通报) as .docx, PDF, XLSX or HTML", `
Write the progress circular of a plan as it stood at the end of --as-of:
counts by status with 红/黄/绿 lights, what changed since --previous, a
table and a chart per task with each indicator's target, latest figure,
completion, pace, the growth still required and its status, the units
ranked, and the lagging indicators named. The format follows -o's
extension (.docx, .pdf, .xlsx, .html) unless --format says otherwise. The .docx
is the document an office sends: 版头 with its name and 文号, 主送, the
sections, 落款 and 版记, from --report.config.file and the flags after it.

With the data dir free it reads the store itself; while 'kpimon serve'
holds it, or when --server or KPIMON_SERVER names a server, it asks the
server's /report (the server's --report.* settings then apply; --report.serial
and --report.date go along). --unit limits the circular to what one unit leads or
cooperates on. The PDF embeds a Chinese font: WenQuanYi Micro Hei
(Debian fonts-wqy-microhei, Apache-2.0) unless --report.font names another.`,
		"kpimon report --as-of 2021-06-30 --previous 2020-12-31 -o 进展情况通报.pdf")
	var o reportCommand
	data := c.storageFlag(cmd)
	cmd.Flag("as-of", "Report as at the end of this date (2021-06-30); default today.").PlaceHolder("DATE").StringVar(&o.asOf)
	cmd.Flag("previous", "The previous circular's date: list what changed since.").PlaceHolder("DATE").StringVar(&o.previous)
	cmd.Flag("unit", "Only the indicators this unit leads or cooperates on (区科工信局).").PlaceHolder("UNIT").StringVar(&o.unit)
	cmd.Flag("plan", "Plan id; needed only when the store holds several plans.").PlaceHolder("ID").StringVar(&o.plan)
	reportingFrom := c.reportingFromFlag(cmd)
	cmd.Flag("output", "Output file (.docx, .pdf, .xlsx or .html), or - for stdout.").Short('o').Default("进展情况通报.pdf").PlaceHolder("FILE").StringVar(&o.out)
	cmd.Flag("format", "docx, pdf, xlsx or html (default: from -o's extension).").PlaceHolder("FORMAT").StringVar(&o.format)
	font := c.env(cmd.Flag("report.font", "TrueType font (.ttf or .ttc) with Chinese glyphs for the PDF and the .docx's charts (alias --font)."), "KPIMON_REPORT_FONT", "").PlaceHolder("FILE").String()
	lights := c.env(cmd.Flag("report.lights", "Lights of statuses, changes to the default: no_data=red,in_progress=green (alias --lights)."), "KPIMON_REPORT_LIGHTS", "").PlaceHolder("STATUS=LIGHT,…").String()
	officeFile := c.env(cmd.Flag("report.config.file", "YAML file of the issuing office's fields: issuer, number (雁创办〔{year}〕{n}号), serial, subject, to, cc, signature, printed_by, date, next_steps."), "KPIMON_REPORT_CONFIG_FILE", "").PlaceHolder("FILE").String()
	var over report.Office
	cmd.Flag("report.serial", "The circular's serial number, the {n} of the 文号 (overrides the file's serial).").PlaceHolder("N").IntVar(&over.Serial)
	date := cmd.Flag("report.date", "成文日期 (2021-07-05); default the file's date, else --as-of.").PlaceHolder("DATE").String()
	cmd.Flag("report.issuer", "发文机关 (overrides the file's issuer).").PlaceHolder("NAME").StringVar(&over.Issuer)
	cmd.Flag("report.number", "文号 pattern with {year} and {n} (overrides the file's number; default: an agency code from the issuer, 雁峰办〔{year}〕{n}号).").PlaceHolder("PATTERN").StringVar(&over.NumberPattern)
	cmd.Flag("report.to", "主送机关 (overrides the file's to).").PlaceHolder("UNITS").StringVar(&over.To)
	cmd.Flag("report.cc", "抄送机关 (overrides the file's cc).").PlaceHolder("UNITS").StringVar(&over.CC)
	minRanked := cmd.Flag("report.min-ranked", "Fewest lead indicators a unit needs to be ranked; units with fewer are listed apart.").Default("3").Int()
	server := c.env(cmd.Flag("server", "Server URL to ask (default: while a server holds the data dir, http:// and KPIMON_LISTEN, else "+defaultListen+")."), "KPIMON_SERVER", "").PlaceHolder("URL").String()
	c.action(cmd, func(ctx context.Context) error {
		o.data, o.font, o.lights, o.server, o.reportingFrom = *data, *font, *lights, *server, *reportingFrom
		o.officeFile, o.office, o.date, o.minRanked = *officeFile, over, *date, *minRanked
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
	officeFile, date                                                    string
	office                                                              report.Office // flags over the file's fields
	minRanked                                                           int
	serverNamed                                                         bool // --server or KPIMON_SERVER: ask that server, whoever holds the data dir
}

func (o reportCommand) run(ctx context.Context, e *env) error {
	format, err := o.fileFormat()
	if err != nil {
		return err
	}
	opts := report.Options{AsOf: time.Now(), Unit: o.unit}
	if o.asOf != "" {
		if opts.AsOf, err = kpi.ParseAsOf(o.asOf); err != nil {
			return fmt.Errorf("--as-of: %w", err)
		}
	}
	if o.previous != "" {
		if opts.Previous, err = kpi.ParseAsOf(o.previous); err != nil {
			return fmt.Errorf("--previous: %w", err)
		}
	}
	if opts.ReportingFrom, err = parseReportingFrom(o.reportingFrom); err != nil {
		return err
	}
	if opts.Lights, err = present.ParseLights(o.lights); err != nil {
		return fmt.Errorf("--report.lights: %w", err)
	}
	if opts.Office, err = o.officeFields(); err != nil {
		return err
	}
	if o.minRanked < 1 || o.minRanked > 100 {
		return fmt.Errorf("--report.min-ranked %d: want 1 to 100", o.minRanked)
	}
	opts.MinRanked = o.minRanked
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
		return "", fmt.Errorf("-o %s: name a .docx, .pdf, .xlsx or .html file, or give --format", o.out)
	}
	return f, nil
}

// write writes the output file whole or not at all (writeFile), or to
// stdout for -o -.
func (o reportCommand) write(e *env, body func(io.Writer) error) error {
	if o.out == "-" {
		return body(e.stdout)
	}
	return writeFile(o.out, 0o644, body)
}

// officeFields reads --report.config.file and lays the flags over it.
func (o reportCommand) officeFields() (report.Office, error) {
	var office report.Office
	if o.officeFile != "" {
		var err error
		if office, err = report.ReadOffice(o.officeFile); err != nil {
			return report.Office{}, fmt.Errorf("--report.config.file: %w", err)
		}
	}
	if o.date != "" {
		if err := o.office.SetDate(o.date); err != nil {
			return report.Office{}, fmt.Errorf("--report.date: %w", err)
		}
	}
	if o.office.Serial < 0 {
		return report.Office{}, fmt.Errorf("--report.serial %d: want a positive number", o.office.Serial)
	}
	return office.Override(o.office), nil
}

// localOnly are the flags a server's /report cannot take: they are the
// server's own settings there (--report.serial and --report.date it takes,
// as serial= and date=). Asking a server with one of them set is
// refused rather than silently ignored.
func (o reportCommand) localOnly() []string {
	var set []string
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"--report.lights", o.lights != ""}, {"--report.font", o.font != ""}, {"--reporting.from", o.reportingFrom != ""},
		{"--report.config.file", o.officeFile != ""},
		{"--report.issuer", o.office.Issuer != ""}, {"--report.number", o.office.NumberPattern != ""},
		{"--report.to", o.office.To != ""}, {"--report.cc", o.office.CC != ""}, {"--report.min-ranked", o.minRanked != report.DefaultMinRanked},
	} {
		if f.set {
			set = append(set, f.name)
		}
	}
	return set
}

// fromServer asks a running server for the circular.
func (o reportCommand) fromServer(ctx context.Context, e *env, format report.Format) error {
	if set := o.localOnly(); len(set) > 0 {
		return fmt.Errorf("%s cannot apply to a circular made by the server at %s (it uses its own settings from 'kpimon serve --report.*'): stop the server and run again, or set them on serve", strings.Join(set, ", "), o.server)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	q := httpapi.ReportQuery{Format: string(format), Plan: o.plan, AsOf: o.asOf, Previous: o.previous, Unit: o.unit}
	if o.office.Serial != 0 {
		q.Serial = strconv.Itoa(o.office.Serial)
	}
	q.Date = o.date
	err := o.write(e, func(w io.Writer) error { return httpapi.Client{BaseURL: o.server}.Report(ctx, q, w) })
	if err != nil {
		return fmt.Errorf("asking the server at %s for the circular: %w", o.server, err)
	}
	if o.out != "-" {
		fmt.Fprintf(e.stderr, "wrote %s (from server %s)\n", o.out, o.server)
	}
	return nil
}
