package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/yanfeng/kpimon/internal/testkit"
)

// browserSession is one headless Chromium tab on the fixture's server.
type browserSession struct {
	t     *testing.T
	f     *fixture
	ctx   context.Context // limited: no step may hang the test run
	shots string
	n     int
}

func newBrowser(t *testing.T, f *fixture, path string) *browserSession {
	t.Helper()
	profile := t.TempDir()
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	// The first Do starts the browser; it must run on a context without a
	// deadline, or the deadline would end the browser.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium %s: %v", path, err)
	}
	// A guard against a hung browser, not a speed assertion.
	lctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancel)

	shots := os.Getenv("KPIMON_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatalf("screenshot dir: %v", err)
	}
	return &browserSession{t: t, f: f, ctx: lctx, shots: shots}
}

func (b *browserSession) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// submit clicks a button that sends a form and waits for the next page; it
// returns that page's HTTP status.
func (b *browserSession) submit(what, buttonID string) int64 {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.ID(buttonID)))
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return resp.Status
}

// text returns the visible text of the first element matching the selector.
// The page has loaded already, so a missing element fails at once, showing
// what the page says instead of waiting for the element.
func (b *browserSession) text(sel string) string {
	b.t.Helper()
	found, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector(%q) !== null`, sel)))
	if err != nil {
		b.t.Fatalf("look for %s: %v", sel, err)
	}
	if !found {
		body, _ := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("body")))
		b.t.Fatalf("no %s on %s; the page says:\n%s", sel, b.location(), body)
	}
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (b *browserSession) location() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("location: %v", err)
	}
	return strings.TrimPrefix(loc, b.f.server.URL)
}

// wantText fails unless the element's visible text holds every string.
func (b *browserSession) wantText(sel string, want ...string) {
	b.t.Helper()
	got := b.text(sel)
	for _, w := range want {
		if !strings.Contains(got, w) {
			b.t.Errorf("text of %s lacks %q; it is:\n%s", sel, w, got)
		}
	}
}

// screenshot saves the whole page as a numbered PNG.
func (b *browserSession) screenshot(name string) {
	b.t.Helper()
	b.save(name, chromedp.FullScreenshot(100))
}

// screenshotViewport saves what fits the viewport: the list of every
// indicator is too long for a useful whole-page picture.
func (b *browserSession) screenshotViewport(name string) {
	b.t.Helper()
	b.save(name, chromedp.CaptureScreenshot())
}

func (b *browserSession) save(name string, shot chromedp.Action[[]byte]) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, shot)
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		b.t.Fatalf("screenshot %s is not a PNG", name)
	}
	b.n++
	path := filepath.Join(b.shots, fmt.Sprintf("%02d-%s.png", b.n, name))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatalf("save screenshot: %v", err)
	}
	b.t.Logf("screenshot %s", path)
}

// noHorizontalScroll fails when the page is wider than the viewport: on a
// phone, a table that overflows is unreadable.
func (b *browserSession) noHorizontalScroll(what string) {
	b.t.Helper()
	widths, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, window.innerWidth]`))
	if err != nil {
		b.t.Fatalf("measure %s: %v", what, err)
	}
	if widths[0] > widths[1] {
		b.t.Errorf("%s: page is %dpx wide in a %dpx viewport, want no horizontal scrolling", what, widths[0], widths[1])
	}
}

// TestBrowserSubmitFlow drives the page in headless Chromium the way a
// unit's staff would: sign in, fetch the template, upload a good file and a
// bad one, enter a figure by hand, look at the list on desktop and phone,
// sign out. Each step leaves a screenshot.
func TestBrowserSubmitFlow(t *testing.T) {
	path := testkit.LookPath(t, "chromium", "chromium", "chromium-browser") // before any work, so a skip is quick
	f := newFixture(t, fixtureOptions{})
	b := newBrowser(t, f, path)
	base := f.server.URL
	ownRef := f.own.Plan + "/" + f.own.ID

	step := func(name string, fn func(t *testing.T)) {
		if !t.Run(name, fn) {
			t.FailNow()
		}
	}

	step("submit page asks to sign in", func(t *testing.T) {
		b.do("open /submit", chromedp.Navigate(base+"/submit"))
		if got, want := b.location(), "/signin?next=%2Fsubmit"; got != want {
			t.Errorf("location = %q, want %q", got, want)
		}
		b.wantText("main", "登录", "用户名", "密码")
		scripts, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.scripts.length`))
		if err != nil {
			t.Fatal(err)
		}
		if scripts != 0 {
			t.Errorf("page has %d scripts, want none: the core path works without JavaScript", scripts)
		}
		b.screenshot("signin")
	})

	step("wrong password is refused", func(t *testing.T) {
		b.do("type user and password", chromedp.SendKeys(chromedp.ID("user"), unitName), chromedp.SendKeys(chromedp.ID("password"), "not the password"))
		if got := b.submit("sign in", "signin-submit"); got != http.StatusUnauthorized {
			t.Errorf("status = %d, want %d", got, http.StatusUnauthorized)
		}
		b.wantText("#signin-error", "用户名或密码不正确")
		// The user name stays typed in; the password never comes back.
		fields, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`[document.getElementById("user").value, document.getElementById("password").value]`))
		if err != nil {
			t.Fatal(err)
		}
		if fields[0] != unitName || fields[1] != "" {
			t.Errorf("after the refusal user = %q, password = %q; want %q and empty", fields[0], fields[1], unitName)
		}
		b.screenshot("signin-refused")
	})

	step("sign in with user name and password", func(t *testing.T) {
		b.do("type the password", chromedp.SendKeys(chromedp.ID("password"), testPassword))
		if got := b.submit("sign in", "signin-submit"); got != http.StatusOK {
			t.Errorf("status = %d, want %d", got, http.StatusOK)
		}
		if got, want := b.location(), "/submit"; got != want {
			t.Errorf("location after sign-in = %q, want %q", got, want)
		}
		b.wantText("header", "已登录："+unitName, "退出", "修改密码")
		b.wantText("#entry", f.own.Name)
		b.screenshot("submit")
	})

	step("the session survives a restart", func(t *testing.T) {
		f.restart()
		b.do("open /submit", chromedp.Navigate(base+"/submit"))
		if got, want := b.location(), "/submit"; got != want {
			t.Errorf("location after the restart = %q, want %q (signed out)", got, want)
		}
		b.wantText("header", "已登录："+unitName)
	})

	var template []byte
	step("download the template", func(t *testing.T) {
		dir := t.TempDir()
		enabled := true
		if _, err := chromedp.CallBrowser(b.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir, EventsEnabled: &enabled,
		}); err != nil {
			t.Fatalf("set download behaviour: %v", err)
		}
		progress := chromedp.BrowserEvents(b.ctx, browser.DownloadProgress)
		b.do("click template link", chromedp.Click(chromedp.ID("template-link")))
		for ev, err := range progress {
			if err != nil {
				t.Fatalf("waiting for the download: %v", err)
			}
			if ev.State == browser.DownloadProgressStateCanceled {
				t.Fatalf("download canceled")
			}
			if ev.State == browser.DownloadProgressStateCompleted {
				break
			}
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || !strings.HasSuffix(entries[0].Name(), ".xlsx") {
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			t.Fatalf("download dir holds %q, want one .xlsx file", names)
		}
		template, err = os.ReadFile(filepath.Join(dir, entries[0].Name()))
		if err != nil {
			t.Fatal(err)
		}
		x, err := excelize.OpenReader(bytes.NewReader(template))
		if err != nil {
			t.Fatalf("downloaded %s is not an XLSX: %v", entries[0].Name(), err)
		}
		x.Close()
		t.Logf("downloaded %s, %d bytes", entries[0].Name(), len(template))
		b.screenshot("template-downloaded")
	})

	upload := func(t *testing.T, name string, body []byte) int64 {
		t.Helper()
		path := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(path, body, 0o644); err != nil {
			t.Fatal(err)
		}
		b.do("choose file", chromedp.SetUploadFiles(chromedp.ID("upload-file"), []string{path}))
		return b.submit("upload", "upload-submit")
	}

	step("upload a good file and see the receipt", func(t *testing.T) {
		if got := upload(t, "高新技术企业-2021.xlsx", goodWorkbook(t, f, template, true)); got != http.StatusOK {
			t.Errorf("status = %d, want %d", got, http.StatusOK)
		}
		b.wantText("#receipt", "报送成功", "高新技术企业-2021.xlsx", f.own.Name, "2021", goodValue+f.own.Unit, "新增")
		b.screenshot("upload-receipt")
	})

	step("upload a bad file and see every problem", func(t *testing.T) {
		if got := upload(t, "有错误.xlsx", badWorkbook(t, f, template, true)); got != http.StatusUnprocessableEntity {
			t.Errorf("status = %d, want %d", got, http.StatusUnprocessableEntity)
		}
		bad := badCell(t, f, template, true)
		b.wantText("#problems", "未写入任何数据", "有错误.xlsx",
			fmt.Sprintf("第 %d 行", bad.row), bad.column+" 列", badValue)
		b.screenshot("upload-problems")
	})

	step("enter one figure by hand", func(t *testing.T) {
		b.do("fill entry form",
			chromedp.SetValue(chromedp.ID("entry-indicator"), ownRef),
			chromedp.SendKeys(chromedp.ID("entry-period"), "2020"),
			chromedp.SendKeys(chromedp.ID("entry-value"), "21"),
			chromedp.SendKeys(chromedp.ID("entry-note"), "网页补报"),
		)
		if got := b.submit("save entry", "entry-submit"); got != http.StatusOK {
			t.Errorf("status = %d, want %d", got, http.StatusOK)
		}
		b.wantText("#receipt", "报送成功", f.own.Name, "2020", "21"+f.own.Unit, "新增")
		b.screenshot("entry-receipt")
	})

	step("overview shows the new figure", func(t *testing.T) {
		b.do("open /", chromedp.Navigate(base+"/"))
		b.wantText(fmt.Sprintf(`tr[data-ref=%q]`, ownRef), f.own.Name, goodValue+f.own.Unit, "2021")
		row := b.text(fmt.Sprintf(`tr[data-ref=%q]`, ownRef))
		if strings.Contains(row, "未报送") {
			t.Errorf("row still says 未报送 after figures were stored:\n%s", row)
		}
		b.screenshotViewport("overview")
	})

	step("filter by task without JavaScript", func(t *testing.T) {
		b.do("choose task", chromedp.SetValue(chromedp.ID("filter-task"), fmt.Sprint(f.foreign.Task)))
		if got := b.submit("filter", "filter-submit"); got != http.StatusOK {
			t.Errorf("status = %d, want %d", got, http.StatusOK)
		}
		if got, want := b.location(), fmt.Sprintf("/?task=%d&unit=&status=", f.foreign.Task); got != want {
			t.Errorf("location = %q, want %q", got, want)
		}
		b.wantText("#indicators", f.foreign.Name)
		b.screenshotViewport("overview-filtered")
	})

	step("overview and indicator page on a phone", func(t *testing.T) {
		b.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(base+"/"))
		b.noHorizontalScroll("overview on a phone")
		b.screenshotViewport("overview-phone")
		b.do("open indicator", chromedp.Navigate(base+"/indicators/"+ownRef))
		b.wantText("main", f.own.Name, "各期数据", "全部报送记录", "网页补报")
		b.noHorizontalScroll("indicator page on a phone")
		b.screenshot("indicator-phone")
		b.do("open submit", chromedp.Navigate(base+"/submit"))
		b.noHorizontalScroll("submit page on a phone")
		b.do("desktop viewport", chromedp.ResetViewport())
	})

	step("sign out", func(t *testing.T) {
		b.do("open /submit", chromedp.Navigate(base+"/submit"))
		if got := b.submit("sign out", "signout-submit"); got != http.StatusOK {
			t.Errorf("status = %d, want %d", got, http.StatusOK)
		}
		b.wantText("header", "登录")
		b.do("open /submit", chromedp.Navigate(base+"/submit"))
		if got, want := b.location(), "/signin?next=%2Fsubmit"; got != want {
			t.Errorf("location after sign-out = %q, want %q", got, want)
		}
		b.screenshot("signed-out")
	})
}
