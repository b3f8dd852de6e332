package api_test

import (
	"encoding/json"
	"testing"

	"github.com/valence-rsd/valence/api"
)

func TestFlexIntUnmarshal(t *testing.T) {
	tests := []struct {
		in      string
		want    api.FlexInt
		wantErr bool
	}{
		{in: `4`, want: 4},
		{in: `"4"`, want: 4},
		{in: `0`, want: 0},
		{in: `-3`, want: -3}, // in range or not is for the validator to say
		{in: `"-3"`, want: -3},
		{in: `null`, want: 7}, // leaves the value as it was
		{in: `"x"`, wantErr: true},
		{in: `""`, wantErr: true},
		{in: `4.5`, wantErr: true},
		{in: `"4.5"`, wantErr: true},
		{in: `1e3`, wantErr: true},
		{in: `true`, wantErr: true},
		{in: `[4]`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var got struct {
				N api.FlexInt `json:"n"`
			}
			got.N = 7
			err := json.Unmarshal([]byte(`{"n":`+tt.in+`}`), &got)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("got %d, want an error", got.N)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if got.N != tt.want {
				t.Errorf("got %d, want %d", got.N, tt.want)
			}
		})
	}
}

func TestFlexIntMarshalsAsNumber(t *testing.T) {
	b, err := json.Marshal(api.MemoryRequirementInput{CapacityMiB: 4096})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"capacity_mib":4096}` {
		t.Errorf("got %s", b)
	}
}
