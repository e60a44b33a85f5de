package boltstore

import (
	"encoding/binary"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// fuzzBytes hands out the fuzzer's bytes as values; zeros when they run out.
type fuzzBytes struct{ b []byte }

func (f *fuzzBytes) next(n int) []byte {
	out := make([]byte, n)
	k := copy(out, f.b)
	f.b = f.b[k:]
	return out
}
func (f *fuzzBytes) u64() uint64 { return binary.LittleEndian.Uint64(f.next(8)) }
func (f *fuzzBytes) small() int  { return int(f.next(1)[0] % 4) }

// fuzzFill sets every field reachable from v from the fuzzer's bytes: any
// string (not only UTF-8), any int, any float64 bit pattern (NaN, ±Inf,
// -0), nil or not pointers, 0–3 slice elements. Reflection reaches fields
// added to the domain types later, so the round trip covers them unasked.
func fuzzFill(v reflect.Value, f *fuzzBytes) {
	if v.Type() == reflect.TypeFor[time.Time]() {
		v.Set(reflect.ValueOf(time.Unix(int64(f.u64()>>2)-1<<61, int64(f.u64()%1e9)).UTC()))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(string(f.next(f.small() * 5)))
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(f.u64()))
	case reflect.Uint64:
		v.SetUint(f.u64())
	case reflect.Float64:
		v.SetFloat(math.Float64frombits(f.u64()))
	case reflect.Bool:
		v.SetBool(f.next(1)[0]&1 == 1)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), f.small(), f.small()+4)
		for i := range s.Len() {
			fuzzFill(s.Index(i), f)
		}
		v.Set(s)
	case reflect.Pointer:
		if f.next(1)[0]&1 == 0 {
			return
		}
		p := reflect.New(v.Type().Elem())
		fuzzFill(p.Elem(), f)
		v.Set(p)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Field(i).CanSet() {
				fuzzFill(v.Field(i), f)
			}
		}
	}
}

var codecCmp = []cmp.Option{cmpopts.EquateNaNs(), cmpopts.EquateEmpty()}

// FuzzCodecRoundTrip: every observation value, indicator version and audit
// entry the store encodes decodes to itself, bit for bit; and no bytes at
// all make a decoder panic.
func FuzzCodecRoundTrip(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x01\x02\x03 seed with some bytes for strings and floats \xff\xfe\x00\x7f\xf8"))
	f.Add(encodeVersion(&kpi.IndicatorVersion{Version: 3, At: time.Unix(1600000000, 5), Indicator: kpi.Indicator{ID: "x", Tolerance: 0.1, Note: "n"}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Arbitrary bytes are a corrupt value at worst.
		decodeVersion(data, map[string]string{})
		versionHead(data)
		decodeAudit(1, data)
		observationHead(data)
		decodeObservationValue(&dec{b: data}, &kpi.Observation{})

		in := &fuzzBytes{b: data}

		var v kpi.IndicatorVersion
		fuzzFill(reflect.ValueOf(&v).Elem(), in)
		got, err := decodeVersion(encodeVersion(&v), map[string]string{})
		if err != nil {
			t.Fatalf("decode(encode(version)): %v", err)
		}
		if diff := cmp.Diff(v, got, codecCmp...); diff != "" {
			t.Errorf("decode(encode(version)) (-want +got):\n%s", diff)
		}

		var o kpi.Observation
		fuzzFill(reflect.ValueOf(&o).Elem(), in)
		o.Plan, o.Indicator, o.Period = "", "", kpi.Period{} // they live in the key
		seq := in.u64()
		b := appendObservationValue(nil, &o, seq)
		var back kpi.Observation
		if err := decodeObservationValue(&dec{b: b, intern: map[string]string{}}, &back); err != nil {
			t.Fatalf("decode(encode(observation)): %v", err)
		}
		if diff := cmp.Diff(o, back, codecCmp...); diff != "" {
			t.Errorf("decode(encode(observation)) (-want +got):\n%s", diff)
		}
		value, revision, auditSeq, err := observationHead(b)
		if err != nil || math.Float64bits(value) != math.Float64bits(o.Value) || revision != o.Revision || auditSeq != seq {
			t.Errorf("observationHead = %v, %d, %d, %v; want %v, %d, %d", value, revision, auditSeq, err, o.Value, o.Revision, seq)
		}

		var a kpi.AuditEntry
		fuzzFill(reflect.ValueOf(&a).Elem(), in)
		a2, err := decodeAudit(a.Seq, appendAudit(nil, &a))
		if err != nil {
			t.Fatalf("decode(encode(audit)): %v", err)
		}
		if diff := cmp.Diff(a, a2, codecCmp...); diff != "" {
			t.Errorf("decode(encode(audit)) (-want +got):\n%s", diff)
		}
	})
}
