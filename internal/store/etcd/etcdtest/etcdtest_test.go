package etcdtest

import (
	"net/http"
	"testing"
)

func TestStartAnswersAndStops(t *testing.T) {
	var endpoint string
	t.Run("start", func(t *testing.T) {
		endpoint = Start(t)[0]
		resp, err := http.Get("http://" + endpoint + "/version")
		if err != nil {
			t.Fatalf("etcd does not answer: %v", err)
		}
		resp.Body.Close()
	})
	if endpoint == "" {
		return // skipped: no etcd binary
	}
	if resp, err := http.Get("http://" + endpoint + "/version"); err == nil {
		resp.Body.Close()
		t.Errorf("etcd still answers on %s after its test ended", endpoint)
	}
}
