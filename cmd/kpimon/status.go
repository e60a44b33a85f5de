package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yanfeng/kpimon/internal/httpapi"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

func addStatusCommand(c *cli) {
	cmd := c.command("status", "print every indicator with target, actual, gap and status", `
Print every indicator with its target, latest actual, gap and status,
grouped by task. Works whether or not the server runs: with the data dir
free it reads the store itself; while 'kpimon serve' holds it, it asks the
server's API instead (where KPIMON_LISTEN says serve listens). Named with
--server or KPIMON_SERVER, that server is asked in any case.`,
		"kpimon status --as-of 2021-12-31 --task 1")
	var o statusOptions
	data := c.storageFlag(cmd)
	targets := c.targetsFlag(cmd, "Targets dir to use when the store holds no catalog yet")
	cmd.Flag("as-of", "Evaluate as at the end of this date (2021-06-30).").PlaceHolder("DATE").StringVar(&o.asOf)
	server := c.env(cmd.Flag("server", "Server URL to ask (default: while a server holds the data dir, http:// and KPIMON_LISTEN, else "+defaultListen+")."), "KPIMON_SERVER", "").PlaceHolder("URL").String()
	reportingFrom := c.reportingFromFlag(cmd)
	output := outputFlag(cmd, "table", "json")
	cmd.Flag("task", "Only this task number.").PlaceHolder("N").IntVar(&o.task)
	c.action(cmd, func(ctx context.Context) error {
		o.data, o.targets, o.server, o.output, o.reportingFrom = *data, *targets, *server, *output, *reportingFrom
		o.serverNamed = o.server != ""
		if o.server == "" {
			o.server = serverURL(c.e.getenv("KPIMON_LISTEN"))
		}
		return status(ctx, c.e, o)
	})
}

type statusOptions struct {
	data, targets, asOf, server, output string
	reportingFrom                       string // --reporting.from, for the offline evaluation
	task                                int
	serverNamed                         bool // --server or KPIMON_SERVER: ask that server, whoever holds the data dir
}

// serverURL is where status finds a server listening on listen (serve's
// --web.listen-address, KPIMON_LISTEN): a wildcard host is asked on loopback.
func serverURL(listen string) string {
	if listen == "" {
		listen = defaultListen
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "http://" + listen
	}
	switch host {
	case "", "0.0.0.0", "::":
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func status(ctx context.Context, e *env, o statusOptions) error {
	now, err := clockFor(o.asOf)
	if err != nil {
		return err
	}
	reportingFrom, err := parseReportingFrom(o.reportingFrom)
	if err != nil {
		return err
	}
	var states []kpi.State
	var origin string
	if o.serverNamed {
		states, err = fetchStates(ctx, o.server, o.asOf)
		origin = "server " + o.server
	} else {
		states, origin, err = loadStates(ctx, o.data, o.targets, o.server, o.asOf, now, reportingFrom)
	}
	if err != nil {
		return err
	}
	if o.task != 0 {
		if states, err = onlyTask(states, o.task); err != nil {
			return err
		}
	}
	if o.output == "json" {
		return printJSON(e.stdout, states)
	}
	printStatus(e.stdout, states, origin)
	return nil
}

// onlyTask keeps the states of one task; a task no indicator belongs to is
// an error naming the tasks there are, not an empty table.
func onlyTask(states []kpi.State, task int) ([]kpi.State, error) {
	filter := kpi.StateFilter{Task: task}
	var kept []kpi.State
	var tasks []int
	for _, s := range states {
		if filter.Match(s) {
			kept = append(kept, s)
		}
		if !slices.Contains(tasks, s.Indicator.Task) {
			tasks = append(tasks, s.Indicator.Task)
		}
	}
	if len(kept) == 0 {
		slices.Sort(tasks)
		words := make([]string, len(tasks))
		for i, t := range tasks {
			words[i] = strconv.Itoa(t)
		}
		return nil, fmt.Errorf("--task %d: no indicator belongs to task %d; the tasks are %s", task, task, strings.Join(words, ", "))
	}
	return kept, nil
}

// loadStates evaluates from the store when the data dir is free, from the
// catalog alone when there is no store yet, and asks the server otherwise.
func loadStates(ctx context.Context, data, targets, server, asOf string, now func() time.Time, reportingFrom time.Time) ([]kpi.State, string, error) {
	dbPath := storePath(data)
	if !storeExists(data) {
		cat, err := loadCatalog(targets)
		if err != nil {
			return nil, "", err
		}
		return evaluateCatalog(cat, now()), fmt.Sprintf("no data yet (no store at %s)", dbPath), nil
	}
	store, err := openStore(data, 200*time.Millisecond, nil)
	if kpi.ErrorCode(err) == kpi.EUNAVAILABLE {
		states, rerr := fetchStates(ctx, server, asOf)
		if rerr != nil {
			return nil, "", fmt.Errorf("%v\nand asking the server at %s failed: %w\n"+
				"if kpimon serve listens elsewhere, say where with --server URL or KPIMON_SERVER (or the KPIMON_LISTEN serve uses)", err, server, rerr)
		}
		return states, "server " + server, nil
	}
	if err != nil {
		return nil, "", err
	}
	defer store.Close()
	states, err := kpi.NewStates(store, kpi.StatesOptions{Now: now, ReportingFrom: reportingFrom}).States(ctx)
	if err != nil {
		return nil, "", err
	}
	if len(states) == 0 {
		// A store that never ran serve (token create made it) holds no
		// catalog, so it cannot hold figures either: show the catalog.
		cat, err := loadCatalog(targets)
		if err != nil {
			return nil, "", err
		}
		return evaluateCatalog(cat, now()), "store " + dbPath + " (catalog not loaded yet)", nil
	}
	out := make([]kpi.State, len(states))
	for i, st := range states {
		out[i] = *st
	}
	return out, "store " + dbPath, nil
}

// evaluateCatalog evaluates a catalog nobody has reported on yet.
func evaluateCatalog(cat kpi.Catalog, now time.Time) []kpi.State {
	var states []kpi.State
	for i := range cat.Indicators {
		ind := &cat.Indicators[i]
		plan, _ := cat.Plan(ind.Plan)
		states = append(states, kpi.State{Plan: &plan, Indicator: ind, Evaluation: kpi.Evaluate(plan, *ind, nil, now)})
	}
	return states
}

// fetchStates asks a running server for every indicator's state, as of the
// end of the day asOf when it is set.
func fetchStates(ctx context.Context, server, asOf string) ([]kpi.State, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	list, err := httpapi.Client{BaseURL: server}.Indicators(ctx, httpapi.IndicatorQuery{AsOf: asOf})
	if err != nil {
		return nil, err
	}
	return list.States(), nil
}

func printStatus(w io.Writer, states []kpi.State, origin string) {
	counts := map[kpi.Status]int{}
	task := -1
	var t table
	for _, s := range states {
		ind, ev := *s.Indicator, s.Evaluation
		counts[ev.Status]++
		if ind.Task != task {
			task = ind.Task
			if len(t.rows) > 0 {
				t.add()
			}
			t.add(fmt.Sprintf("任务%d %s", ind.Task, ind.TaskTitle))
		}
		actual, period := present.OptValue(ind, ev.Actual), ""
		if ev.Period != nil {
			period = ev.Period.String()
		}
		gap := ""
		if ev.Gap != nil {
			gap = present.GapOf(ind, ev)
		}
		due := ""
		switch {
		case ev.Report.Overdue:
			due = "逾期未报 overdue, due " + present.DueDate(ev.Report.Due)
		case ev.Report.NeverReported:
			due = "逾期未报 never reported: " + present.Reason(ev)
		}
		target := present.Target(ind, ev) + " (" + strconv.Itoa(ind.Deadline) + ")"
		required := ""
		if ev.RequiredAnnualChange != nil {
			required = present.RequiredChange(ind, ev)
		}
		t.add("  "+ind.ID, clip(ind.Name, 36), target, actual, period, gap, required, string(ev.Status), present.Status(ev.Status), strings.Join(ind.LeadUnits, "、"), due)
	}
	fmt.Fprintf(w, "as of %s · %s\n\n", asOfText(states), origin)
	t.header = []string{"ID", "指标 indicator", "目标 target", "实际 actual", "报告期", "差距 gap", "需年均 required", "status", "状态", "责任单位", "报送 report"}
	t.write(w)
	fmt.Fprintln(w)
	var parts []string
	for _, st := range kpi.Statuses {
		if counts[st] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", present.Status(st), counts[st]))
		}
	}
	fmt.Fprintf(w, "%d indicators: %s\n", len(states), strings.Join(parts, " · "))
}

func asOfText(states []kpi.State) string {
	if len(states) == 0 || states[0].Evaluation.AsOf.IsZero() {
		return "now"
	}
	return present.Time(states[0].Evaluation.AsOf)
}
