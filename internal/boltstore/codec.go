package boltstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// Values the hot paths read in bulk (observations, indicator versions, audit
// entries) use a compact binary encoding instead of JSON: Latest decodes
// millions of observations per scrape and Catalog hundreds of thousands of
// indicators, where encoding/json would cost seconds. Each value starts with
// a format byte so a later encoding can sit beside this one.
const (
	formatObservation byte = 1
	formatVersion     byte = 1
	formatAudit       byte = 1
)

var errCorrupt = errors.New("corrupt value")

// enc appends primitive values to a byte slice.
type enc struct{ b []byte }

func (e *enc) byte1(v byte)     { e.b = append(e.b, v) }
func (e *enc) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *enc) varint(v int64)   { e.b = binary.AppendVarint(e.b, v) }
func (e *enc) f64(v float64)    { e.b = binary.BigEndian.AppendUint64(e.b, math.Float64bits(v)) }
func (e *enc) str(s string) {
	e.uvarint(uint64(len(s)))
	e.b = append(e.b, s...)
}
func (e *enc) bool1(v bool) {
	if v {
		e.byte1(1)
	} else {
		e.byte1(0)
	}
}
func (e *enc) strs(ss []string) {
	e.uvarint(uint64(len(ss)))
	for _, s := range ss {
		e.str(s)
	}
}

// time is stored as seconds and nanoseconds, which (unlike UnixNano) is
// defined for the zero time too.
func (e *enc) time(t time.Time) {
	e.varint(t.Unix())
	e.uvarint(uint64(t.Nanosecond()))
}

// dec reads what enc wrote; the first error sticks and zero values follow.
type dec struct {
	b   []byte
	err error
	// intern, if set, shares equal strings between decoded values.
	intern map[string]string
	// last holds the string last decoded per field slot (strSlot): the
	// figures of one submission share source, file and submitter, so
	// comparing with the previous value skips most intern lookups.
	last [4]string
}

func (d *dec) fail() {
	if d.err == nil {
		d.err = errCorrupt
	}
	d.b = nil
}

func (d *dec) byte1() byte {
	if len(d.b) < 1 {
		d.fail()
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *dec) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) int() int { return int(d.varint()) }

func (d *dec) f64() float64 {
	if len(d.b) < 8 {
		d.fail()
		return 0
	}
	v := math.Float64frombits(binary.BigEndian.Uint64(d.b))
	d.b = d.b[8:]
	return v
}

func (d *dec) bool1() bool { return d.byte1() != 0 }

// bytes returns the next length-prefixed field; it aliases d.b.
func (d *dec) bytes() []byte {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *dec) str() string {
	b := d.bytes()
	if len(b) == 0 {
		return ""
	}
	if d.intern != nil {
		if s, ok := d.intern[string(b)]; ok { // no allocation for the lookup
			return s
		}
		s := string(b)
		d.intern[s] = s
		return s
	}
	return string(b)
}

// strSlot is str for a field that tends to repeat from one value to the
// next; slot names the field.
func (d *dec) strSlot(slot int) string {
	b := d.bytes()
	if len(b) == 0 {
		return ""
	}
	if string(b) == d.last[slot] { // comparison does not allocate
		return d.last[slot]
	}
	var s string
	if d.intern != nil {
		var ok bool
		if s, ok = d.intern[string(b)]; !ok {
			s = string(b)
			d.intern[s] = s
		}
	} else {
		s = string(b)
	}
	d.last[slot] = s
	return s
}

func (d *dec) strs() []string {
	n := d.uvarint()
	if n == 0 || n > uint64(len(d.b)) { // each string needs at least one byte
		if n != 0 {
			d.fail()
		}
		return nil
	}
	ss := make([]string, n)
	for i := range ss {
		ss[i] = d.str()
	}
	return ss
}

func (d *dec) time() time.Time {
	sec := d.varint()
	nsec := d.uvarint()
	if nsec >= 1e9 {
		d.fail()
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec)).UTC()
}

// appendObservationValue encodes what a stored observation holds beyond its
// key (plan, indicator and period live in the key), and the sequence number
// of the audit entry that recorded it: the revisions of an indicator double
// as the index of its observation.* audit entries.
func appendObservationValue(b []byte, o *kpi.Observation, auditSeq uint64) []byte {
	e := enc{b}
	e.byte1(formatObservation)
	e.f64(o.Value)
	e.uvarint(uint64(o.Revision))
	e.uvarint(auditSeq)
	e.time(o.SubmittedAt)
	e.str(o.Source)
	e.str(o.File)
	e.str(o.SubmittedBy)
	e.str(o.Note)
	return e.b
}

// decodeObservationValue fills the value fields of o.
func decodeObservationValue(d *dec, o *kpi.Observation) error {
	if f := d.byte1(); f != formatObservation {
		return fmt.Errorf("observation value format %d: %w", f, errCorrupt)
	}
	o.Value = d.f64()
	o.Revision = int(d.uvarint())
	d.uvarint() // audit seq
	o.SubmittedAt = d.time()
	o.Source = d.strSlot(0)
	o.File = d.strSlot(1)
	o.SubmittedBy = d.strSlot(2)
	o.Note = d.strSlot(3)
	return d.err
}

// observationHead reads only the value, revision and audit sequence number
// of an encoded observation.
func observationHead(v []byte) (value float64, revision int, auditSeq uint64, err error) {
	d := dec{b: v}
	if f := d.byte1(); f != formatObservation {
		return 0, 0, 0, fmt.Errorf("observation value format %d: %w", f, errCorrupt)
	}
	value = d.f64()
	revision = int(d.uvarint())
	auditSeq = d.uvarint()
	return value, revision, auditSeq, d.err
}

func appendPeriod(e *enc, p kpi.Period) {
	e.varint(int64(p.Year))
	e.uvarint(uint64(p.Quarter))
	e.uvarint(uint64(p.Month))
}

func decodePeriod(d *dec) kpi.Period {
	return kpi.Period{Year: d.int(), Quarter: int(d.uvarint()), Month: int(d.uvarint())}
}

// appendIndicator encodes every field of kpi.Indicator, in declaration order.
// TestIndicatorCodecCoversEveryField fails when a field is added to
// kpi.Indicator and not here.
func appendIndicator(e *enc, ind *kpi.Indicator) {
	e.str(ind.ID)
	e.str(ind.Plan)
	e.str(ind.Name)
	e.str(ind.NameEN)
	e.varint(int64(ind.Task))
	e.str(ind.TaskTitle)
	e.str(ind.WorkLine)
	e.strs(ind.LeadUnits)
	e.strs(ind.CoUnits)
	e.str(ind.Unit)
	e.str(string(ind.Kind))
	e.f64(ind.Target)
	e.varint(int64(ind.Deadline))
	e.str(ind.DeadlineNote)
	e.bool1(ind.Baseline != nil)
	if ind.Baseline != nil {
		appendPeriod(e, ind.Baseline.Period)
		e.f64(ind.Baseline.Value)
	}
	e.str(string(ind.BaselineRule))
	e.str(string(ind.Frequency))
	e.varint(int64(ind.DueDays))
	e.str(string(ind.Measure))
	e.str(ind.SourceText)
	// Fields added later follow as an extension, written only when one is
	// set: definitions without them keep the bytes stored before the
	// extension existed, so an upgrade records no spurious change.
	baselineSource := ""
	if ind.Baseline != nil {
		baselineSource = ind.Baseline.Source
	}
	if ind.Tolerance == 0 && !ind.Strict && len(ind.Stages) == 0 && ind.Note == "" && baselineSource == "" && ind.Max == nil {
		return
	}
	e.byte1(indicatorExtension)
	e.f64(ind.Tolerance)
	e.bool1(ind.Strict)
	e.uvarint(uint64(len(ind.Stages)))
	for _, st := range ind.Stages {
		appendPeriod(e, st.Period)
		e.f64(st.Percent)
		e.str(st.Text)
	}
	e.str(ind.Note)
	e.str(baselineSource)
	// Max follows only when set, so definitions stored before it keep
	// their bytes.
	if ind.Max != nil {
		e.bool1(true)
		e.f64(*ind.Max)
	}
}

// indicatorExtension marks the extension of an encoded indicator.
const indicatorExtension byte = 1

func decodeIndicator(d *dec) kpi.Indicator {
	var ind kpi.Indicator
	ind.ID = d.str()
	ind.Plan = d.str()
	ind.Name = d.str()
	ind.NameEN = d.str()
	ind.Task = d.int()
	ind.TaskTitle = d.str()
	ind.WorkLine = d.str()
	ind.LeadUnits = d.strs()
	ind.CoUnits = d.strs()
	ind.Unit = d.str()
	ind.Kind = kpi.Kind(d.str())
	ind.Target = d.f64()
	ind.Deadline = d.int()
	ind.DeadlineNote = d.str()
	if d.bool1() {
		ind.Baseline = &kpi.Baseline{Period: decodePeriod(d), Value: d.f64()}
	}
	ind.BaselineRule = kpi.BaselineRule(d.str())
	ind.Frequency = kpi.Frequency(d.str())
	ind.DueDays = d.int()
	ind.Measure = kpi.Measure(d.str())
	ind.SourceText = d.str()
	if len(d.b) == 0 || d.err != nil {
		return ind
	}
	if d.byte1() != indicatorExtension {
		d.fail()
		return ind
	}
	ind.Tolerance = d.f64()
	ind.Strict = d.bool1()
	if n := d.uvarint(); n > 0 && n <= uint64(len(d.b)) {
		ind.Stages = make([]kpi.Stage, n)
		for i := range ind.Stages {
			ind.Stages[i] = kpi.Stage{Period: decodePeriod(d), Percent: d.f64(), Text: d.str()}
		}
	} else if n > 0 {
		d.fail()
	}
	ind.Note = d.str()
	if src := d.str(); src != "" && ind.Baseline != nil {
		ind.Baseline.Source = src
	}
	if len(d.b) > 0 && d.err == nil && d.bool1() {
		m := d.f64()
		ind.Max = &m
	}
	return ind
}

// encodeVersion encodes one version of an indicator's definition.
func encodeVersion(v *kpi.IndicatorVersion) []byte {
	e := enc{b: make([]byte, 0, 256)}
	e.byte1(formatVersion)
	e.uvarint(uint64(v.Version))
	e.time(v.At)
	e.bool1(v.Removed)
	appendIndicator(&e, &v.Indicator)
	return e.b
}

func decodeVersion(b []byte, intern map[string]string) (kpi.IndicatorVersion, error) {
	d := dec{b: b, intern: intern}
	var v kpi.IndicatorVersion
	if f := d.byte1(); f != formatVersion {
		return v, fmt.Errorf("indicator version format %d: %w", f, errCorrupt)
	}
	v.Version = int(d.uvarint())
	v.At = d.time()
	v.Removed = d.bool1()
	v.Indicator = decodeIndicator(&d)
	return v, d.err
}

// versionHead reads the version number and removed flag of an encoded
// version and returns the encoded indicator that follows, aliasing b.
func versionHead(b []byte) (version int, removed bool, indicator []byte, err error) {
	d := dec{b: b}
	if f := d.byte1(); f != formatVersion {
		return 0, false, nil, fmt.Errorf("indicator version format %d: %w", f, errCorrupt)
	}
	version = int(d.uvarint())
	d.time()
	removed = d.bool1()
	return version, removed, d.b, d.err
}

// appendAudit encodes an audit entry; its sequence number is the key.
func appendAudit(b []byte, a *kpi.AuditEntry) []byte {
	e := enc{b}
	e.byte1(formatAudit)
	e.time(a.At)
	e.str(a.Actor)
	e.str(a.Remote)
	e.str(a.Action)
	e.str(a.Object)
	e.str(a.Detail)
	return e.b
}

// appendObservationAudit encodes the audit entry of one stored figure as
// appendAudit would, with object plan/id, without building its strings.
func appendObservationAudit(b []byte, at time.Time, actor *kpi.Actor, action, plan, id string, detail []byte) []byte {
	e := enc{b}
	e.byte1(formatAudit)
	e.time(at)
	e.str(actor.Name)
	e.str(actor.Remote)
	e.str(action)
	e.uvarint(uint64(len(plan) + 1 + len(id)))
	e.b = append(e.b, plan...)
	e.b = append(e.b, '/')
	e.b = append(e.b, id...)
	e.uvarint(uint64(len(detail)))
	e.b = append(e.b, detail...)
	return e.b
}

func decodeAudit(seq uint64, b []byte) (kpi.AuditEntry, error) {
	d := dec{b: b}
	a := kpi.AuditEntry{Seq: seq}
	if f := d.byte1(); f != formatAudit {
		return a, fmt.Errorf("audit entry %d format %d: %w", seq, f, errCorrupt)
	}
	a.At = d.time()
	a.Actor = d.str()
	a.Remote = d.str()
	a.Action = d.str()
	a.Object = d.str()
	a.Detail = d.str()
	return a, d.err
}
