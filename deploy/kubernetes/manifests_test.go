package kubernetes

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

var overlays = []struct {
	dir         string
	namespace   string
	minReplicas int32
}{
	{"overlays/dev", "socialrx-dev", 2},
	{"overlays/prod", "socialrx", 3},
}

func TestOverlays(t *testing.T) {
	for _, ov := range overlays {
		t.Run(ov.dir, func(t *testing.T) {
			o := build(t, ov.dir)
			checkNamespace(t, o, ov.namespace)
			var ws []workload
			for i := range o.deployments {
				if w, ok := checkDeployment(t, o, &o.deployments[i], ov.minReplicas); ok {
					ws = append(ws, w)
				}
			}
			stages := dockerStages(t)
			for _, s := range servers {
				if !slices.ContainsFunc(ws, func(w workload) bool { return w.server.name == s.name }) {
					t.Errorf("no Deployment runs %s", s.name)
				}
				if !slices.Contains(stages, s.name) {
					t.Errorf("deploy/Dockerfile has no stage building the %s image", s.name)
				}
			}
			checkNetworkPolicies(t, o, ov.namespace, ws)
			checkTLS(t, o, ws)
			checkIngresses(t, o, ws)
		})
	}
}

// A workload is a Deployment with the binary its image holds and the environment it gets.
type workload struct {
	d         *appsv1.Deployment
	c         *corev1.Container
	server    server
	env       map[string]string // as the manifests set it, secrets resolved
	listen    int32             // the port the binary listens on, given env
	probe     int32             // the port its gRPC health answers plaintext probes on
	podLabels labels.Set
}

func checkNamespace(t *testing.T, o objects, ns string) {
	t.Helper()
	found := false
	for _, n := range o.namespaces {
		if n.Name != ns {
			t.Errorf("Namespace %s: the overlay's namespace is %s", n.Name, ns)
			continue
		}
		found = true
		if n.Labels["pod-security.kubernetes.io/enforce"] != "restricted" {
			t.Errorf("Namespace %s does not enforce the restricted Pod Security Standard", ns)
		}
	}
	if !found {
		t.Errorf("no Namespace %s", ns)
	}
	for _, id := range sortedKeys(o.placed) {
		if !strings.HasPrefix(id, "Namespace/") && o.placed[id] != ns {
			t.Errorf("%s is in namespace %q, not %s", id, o.placed[id], ns)
		}
	}
}

func checkDeployment(t *testing.T, o objects, d *appsv1.Deployment, minReplicas int32) (workload, bool) {
	t.Helper()
	where := "Deployment " + d.Name
	spec := &d.Spec.Template.Spec
	if len(spec.Containers) != 1 {
		t.Errorf("%s: %d containers, want the binary's one", where, len(spec.Containers))
		return workload{}, false
	}
	c := &spec.Containers[0]
	// <prefix><binary>:<tag>, <prefix><binary>@<digest> or both.
	ref := strings.TrimPrefix(c.Image, imagePrefix)
	i := strings.IndexAny(ref, ":@")
	if !strings.HasPrefix(c.Image, imagePrefix) || i < 0 || ref[i+1:] == "" || ref[i:] == ":latest" {
		t.Errorf("%s: image %q, want %s<binary>:<release tag> or @<digest>", where, c.Image, imagePrefix)
		return workload{}, false
	}
	binary := ref[:i]
	s, ok := serverNamed(binary)
	if !ok {
		t.Errorf("%s: image %q holds no server binary this test knows", where, c.Image)
		return workload{}, false
	}
	w := workload{d: d, c: c, server: s, env: containerEnv(t, o, where, c), podLabels: d.Spec.Template.Labels}
	checkEnvNames(t, where, s, w.env)

	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil || sel.Empty() || !sel.Matches(w.podLabels) {
		t.Errorf("%s: selector %v does not select its own pods %v", where, d.Spec.Selector, w.podLabels)
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas < minReplicas {
		t.Errorf("%s: replicas %s, want at least %d", where, show(d.Spec.Replicas), minReplicas)
	}

	port, err := strconv.Atoi(listenPort(t, s, w.env))
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	w.listen, w.probe = int32(port), int32(port)
	if s.healthService != "" {
		// With a plaintext health listener, the probes go there: the gRPC port may speak only TLS.
		if addr := effective(t, s, w.env)[envByFlag(t, s.vars(t), "grpc-health-addr")]; addr != "" {
			_, hp, err := net.SplitHostPort(addr)
			n, perr := strconv.Atoi(hp)
			if err != nil || perr != nil {
				t.Fatalf("%s: health address %q: %v %v", where, addr, err, perr)
			}
			w.probe = int32(n)
			if p, ok := containerPort(c, intstr.FromString("health")); !ok || p.ContainerPort != w.probe {
				t.Errorf("%s: no container port \"health\" = %d, where %s answers probes", where, w.probe, s.name)
			}
		}
	}
	wantName := "http"
	if s.healthService != "" {
		wantName = "grpc"
	}
	if p, ok := containerPort(c, intstr.FromString(wantName)); !ok || p.ContainerPort != w.listen {
		t.Errorf("%s: no container port %q = %d, where %s listens", where, wantName, w.listen, s.name)
	}

	checkProbes(t, where, w)
	checkResources(t, where, c)
	checkSecurity(t, where, spec, c)
	checkMetrics(t, where, w)
	checkGracefulStop(t, where, w)
	checkPDB(t, o, w)
	checkHPA(t, o, w)
	checkServices(t, o, w)
	return w, true
}

// containerEnv returns the variables c gets, from env and envFrom, with ConfigMap and Secret
// values looked up in the build; a reference to a missing object or key fails the test.
func containerEnv(t *testing.T, o objects, where string, c *corev1.Container) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, from := range c.EnvFrom {
		var data map[string]string
		switch {
		case from.ConfigMapRef != nil:
			data = o.configMapData(from.ConfigMapRef.Name)
		case from.SecretRef != nil:
			data = o.secretData(from.SecretRef.Name)
		}
		if data == nil {
			t.Errorf("%s: envFrom %+v names no object of the build", where, from)
		}
		for k, v := range data {
			env[from.Prefix+k] = v
		}
	}
	for _, e := range c.Env {
		var (
			name, key string
			data      map[string]string
		)
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = e.Value
			continue
		case e.ValueFrom.SecretKeyRef != nil:
			name, key = e.ValueFrom.SecretKeyRef.Name, e.ValueFrom.SecretKeyRef.Key
			data = o.secretData(name)
		case e.ValueFrom.ConfigMapKeyRef != nil:
			name, key = e.ValueFrom.ConfigMapKeyRef.Name, e.ValueFrom.ConfigMapKeyRef.Key
			data = o.configMapData(name)
		default: // from the pod itself, known only at run time
			env[e.Name] = ""
			continue
		}
		v, ok := data[key]
		if !ok {
			t.Errorf("%s: %s comes from key %q of %s, which the build does not have", where, e.Name, key, name)
		}
		env[e.Name] = v
	}
	return env
}

func (o objects) configMapData(name string) map[string]string {
	for _, cm := range o.configMaps {
		if cm.Name == name {
			return cm.Data
		}
	}
	return nil
}

func (o objects) secretData(name string) map[string]string {
	for _, s := range o.secrets {
		if s.Name == name {
			data := map[string]string{}
			for k, v := range s.Data {
				data[k] = string(v)
			}
			for k, v := range s.StringData {
				data[k] = v
			}
			return data
		}
	}
	return nil
}

// containerPort resolves a port given by number or by name to one of c's ports.
func containerPort(c *corev1.Container, p intstr.IntOrString) (corev1.ContainerPort, bool) {
	for _, cp := range c.Ports {
		if (p.Type == intstr.String && cp.Name == p.StrVal) || (p.Type == intstr.Int && cp.ContainerPort == p.IntVal) {
			return cp, true
		}
	}
	return corev1.ContainerPort{}, false
}

// checkProbes: gRPC servers are probed with grpc.health.v1 on their (plaintext health) port,
// readiness asking for their own service; the HTTP gateway on its HTTP port.
func checkProbes(t *testing.T, where string, w workload) {
	t.Helper()
	probes := map[string]*corev1.Probe{"readiness": w.c.ReadinessProbe, "liveness": w.c.LivenessProbe}
	if w.c.StartupProbe != nil {
		probes["startup"] = w.c.StartupProbe
	}
	for _, kind := range sortedKeys(probes) {
		p := probes[kind]
		if p == nil {
			t.Errorf("%s: no %s probe", where, kind)
			continue
		}
		if w.server.healthService != "" {
			if p.GRPC == nil || p.GRPC.Port != w.probe {
				t.Errorf("%s: %s probe %+v is not a gRPC health check on port %d", where, kind, p.ProbeHandler, w.probe)
				continue
			}
			if kind == "readiness" && (p.GRPC.Service == nil || *p.GRPC.Service != w.server.healthService) {
				t.Errorf("%s: readiness probe asks about %q, want %s", where, show(p.GRPC.Service), w.server.healthService)
			}
			continue
		}
		var port intstr.IntOrString
		switch {
		case p.HTTPGet != nil:
			port = p.HTTPGet.Port
		case p.TCPSocket != nil:
			port = p.TCPSocket.Port
		default:
			t.Errorf("%s: %s probe %+v is neither HTTP nor TCP", where, kind, p.ProbeHandler)
			continue
		}
		if cp, ok := containerPort(w.c, port); !ok || cp.ContainerPort != w.listen {
			t.Errorf("%s: %s probe on port %s, not the HTTP port %d", where, kind, port.String(), w.listen)
		}
	}
}

func checkResources(t *testing.T, where string, c *corev1.Container) {
	t.Helper()
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, okReq := c.Resources.Requests[r]
		lim, okLim := c.Resources.Limits[r]
		if !okReq || !okLim {
			t.Errorf("%s: %s has no request or no limit, want both", where, r)
			continue
		}
		if req.Cmp(lim) > 0 {
			t.Errorf("%s: %s request %s above its limit %s", where, r, req.String(), lim.String())
		}
	}
}

// checkSecurity: what the restricted Pod Security Standard asks, and a read-only root.
func checkSecurity(t *testing.T, where string, spec *corev1.PodSpec, c *corev1.Container) {
	t.Helper()
	pod := spec.SecurityContext
	if pod == nil || pod.RunAsNonRoot == nil || !*pod.RunAsNonRoot {
		t.Errorf("%s: pod does not set runAsNonRoot", where)
	}
	sc := c.SecurityContext
	if sc == nil {
		t.Errorf("%s: container has no securityContext", where)
		return
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Errorf("%s: root filesystem is writable", where)
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("%s: allowPrivilegeEscalation is not false", where)
	}
	if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0 {
		t.Errorf("%s: capabilities %+v, want drop ALL and add none", where, sc.Capabilities)
	}
	seccomp := sc.SeccompProfile
	if seccomp == nil && pod != nil {
		seccomp = pod.SeccompProfile
	}
	if seccomp == nil || seccomp.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: seccomp profile %+v, want RuntimeDefault", where, seccomp)
	}
	if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
		t.Errorf("%s: mounts a service account token it never uses", where)
	}
}

// checkMetrics: METRICS_ADDR, the port named metrics and the Prometheus annotations agree.
func checkMetrics(t *testing.T, where string, w workload) {
	t.Helper()
	_, port, err := net.SplitHostPort(w.env["METRICS_ADDR"])
	if err != nil || port != metricsPort {
		t.Errorf("%s: METRICS_ADDR %q, want :%s", where, w.env["METRICS_ADDR"], metricsPort)
	}
	if cp, ok := containerPort(w.c, intstr.FromString("metrics")); !ok || strconv.Itoa(int(cp.ContainerPort)) != port {
		t.Errorf("%s: no container port \"metrics\" = %s", where, port)
	}
	a := w.d.Spec.Template.Annotations
	if a["prometheus.io/scrape"] != "true" || a["prometheus.io/port"] != port || a["prometheus.io/path"] != "/metrics" {
		t.Errorf("%s: Prometheus annotations %v do not scrape :%s/metrics", where, a, port)
	}
}

// checkGracefulStop: the pod's grace period covers the preStop pause and the binary's own
// graceful-stop deadline, so that Kubernetes never kills it mid-drain.
func checkGracefulStop(t *testing.T, where string, w workload) {
	t.Helper()
	shutdown, err := time.ParseDuration(effective(t, w.server, w.env)["SHUTDOWN_TIMEOUT"])
	if err != nil {
		t.Errorf("%s: SHUTDOWN_TIMEOUT: %v", where, err)
		return
	}
	var pause time.Duration
	if l := w.c.Lifecycle; l != nil && l.PreStop != nil && l.PreStop.Sleep != nil {
		pause = time.Duration(l.PreStop.Sleep.Seconds) * time.Second
	}
	grace := 30 * time.Second
	if g := w.d.Spec.Template.Spec.TerminationGracePeriodSeconds; g != nil {
		grace = time.Duration(*g) * time.Second
	}
	if grace <= pause+shutdown {
		t.Errorf("%s: grace period %v does not cover preStop %v + SHUTDOWN_TIMEOUT %v", where, grace, pause, shutdown)
	}
}

func checkPDB(t *testing.T, o objects, w workload) {
	t.Helper()
	var n int
	for _, p := range o.pdbs {
		sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
		if err != nil {
			t.Errorf("PodDisruptionBudget %s: %v", p.Name, err)
			continue
		}
		if sel.Empty() || !sel.Matches(w.podLabels) {
			continue
		}
		n++
		switch {
		case p.Spec.MaxUnavailable != nil:
			if p.Spec.MaxUnavailable.Type == intstr.Int && p.Spec.MaxUnavailable.IntVal < 1 {
				t.Errorf("PodDisruptionBudget %s: maxUnavailable %d blocks every drain", p.Name, p.Spec.MaxUnavailable.IntVal)
			}
		case p.Spec.MinAvailable != nil:
			if p.Spec.MinAvailable.Type == intstr.Int && w.d.Spec.Replicas != nil && p.Spec.MinAvailable.IntVal >= *w.d.Spec.Replicas {
				t.Errorf("PodDisruptionBudget %s: minAvailable %d blocks every drain", p.Name, p.Spec.MinAvailable.IntVal)
			}
		default:
			t.Errorf("PodDisruptionBudget %s sets neither minAvailable nor maxUnavailable", p.Name)
		}
	}
	// Eviction refuses pods that more than one budget covers.
	if n != 1 {
		t.Errorf("Deployment %s: %d PodDisruptionBudgets select its pods, want 1", w.d.Name, n)
	}
}

func checkHPA(t *testing.T, o objects, w workload) {
	t.Helper()
	var n int
	for _, h := range o.hpas {
		ref := h.Spec.ScaleTargetRef
		if ref.APIVersion != "apps/v1" || ref.Kind != "Deployment" || ref.Name != w.d.Name {
			continue
		}
		n++
		where := "HorizontalPodAutoscaler " + h.Name
		// The Deployment's replicas are the floor an apply sets; the autoscaler keeps the same one.
		if h.Spec.MinReplicas == nil || w.d.Spec.Replicas == nil || *h.Spec.MinReplicas != *w.d.Spec.Replicas {
			t.Errorf("%s: minReplicas %s, want the Deployment's replicas %s", where, show(h.Spec.MinReplicas), show(w.d.Spec.Replicas))
		}
		if h.Spec.MinReplicas != nil && h.Spec.MaxReplicas <= *h.Spec.MinReplicas {
			t.Errorf("%s: maxReplicas %d leaves no room above minReplicas %d", where, h.Spec.MaxReplicas, *h.Spec.MinReplicas)
		}
		if len(h.Spec.Metrics) == 0 {
			t.Errorf("%s: no metrics", where)
		}
		for _, m := range h.Spec.Metrics {
			if m.Resource == nil {
				continue
			}
			if _, ok := w.c.Resources.Requests[m.Resource.Name]; !ok {
				t.Errorf("%s: scales on %s, which the container does not request", where, m.Resource.Name)
			}
		}
	}
	if n != 1 {
		t.Errorf("Deployment %s: %d HorizontalPodAutoscalers target it, want 1", w.d.Name, n)
	}
}

// checkServices: at least one Service selects the pods, and each of its ports reaches a
// container port.
func checkServices(t *testing.T, o objects, w workload) {
	t.Helper()
	var n int
	for _, s := range o.services {
		if len(s.Spec.Selector) == 0 || !labels.SelectorFromSet(s.Spec.Selector).Matches(w.podLabels) {
			continue
		}
		n++
		for _, p := range s.Spec.Ports {
			target := p.TargetPort
			if target.Type == intstr.Int && target.IntVal == 0 {
				target = intstr.FromInt32(p.Port)
			}
			if _, ok := containerPort(w.c, target); !ok {
				t.Errorf("Service %s: port %s targets %s, which Deployment %s does not have", s.Name, p.Name, target.String(), w.d.Name)
			}
		}
	}
	if n == 0 {
		t.Errorf("Deployment %s: no Service selects its pods", w.d.Name)
	}
}

// serviceTarget resolves a host:port the way a pod of the namespace dials it: the Service named
// host, its port, and the workload behind it on that port.
func serviceTarget(o objects, ws []workload, addr string) (workload, int32, bool) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return workload{}, 0, false
	}
	for _, s := range o.services {
		if s.Name != host {
			continue
		}
		for _, p := range s.Spec.Ports {
			if strconv.Itoa(int(p.Port)) != port {
				continue
			}
			for _, w := range ws {
				if len(s.Spec.Selector) == 0 || !labels.SelectorFromSet(s.Spec.Selector).Matches(w.podLabels) {
					continue
				}
				target := p.TargetPort
				if target.Type == intstr.Int && target.IntVal == 0 {
					target = intstr.FromInt32(p.Port)
				}
				if cp, ok := containerPort(w.c, target); ok {
					return w, cp.ContainerPort, true
				}
			}
		}
	}
	return workload{}, 0, false
}

func checkIngresses(t *testing.T, o objects, ws []workload) {
	t.Helper()
	if len(o.ingresses) == 0 {
		t.Errorf("no Ingress")
	}
	for _, ing := range o.ingresses {
		for _, rule := range ing.Spec.Rules {
			if rule.HTTP == nil {
				continue
			}
			for _, path := range rule.HTTP.Paths {
				b := path.Backend.Service
				if b == nil {
					t.Errorf("Ingress %s: path %s has no Service backend", ing.Name, path.Path)
					continue
				}
				if !ingressBackendReaches(o, ws, b.Name, b.Port, "gateway") {
					t.Errorf("Ingress %s: backend %s:%+v does not reach the gateway's HTTP port", ing.Name, b.Name, b.Port)
				}
			}
		}
	}
}

func ingressBackendReaches(o objects, ws []workload, name string, port networkingv1.ServiceBackendPort, binary string) bool {
	for _, s := range o.services {
		if s.Name != name {
			continue
		}
		for _, p := range s.Spec.Ports {
			if (port.Name == "" || port.Name != p.Name) && (port.Number == 0 || port.Number != p.Port) {
				continue
			}
			addr := net.JoinHostPort(s.Name, strconv.Itoa(int(p.Port)))
			if w, got, ok := serviceTarget(o, ws, addr); ok && w.server.name == binary && got == w.listen {
				return true
			}
		}
	}
	return false
}

// show prints what p points to, or "unset".
func show[T any](p *T) string {
	if p == nil {
		return "unset"
	}
	return fmt.Sprint(*p)
}
