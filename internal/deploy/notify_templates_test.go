package deploy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/testkit"
)

// wecomLimit is the largest markdown message WeCom (企业微信) accepts.
const wecomLimit = 4096

// dingtalkLimit is the largest request body a DingTalk (钉钉) robot
// accepts: it answers "message too long, exceed 20000 bytes" (errcode
// 460101) or "body 大小不合法…请保持大小在 20000bytes 以内" beyond it.
const dingtalkLimit = 20000

// bridgeSink stands in for a DingTalk bridge (prometheus-webhook-dingtalk):
// Alertmanager's webhook posts it the group's data, which the bridge
// renders with kpimon.dingtalk.markdown. It keeps every body.
type bridgeSink struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (b *bridgeSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	b.mu.Lock()
	b.bodies = append(b.bodies, body)
	b.mu.Unlock()
}

func (b *bridgeSink) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.bodies)
}

// find returns the newest body holding every one of want.
func (b *bridgeSink) find(want ...string) []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := len(b.bodies) - 1; i >= 0; i-- {
		ok := true
		for _, w := range want {
			ok = ok && bytes.Contains(b.bodies[i], []byte(w))
		}
		if ok {
			return b.bodies[i]
		}
	}
	return nil
}

// renderDingTalk renders a webhook body (Alertmanager's template data)
// with Alertmanager's own template engine (amtool template render) into
// the request a DingTalk robot receives: a markdown message whose title is
// kpimon.title and whose text is kpimon.dingtalk.markdown.
func renderDingTalk(t *testing.T, amtool, root string, data []byte) (text string, request []byte) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "data.json")
	mustWrite(t, file, string(data))
	render := func(name string) string {
		t.Helper()
		cmd := exec.Command(amtool, "template", "render", "--template.glob="+filepath.Join(root, "alertmanager", "templates", "*.tmpl"),
			"--template.text={{ template \""+name+"\" . }}", "--template.data="+file)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("amtool template render %s: %v", name, err)
		}
		return strings.TrimSuffix(string(out), "\n")
	}
	text = render("kpimon.dingtalk.markdown")
	var msg struct {
		MsgType  string `json:"msgtype"`
		Markdown struct {
			Title string `json:"title"`
			Text  string `json:"text"`
		} `json:"markdown"`
	}
	msg.MsgType, msg.Markdown.Title, msg.Markdown.Text = "markdown", render("kpimon.title"), text
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(msg); err != nil {
		t.Fatal(err)
	}
	return text, buf.Bytes()
}

// fakeWeCom answers the two WeCom API calls Alertmanager's wechat
// receiver makes (a token, then message/send) and keeps every message.
type fakeWeCom struct {
	mu       sync.Mutex
	messages []string // markdown content
}

func (f *fakeWeCom) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasSuffix(r.URL.Path, "/gettoken"):
		fmt.Fprint(w, `{"errcode":0,"errmsg":"ok","access_token":"test-token","expires_in":7200}`)
	case strings.HasSuffix(r.URL.Path, "/message/send"):
		var m struct {
			MsgType  string `json:"msgtype"`
			Markdown struct {
				Content string `json:"content"`
			} `json:"markdown"`
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err := json.Unmarshal(body, &m); err != nil || m.MsgType != "markdown" {
			http.Error(w, "want a markdown message", http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.messages = append(f.messages, m.Markdown.Content)
		f.mu.Unlock()
		fmt.Fprint(w, `{"errcode":0,"errmsg":"ok"}`)
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeWeCom) all() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.messages...)
}

// smtpSink is a minimal SMTP server on loopback keeping each message's data.
type smtpSink struct {
	ln   net.Listener
	mu   sync.Mutex
	mail []string
}

func newSMTPSink(t *testing.T) *smtpSink {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpSink{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpSink) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Minute))
	r := bufio.NewReader(io.LimitReader(c, 4<<20))
	fmt.Fprint(c, "220 sink ESMTP\r\n")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			fmt.Fprint(c, "250-sink\r\n250 8BITMIME\r\n")
		case cmd == "DATA":
			fmt.Fprint(c, "354 go on\r\n")
			var data strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" || l == ".\n" {
					break
				}
				data.WriteString(l)
			}
			s.mu.Lock()
			s.mail = append(s.mail, data.String())
			s.mu.Unlock()
			fmt.Fprint(c, "250 ok\r\n")
		case cmd == "QUIT":
			fmt.Fprint(c, "221 bye\r\n")
			return
		default:
			fmt.Fprint(c, "250 ok\r\n")
		}
	}
}

func (s *smtpSink) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.mail...)
}

// testAlert is one alert as Prometheus posts it to Alertmanager.
type testAlert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    time.Time         `json:"startsAt"`
	EndsAt      time.Time         `json:"endsAt,omitzero"`
}

func unitAlert(indicator, summary string) testAlert {
	return testAlert{Labels: map[string]string{
		"alertname": "KpiIndicatorLagging", "severity": "warning", "plan": "yanfeng", "indicator": indicator,
		"lead_unit": "区科工信局", "summary": summary, "description": "规划：测试\n" + summary,
		"dashboard": "https://grafana.example.gov.cn/d/kpi-indicator/kpi-indicator?var-plan=yanfeng&var-indicator=" + indicator,
	}, StartsAt: time.Now().Add(-time.Hour)}
}

// TestNotificationTemplates renders the shipped templates
// (alertmanager/templates/kpimon.tmpl) through a real Alertmanager, as a
// unit receives them: a grouped notification of 30 alerts with long
// lines to a WeCom receiver (Alertmanager's wechat integration against a
// local stand-in for WeCom's API) and an e-mail receiver (a local SMTP
// sink), then a second one where one indicator got a new figure (its old
// alert resolved, a new one firing), one recovered (KpiRecovered fires
// with the new status and figure) and one ended. The WeCom body must stay
// under 4,096 bytes, list firing and recovered apart, say the recovered
// indicator's new status and figure instead of a bare "resolved", and
// which resolved alert was replaced and which ended. The same groups reach
// a stand-in DingTalk bridge as webhook bodies, which amtool renders with
// kpimon.dingtalk.markdown: the same sections, and each DingTalk request
// under the robot's 20,000 bytes.
func TestNotificationTemplates(t *testing.T) {
	if testing.Short() && os.Getenv("CI") == "" {
		t.Skip("starts Alertmanager: not in -short mode (CI runs it)")
	}
	amBin := testkit.LookPath(t, "prometheus-alertmanager", "prometheus-alertmanager", "alertmanager")
	amtool := testkit.LookPath(t, "prometheus-alertmanager (amtool)", "amtool")
	root := testkit.RepoRoot(t)
	wecom := &fakeWeCom{}
	wecomSrv := httptest.NewServer(wecom)
	defer wecomSrv.Close()
	bridge := &bridgeSink{}
	bridgeSrv := httptest.NewServer(bridge)
	defer bridgeSrv.Close()
	smtp := newSMTPSink(t)

	dir := t.TempDir()
	amAddr := testkit.FreeAddr(t)
	config := fmt.Sprintf(`global:
  resolve_timeout: 5m
templates: [%q]
route:
  receiver: unit
  group_by: [lead_unit]
  group_wait: 2s
  group_interval: 2s
  repeat_interval: 1h
receivers:
  - name: unit
    wechat_configs:
      - api_url: %q
        corp_id: test-corp
        api_secret: test-secret
        agent_id: "1000002"
        to_party: "2"
        message_type: markdown
        send_resolved: true
        message: '{{ template "kpimon.wecom.markdown" . }}'
    email_configs:
      - to: kegongxin@example.gov.cn
        from: kpimon@example.gov.cn
        smarthost: %q
        require_tls: false
        send_resolved: true
        headers: {Subject: '{{ template "kpimon.email.subject" . }}'}
        html: ''
        text: '{{ template "kpimon.email.text" . }}'
    webhook_configs:
      - url: %q
        send_resolved: true
`, filepath.Join(root, "alertmanager", "templates", "*.tmpl"), wecomSrv.URL+"/cgi-bin/", smtp.ln.Addr().String(), bridgeSrv.URL+"/dingtalk/unit/send")
	amConfig := filepath.Join(dir, "alertmanager.yml")
	mustWrite(t, amConfig, config)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	am := testkit.Start(t, "alertmanager", amBin, "--config.file="+amConfig, "--storage.path="+filepath.Join(dir, "am"),
		"--web.listen-address="+amAddr, "--cluster.listen-address=")
	testkit.WaitHTTP(t, ctx, am, "http://"+amAddr+"/-/ready")
	post := func(alerts []testAlert) {
		t.Helper()
		b, _ := json.Marshal(alerts)
		resp, err := http.Post("http://"+amAddr+"/api/v2/alerts", "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST alerts: %s", resp.Status)
		}
	}

	// 30 alerts with lines far longer than a message has room for.
	long := strings.Repeat("长", 150)
	var alerts []testAlert
	for i := range 30 {
		summary := fmt.Sprintf("【进度滞后】指标%02d（区科工信局牵头）：%s", i, long)
		if i%2 == 1 { // a reason after "；", which a line keeps
			summary += "；完成时限年度的数据逾期未报：2022年"
		}
		alerts = append(alerts, unitAlert(fmt.Sprintf("ind_%02d", i), summary))
	}
	post(alerts)
	// The whole group in one message (under load Alertmanager may flush a
	// part of the POST first; the next flush has all 30).
	var first string
	testkit.WaitFor(t, ctx, am, "a WeCom message with all 30 alerts, and an e-mail", func() error {
		for _, m := range wecom.all() {
			if strings.Contains(m, "30项告警") {
				first = m
			}
		}
		if first == "" || len(smtp.all()) < 1 {
			return fmt.Errorf("%d WeCom messages, none of 30 alerts; %d e-mails", len(wecom.all()), len(smtp.all()))
		}
		return nil
	})
	t.Logf("first WeCom message (%d bytes):\n%s", len(first), first)
	if len(first) > wecomLimit {
		t.Errorf("first WeCom message is %d bytes, over WeCom's %d", len(first), wecomLimit)
	}
	for _, want := range []string{"**【kpimon】区科工信局：30项告警**", "**新增及仍在告警（30项）**", "……共30项，此处列出前10项",
		// A line keeps its reason, the text before it cut to 40 characters.
		"> 【进度滞后】指标01（区科工信局牵头）：" + strings.Repeat("长", 20) + "…；完成时限年度的数据逾期未报：2022年\n",
		"[查看本单位全部指标](https://grafana.example.gov.cn/d/kpi-unit/kpi-unit?var-lead_unit=%E5%8C%BA%E7%A7%91%E5%B7%A5%E4%BF%A1%E5%B1%80)"} {
		if !strings.Contains(first, want) {
			t.Errorf("first WeCom message lacks %q", want)
		}
	}
	if strings.Contains(first, "已恢复") {
		t.Error("first WeCom message has a 已恢复 section, but nothing resolved")
	}
	// The same group through a DingTalk bridge: the webhook body with all
	// 30 alerts, rendered by Alertmanager's template engine.
	var firstData []byte
	testkit.WaitFor(t, ctx, am, "the webhook body of all 30 alerts at the DingTalk bridge", func() error {
		if firstData = bridge.find(`"indicator":"ind_00"`, `"indicator":"ind_29"`); firstData == nil {
			return fmt.Errorf("%d webhook bodies, none with all 30 alerts", bridge.count())
		}
		return nil
	})
	ding, request := renderDingTalk(t, amtool, root, firstData)
	t.Logf("first DingTalk request (%d bytes):\n%s", len(request), request)
	if len(request) > dingtalkLimit {
		t.Errorf("first DingTalk request is %d bytes, over DingTalk's %d", len(request), dingtalkLimit)
	}
	if !bytes.Contains(request, []byte(`"title":"【kpimon】区科工信局：30项告警"`)) {
		t.Errorf("first DingTalk request lacks the title 【kpimon】区科工信局：30项告警")
	}
	for _, want := range []string{"**【kpimon】区科工信局：30项告警**", "**新增及仍在告警（30项）**", "> 【进度滞后】指标00（区科工信局牵头）", "……共30项，此处列出前10项",
		"[查看本单位全部指标](https://grafana.example.gov.cn/d/kpi-unit/kpi-unit?var-lead_unit=%E5%8C%BA%E7%A7%91%E5%B7%A5%E4%BF%A1%E5%B1%80)"} {
		if !strings.Contains(ding, want) {
			t.Errorf("first DingTalk message lacks %q:\n%s", want, ding)
		}
	}
	if strings.Contains(ding, "已恢复") {
		t.Errorf("first DingTalk message has a 已恢复 section, but nothing resolved:\n%s", ding)
	}

	// ind_00 gets a new figure: its old alert ends, a new one fires. ind_01
	// recovers with a figure: its alert ends and KpiRecovered (the rule
	// that says the new status and figure) fires. ind_02's alert ends with
	// no successor.
	now := time.Now()
	ended := []testAlert{alerts[0], alerts[1], alerts[2]}
	for i := range ended {
		ended[i].EndsAt = now.Add(-time.Second)
	}
	replacement := unitAlert("ind_00", "【严重滞后】指标00（区科工信局牵头）：2022年实际20家，目标≥30家，差距10家")
	recovered := unitAlert("ind_01", "【已恢复】指标01（区科工信局牵头）：现为正常推进，2022年实际28家，目标≥30家")
	recovered.Labels["alertname"], recovered.Labels["severity"] = "KpiRecovered", "info"
	recovered.Labels["description"] = "规划：测试\n状态：正常推进（原告警已解除）\n实际：28家（2022年数据）"
	post(append(ended, replacement, recovered))
	var second string
	testkit.WaitFor(t, ctx, am, "the second WeCom message", func() error {
		for _, m := range wecom.all() {
			if strings.Contains(m, "已恢复（3项）") {
				second = m
				return nil
			}
		}
		return fmt.Errorf("%d WeCom messages, none with 已恢复（3项）", len(wecom.all()))
	})
	t.Logf("second WeCom message (%d bytes):\n%s", len(second), second)
	if len(second) > wecomLimit {
		t.Errorf("second WeCom message is %d bytes, over WeCom's %d", len(second), wecomLimit)
	}
	if !strings.HasPrefix(second, "**【kpimon】区科工信局：28项告警，3项已恢复**") {
		t.Errorf("second message's title: want 28 firing, 3 recovered:\n%s", second)
	}
	firing, resolved, _ := strings.Cut(second, "**已恢复（3项）**")
	if !strings.Contains(firing, "**新增及仍在告警（28项）**") || !strings.Contains(firing, "【严重滞后】指标00") {
		t.Errorf("second message's firing section lacks the 28 alerts or the new ind_00 line:\n%s", firing)
	}
	// The recovery says the new status and figure; the old alert of ind_01
	// is not listed again as 已解除. Units read here, not in the README,
	// that a fix takes 1–2 hours to show.
	for _, want := range []string{"> 【已恢复】指标01（区科工信局牵头）：现为正常推进，2022年实际28家，目标≥30家",
		"> 已更新（新数据见上方告警）：【进度滞后】指标00", "> 已解除（不再处于原状态，最新状态和数据见看板）：【进度滞后】指标02",
		"报送新数据后，告警约1至2小时后更新或解除。"} {
		if !strings.Contains(resolved, want) {
			t.Errorf("已恢复 section lacks %q:\n%s", want, resolved)
		}
	}
	if strings.Contains(firing, "指标01") || strings.Contains(firing, "指标02") || strings.Contains(resolved, "【进度滞后】指标01") {
		t.Errorf("ind_01 or ind_02 listed among the firing alerts, or ind_01's old alert listed beside its recovery:\n%s", second)
	}

	// The DingTalk message of the second round: firing and recovered apart,
	// the recovery's new status and figure, under DingTalk's limit.
	var secondData []byte
	testkit.WaitFor(t, ctx, am, "the webhook body with the recovery at the DingTalk bridge", func() error {
		if secondData = bridge.find(`"alertname":"KpiRecovered"`, `"status":"resolved"`, `"indicator":"ind_02"`); secondData == nil {
			return fmt.Errorf("%d webhook bodies, none with the recovery and a resolved alert", bridge.count())
		}
		return nil
	})
	ding, request = renderDingTalk(t, amtool, root, secondData)
	t.Logf("second DingTalk message (%d bytes as a request):\n%s", len(request), ding)
	if len(request) > dingtalkLimit {
		t.Errorf("second DingTalk request is %d bytes, over DingTalk's %d", len(request), dingtalkLimit)
	}
	dingFiring, dingResolved, _ := strings.Cut(ding, "**已恢复（3项）**")
	if !strings.HasPrefix(ding, "**【kpimon】区科工信局：28项告警，3项已恢复**") || !strings.Contains(dingFiring, "【严重滞后】指标00") {
		t.Errorf("second DingTalk message: want 28 firing (the new ind_00 line among them) and 3 recovered:\n%s", ding)
	}
	for _, want := range []string{"> 【已恢复】指标01（区科工信局牵头）：现为正常推进，2022年实际28家，目标≥30家",
		"> 已更新（新数据见上方告警）：【进度滞后】指标00", "> 已解除（不再处于原状态，最新状态和数据见看板）：【进度滞后】指标02"} {
		if !strings.Contains(dingResolved, want) {
			t.Errorf("second DingTalk message's 已恢复 section lacks %q:\n%s", want, dingResolved)
		}
	}

	// The e-mail of the second round, decoded: the full text of each alert.
	var mail string
	testkit.WaitFor(t, ctx, am, "the e-mail with the recovered alerts", func() error {
		for _, m := range smtp.all() {
			b, _ := io.ReadAll(quotedprintable.NewReader(strings.NewReader(m)))
			if strings.Contains(string(b), "二、已恢复（3项）") {
				mail = strings.ReplaceAll(string(b), "\r\n", "\n")
				return nil
			}
		}
		return fmt.Errorf("%d e-mails, none with 二、已恢复（3项）", len(smtp.all()))
	})
	for _, want := range []string{"一、新增及仍在告警（28项）", "【严重滞后】指标00（区科工信局牵头）：2022年实际20家，目标≥30家，差距10家\n规划：测试",
		"【已恢复】指标01（区科工信局牵头）：现为正常推进，2022年实际28家，目标≥30家\n规划：测试\n状态：正常推进（原告警已解除）",
		"已解除（不再处于原状态，最新状态和数据见看板）：【进度滞后】指标02", "本单位全部指标：https://grafana.example.gov.cn/d/kpi-unit/kpi-unit?var-lead_unit="} {
		if !strings.Contains(mail, want) {
			t.Errorf("e-mail lacks %q", want)
		}
	}
	if strings.Contains(mail, "：【进度滞后】指标01") {
		t.Errorf("e-mail lists ind_01's old alert beside its recovery")
	}

	// A unit whose only alert was a recovery: when KpiRecovered ends (its
	// day is over) Alertmanager still sends the group, which then says
	// 目前无告警, not an empty list.
	lone := unitAlert("ind_99", "【已恢复】指标99（区发改局牵头）：现为正常推进，2022年实际30家，目标≥30家")
	lone.Labels["alertname"], lone.Labels["lead_unit"] = "KpiRecovered", "区发改局"
	post([]testAlert{lone})
	testkit.WaitFor(t, ctx, am, "区发改局's recovery", func() error {
		for _, m := range wecom.all() {
			if strings.HasPrefix(m, "**【kpimon】区发改局：1项已恢复**") {
				return nil
			}
		}
		return fmt.Errorf("%d WeCom messages, none to 区发改局", len(wecom.all()))
	})
	lone.EndsAt = time.Now().Add(-time.Second)
	post([]testAlert{lone})
	testkit.WaitFor(t, ctx, am, "区发改局's message once its recovery ended", func() error {
		for _, m := range wecom.all() {
			if strings.HasPrefix(m, "**【kpimon】区发改局：目前无告警**") {
				if strings.Contains(m, "指标99") || strings.Contains(m, "已恢复") {
					t.Errorf("the message after a recovery ended lists it again:\n%s", m)
				}
				return nil
			}
		}
		return fmt.Errorf("%d WeCom messages, none to 区发改局 saying 目前无告警", len(wecom.all()))
	})
}

// TestNotificationTemplatesWorstCase renders the largest message the
// WeCom template can make — more than 10 firing alerts whose lines keep a
// reason, more than 5 resolved, long lines, the longest unit name — with
// Alertmanager's template engine (amtool) and holds it under WeCom's
// 4,096 bytes and the DingTalk request under 20,000.
func TestNotificationTemplatesWorstCase(t *testing.T) {
	amtool := testkit.LookPath(t, "prometheus-alertmanager (amtool)", "amtool")
	root := testkit.RepoRoot(t)
	const unit = "区委组织部（区委人才办）"
	long := strings.Repeat("长", 150)
	type alert struct {
		Status      string            `json:"status"`
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
		StartsAt    time.Time         `json:"startsAt"`
		EndsAt      time.Time         `json:"endsAt"`
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var alerts []alert
	for i := range 30 {
		alerts = append(alerts, alert{Status: "firing", StartsAt: start, Labels: map[string]string{
			"alertname": "KpiDeadlineMissed", "plan": "p", "indicator": fmt.Sprintf("f%02d", i), "lead_unit": unit,
			"summary":   fmt.Sprintf("【逾期未达标】指标%02d（%s、区科工信局牵头）：%s；完成时限年度的数据逾期未报：2022年%s", i, unit, long, long),
			"dashboard": "https://grafana.example.gov.cn/d/kpi-indicator/kpi-indicator?var-plan=p&var-indicator=x",
		}})
	}
	for i := range 8 {
		alerts = append(alerts, alert{Status: "resolved", StartsAt: start, EndsAt: start.Add(time.Hour), Labels: map[string]string{
			"alertname": "KpiIndicatorLagging", "plan": "p", "indicator": fmt.Sprintf("r%02d", i), "lead_unit": unit,
			"summary": fmt.Sprintf("【进度滞后】指标%02d（%s牵头）：%s", i, unit, long),
		}})
	}
	data, err := json.Marshal(map[string]any{"receiver": unit, "status": "firing", "alerts": alerts,
		"groupLabels": map[string]string{"lead_unit": unit}, "commonLabels": map[string]string{}, "commonAnnotations": map[string]string{},
		"externalURL": "http://alertmanager.example.gov.cn"})
	if err != nil {
		t.Fatal(err)
	}
	text, request := renderDingTalk(t, amtool, root, data)
	t.Logf("worst-case message: %d bytes; as a DingTalk request %d bytes", len(text), len(request))
	if len(text) > wecomLimit {
		t.Errorf("worst-case WeCom message is %d bytes, over %d:\n%s", len(text), wecomLimit, text)
	}
	if len(request) > dingtalkLimit {
		t.Errorf("worst-case DingTalk request is %d bytes, over %d", len(request), dingtalkLimit)
	}
	for _, want := range []string{"**新增及仍在告警（30项）**", "…；完成时限年度的数据逾期未报：2022年", "……共30项，此处列出前10项", "**已恢复（8项）**", "……共8项，此处列出前5项"} {
		if !strings.Contains(text, want) {
			t.Errorf("worst-case message lacks %q:\n%s", want, text)
		}
	}
}
