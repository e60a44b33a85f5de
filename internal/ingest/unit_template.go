package ingest

import (
	"context"
	"fmt"
	"io"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// WriteTemplateFor writes the XLSX template with only the indicators actor
// may submit for: a unit's staff see the rows they fill, not the whole plan.
func (ing *Ingester) WriteTemplateFor(ctx context.Context, w io.Writer, actor kpi.Actor) error {
	cat, err := ing.store.Catalog(ctx)
	if err != nil {
		return fmt.Errorf("template: read catalog: %w", err)
	}
	mine := cat.Indicators[:0:0]
	for _, ind := range cat.Indicators {
		if actor.MaySubmitFor(ind) {
			mine = append(mine, ind)
		}
	}
	cat.Indicators = mine
	return WriteTemplate(w, cat)
}
