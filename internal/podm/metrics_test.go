package podm

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/valence-rsd/valence/redfish"
)

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := testConn()
	c.metrics = newMetrics(reg)
	// A second Connector on the same registry shares the metrics.
	if again := newMetrics(reg); again.duration != c.metrics.duration || again.errors != c.metrics.errors {
		t.Fatal("a second registration made new metrics")
	}
	ctx := context.Background()
	_, _ = observe(ctx, c, opAllocate, func() (string, error) { return "/redfish/v1/Nodes/1", nil })
	_, _ = observe(ctx, c, opAllocate, func() (string, error) { return "", &redfish.Error{StatusCode: 409} })
	_, _ = observe(ctx, c, opSystems, func() (none, error) { return none{}, fmt.Errorf("x: %w", redfish.ErrUnreachable) })

	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			key := f.GetName()
			for _, l := range m.GetLabel() {
				key += " " + l.GetName() + "=" + l.GetValue()
			}
			if h := m.GetHistogram(); h != nil {
				got[key] = float64(h.GetSampleCount())
			} else {
				got[key] = m.GetCounter().GetValue()
			}
		}
	}
	want := map[string]float64{
		"valence_podm_request_duration_seconds operation=allocate":               2,
		"valence_podm_request_duration_seconds operation=systems":                1,
		"valence_podm_errors_total code=Conflict operation=allocate":             1,
		"valence_podm_errors_total code=PodManagerUnavailable operation=systems": 1,
	}
	if len(got) != len(want) {
		t.Errorf("series = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}

func TestNoRegistererRecordsNothing(t *testing.T) {
	c := testConn()
	if c.metrics = newMetrics(nil); c.metrics != nil {
		t.Fatal("metrics without a registerer")
	}
	_, err := observe(context.Background(), c, opProbe, func() (none, error) { return none{}, errors.New("boom") })
	if err == nil {
		t.Fatal("the failure was lost")
	}
}
