package pull

import (
	"strings"
	"testing"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// TestReceiptTextSaysANoteOnlyRevision: the inbox receipt words a revision
// that changed only the note 说明已更新, a new value 修订.
func TestReceiptTextSaysANoteOnlyRevision(t *testing.T) {
	o := kpi.Observation{Plan: "yanfeng", Indicator: "high_tech_enterprises", Period: kpi.YearPeriod(2020), Value: 16, Revision: 2}
	res := kpi.SubmissionResult{Revised: 2, Outcomes: []kpi.Outcome{
		{Observation: o, Result: kpi.ResultRevised, NoteRevised: true},
		{Observation: o, Result: kpi.ResultRevised},
	}}
	text := receiptText("tjj.csv", res)
	for _, want := range []string{"2020年\t16\t说明已更新\n", "2020年\t16\t修订\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("receipt lacks %q:\n%s", want, text)
		}
	}
}
