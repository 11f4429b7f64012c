package benchmarks

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/socialrx/socialrx/gateway"
	"github.com/socialrx/socialrx/gateway/gatewaytest"
	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/directory"
	"github.com/socialrx/socialrx/services/directory/directorytest"
	"github.com/socialrx/socialrx/services/platform/storage/changefeed"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// BenchmarkEdge measures what the REST edge adds to a read: GetService through the gateway and
// over gRPC, p50 at 1 and at 16 clients, and prints the REST/gRPC ratios. The HTTP client keeps
// a connection per client, as a browser or a service's client pool does. Both calls are made
// anonymously (GetService is public) and with the same bearer token, which the service verifies
// on every call either way.
//
//	go test -run='^$' -bench=Edge -benchtime=1x ./deploy/benchmarks/
func BenchmarkEdge(b *testing.B) {
	for _, r := range edgeRatios(b, envSize("SCALE_EDGE_SERVICES", 1000)) {
		fmt.Printf("GetService %-9s clients=%-3d grpc p50 %.3f ms  rest p50 %.3f ms  REST/gRPC %.2f\n", r.caller, r.clients, ms(r.grpc), ms(r.rest), r.ratio())
	}
}

type edgeRatio struct {
	caller     string // "anonymous" or "token"
	clients    int
	grpc, rest time.Duration
}

func (r edgeRatio) ratio() float64 { return float64(r.rest) / float64(max(r.grpc, 1)) }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// envSize reads a size from the environment, def when unset.
func envSize(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// edgeRatios loads n services and measures GetService over gRPC and REST at 1 and 16 clients,
// anonymously and with a token, alternating the two for three seconds each, twice, and keeping
// the better p50 of each.
func edgeRatios(b *testing.B, n int) []edgeRatio {
	ctx := as(context.Background(), adminID)
	dir := directorytest.Start(b, directorytest.Options{Database: testenv.DatabaseName(b),
		Configure: func(c *directory.Config) { c.ReadStaleness = changefeed.DefaultStaleness }})
	defer dir.Stop()
	base := gatewaytest.Start(b, gateway.Config{DirectoryAddr: dir.Addr})
	names := directorytest.LoadServices(ctx, b, dir.Client, n, "")
	name := func(i int) string { return names[directorytest.Spread(i, len(names))] }
	var out []edgeRatio
	for _, caller := range []string{"anonymous", "token"} {
		out = append(out, edgeRatiosAs(b, base, dir.Client, name, caller)...)
	}
	return out
}

func edgeRatiosAs(b *testing.B, base string, c directoryv1.DirectoryServiceClient, name func(int) string, caller string) []edgeRatio {
	ctx, authorization := context.Background(), ""
	if caller == "token" {
		ctx, authorization = as(ctx, adminID), "Bearer "+testenv.Bearer(adminID)
	}
	var out []edgeRatio
	for _, clients := range []int{1, 16} {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
		grpcOp := func(i int) error {
			_, err := c.GetService(ctx, &directoryv1.GetServiceRequest{Name: name(i)})
			return err
		}
		restOp := func(i int) error {
			req, err := http.NewRequest(http.MethodGet, base+"/v1/"+name(i), nil)
			if err != nil {
				return err
			}
			if authorization != "" {
				req.Header.Set("Authorization", authorization)
			}
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			if _, err := io.Copy(io.Discard, resp.Body); err != nil {
				return err
			}
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("GET %s: %s", name(i), resp.Status)
			}
			return nil
		}
		r := edgeRatio{caller: caller, clients: clients, grpc: time.Hour, rest: time.Hour}
		for range 2 {
			for _, m := range []struct {
				op   func(int) error
				best *time.Duration
			}{{grpcOp, &r.grpc}, {restOp, &r.rest}} {
				_, lat, err := testenv.Concurrent(clients, 3*time.Second, m.op)
				if err != nil {
					b.Fatal(err)
				}
				*m.best = min(*m.best, lat.P50)
			}
		}
		client.CloseIdleConnections()
		out = append(out, r)
	}
	return out
}
