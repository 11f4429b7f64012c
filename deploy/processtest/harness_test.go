package processtest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/socialrx/socialrx/services/platform/testenv"
)

// binDir holds the binaries, built once for the package.
var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// binary returns the path of a built command: embeddeddb, directory, event, referral, gateway,
// allinone.
func binary(t *testing.T, name string) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "socialrx-bin-")
		if buildErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", binDir+string(filepath.Separator),
			"./deploy/embeddeddb", "./services/directory/cmd/directory", "./services/event/cmd/event",
			"./services/referral/cmd/referral", "./gateway/cmd/gateway", "./deploy/allinone")
		cmd.Dir = "../.."
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(binDir, name)
}

// freeAddr returns a loopback address nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	return lis.Addr().String()
}

// proc is a running binary.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  *bytes.Buffer
	done chan struct{}
}

// lockedBuffer lets the process write its log while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf *bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// start runs binary name with only the given environment (and PATH, HOME), logging to the
// test on failure; it is killed when the test ends.
func start(t *testing.T, label, name string, env map[string]string, args ...string) *proc {
	t.Helper()
	return startCmd(t, label, exec.Command(binary(t, name), args...), env)
}

// startCmd is start for any command: its Dir and SysProcAttr are kept.
func startCmd(t *testing.T, label string, cmd *exec.Cmd, env map[string]string) *proc {
	t.Helper()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &proc{name: label, cmd: cmd, log: &bytes.Buffer{}, done: make(chan struct{})}
	w := &lockedBuffer{buf: p.log}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", label, err)
	}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			w.mu.Lock()
			t.Logf("--- log of %s ---\n%s", label, tail(p.log.String(), 15))
			w.mu.Unlock()
		}
	})
	return p
}

func tail(s string, lines int) string {
	all := strings.Split(strings.TrimSpace(s), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

// kill stops the process at once (SIGKILL), with its process group when it leads one, and
// waits for it.
func (p *proc) kill() {
	if a := p.cmd.SysProcAttr; a != nil && a.Setpgid {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// output is what the process wrote so far, stdout and stderr together.
func (p *proc) output() string {
	w := p.cmd.Stdout.(*lockedBuffer)
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// terminate sends SIGTERM, as Kubernetes does, and waits for the process to exit.
func (p *proc) terminate(t *testing.T, within time.Duration) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(within):
		t.Fatalf("%s did not exit within %s of SIGTERM", p.name, within)
	}
}

// health returns the gRPC health of service at addr, or the error of asking.
func health(addr, service string) (healthpb.HealthCheckResponse_ServingStatus, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: service})
	return resp.GetStatus(), err
}

// waitHealth waits until service at addr reports want, failing the test after within.
func waitHealth(t *testing.T, addr, service string, want healthpb.HealthCheckResponse_ServingStatus, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	var got healthpb.HealthCheckResponse_ServingStatus
	var err error
	if testenv.Poll(within, func() bool {
		got, err = health(addr, service)
		return err == nil && got == want
	}) {
		return time.Since(start)
	}
	t.Fatalf("%s at %s: health %s (err %v) after %s, want %s", service, addr, got, err, within, want)
	return 0
}

// scrape returns the sum of the samples of metric at a /metrics endpoint whose labels contain
// every one of match (e.g. `grpc_method="GetOrganization"`), and whether there were any.
func scrape(t *testing.T, metricsAddr, metric string, match ...string) (float64, bool) {
	t.Helper()
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatalf("scrape %s: %v", metricsAddr, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape %s: %s", metricsAddr, resp.Status)
	}
	return sumSamples(resp.Body, metric, match...)
}

func sumSamples(r io.Reader, metric string, match ...string) (float64, bool) {
	var sum float64
	found := false
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
lines:
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, metric+"{") && !strings.HasPrefix(line, metric+" ") {
			continue
		}
		for _, m := range match {
			if !strings.Contains(line, m) {
				continue lines
			}
		}
		v, err := strconv.ParseFloat(line[strings.LastIndex(line, " ")+1:], 64)
		if err != nil {
			continue
		}
		sum += v
		found = true
	}
	return sum, found
}

// waitHealthz waits until the gateway at base says 200 on /healthz.
func waitHealthz(t *testing.T, base string) {
	t.Helper()
	if !testenv.Poll(30*time.Second, func() bool {
		code, _ := rest(t, http.DefaultClient, "GET", base+"/healthz", "")
		return code == http.StatusOK
	}) {
		t.Fatal("gateway /healthz never said 200")
	}
}
