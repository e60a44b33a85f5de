// Package deps pins the project's modules while the packages that use them
// are written. Removed once every module is imported for real.
package deps

import (
	_ "github.com/chromedp/chromedp"
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/prometheus/client_golang/prometheus/collectors"
	_ "github.com/prometheus/client_golang/prometheus/promhttp"
	_ "github.com/prometheus/client_golang/prometheus/testutil"
	_ "github.com/prometheus/exporter-toolkit/web"
	_ "github.com/robfig/cron/v3"
	_ "github.com/xuri/excelize/v2"
	_ "go.etcd.io/bbolt"
	_ "golang.org/x/text/encoding/simplifiedchinese"
	_ "golang.org/x/text/width"
	_ "gopkg.in/yaml.v3"
)
