package kubernetes

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// checkNetworkPolicies: ingress is denied by default; a service's gRPC port admits exactly the
// workloads whose configured addresses dial it (the services trust the identity headers they
// get, so nothing else may reach them), and the gateway's HTTP port admits everyone.
func checkNetworkPolicies(t *testing.T, o objects, ns string, ws []workload) {
	t.Helper()
	if !slices.ContainsFunc(o.policies, isDefaultDeny) {
		t.Errorf("no default-deny ingress NetworkPolicy (empty podSelector, no ingress rules)")
	}

	// Who dials whom, from the addresses the manifests give the binaries.
	callers := map[string][]string{} // Deployment name -> its callers' Deployment names
	for _, w := range ws {
		for binary, addr := range peers(t, w.server, w.env) {
			target, port, ok := serviceTarget(o, ws, addr)
			if !ok || target.server.name != binary || port != target.listen {
				t.Errorf("Deployment %s dials %s at %q, which is no Service reaching the port %s listens on",
					w.d.Name, binary, addr, binary)
				continue
			}
			callers[target.d.Name] = append(callers[target.d.Name], w.d.Name)
		}
	}

	nsLabels := labels.Set{"kubernetes.io/metadata.name": ns}
	for _, n := range o.namespaces {
		if n.Name == ns {
			for k, v := range n.Labels {
				nsLabels[k] = v
			}
		}
	}
	for _, target := range ws {
		own := 0
		for _, p := range o.policies {
			if !isDefaultDeny(p) && selects(p, target.podLabels) {
				own++
			}
		}
		if own == 0 {
			t.Errorf("Deployment %s: no NetworkPolicy of its own", target.d.Name)
		}
		if target.server.healthService == "" {
			if !admitsOutside(o.policies, target, target.listen) {
				t.Errorf("Deployment %s: its HTTP port %d is closed to the ingress controller", target.d.Name, target.listen)
			}
			continue
		}
		if admitsOutside(o.policies, target, target.listen) {
			t.Errorf("Deployment %s: its gRPC port %d is open beyond the namespace's pods", target.d.Name, target.listen)
		}
		for _, from := range ws {
			want := slices.Contains(callers[target.d.Name], from.d.Name)
			got := admits(o.policies, target, target.listen, from.podLabels, nsLabels)
			switch {
			case want && !got:
				t.Errorf("%s dials %s, but no NetworkPolicy admits it on port %d", from.d.Name, target.d.Name, target.listen)
			case !want && got:
				t.Errorf("%s can reach %s on port %d, which it never dials", from.d.Name, target.d.Name, target.listen)
			}
		}
	}
}

func isDefaultDeny(p networkingv1.NetworkPolicy) bool {
	return len(p.Spec.PodSelector.MatchLabels) == 0 && len(p.Spec.PodSelector.MatchExpressions) == 0 &&
		isIngress(p) && len(p.Spec.Ingress) == 0
}

func isIngress(p networkingv1.NetworkPolicy) bool {
	return len(p.Spec.PolicyTypes) == 0 || slices.Contains(p.Spec.PolicyTypes, networkingv1.PolicyTypeIngress)
}

func selects(p networkingv1.NetworkPolicy, pod labels.Set) bool {
	return isIngress(p) && matches(&p.Spec.PodSelector, pod)
}

func matches(ls *metav1.LabelSelector, set labels.Set) bool {
	sel, err := metav1.LabelSelectorAsSelector(ls)
	return err == nil && sel.Matches(set)
}

// admits reports whether a pod with labels from, in the namespace labelled ns, may open a TCP
// connection to port of target's pods.
func admits(policies []networkingv1.NetworkPolicy, target workload, port int32, from, ns labels.Set) bool {
	for _, p := range policies {
		if !selects(p, target.podLabels) {
			continue
		}
		for _, rule := range p.Spec.Ingress {
			if !portIn(rule.Ports, target.c, port) {
				continue
			}
			if len(rule.From) == 0 {
				return true
			}
			for _, peer := range rule.From {
				if peer.IPBlock != nil {
					continue // pod addresses are not known here; admitsOutside reports these
				}
				nsOK := peer.NamespaceSelector == nil || matches(peer.NamespaceSelector, ns)
				podOK := peer.PodSelector == nil || matches(peer.PodSelector, from)
				if nsOK && podOK {
					return true
				}
			}
		}
	}
	return false
}

// admitsOutside reports whether port of target's pods admits anything beyond pods picked in
// the policy's own namespace: every source, other namespaces or address blocks.
func admitsOutside(policies []networkingv1.NetworkPolicy, target workload, port int32) bool {
	for _, p := range policies {
		if !selects(p, target.podLabels) {
			continue
		}
		for _, rule := range p.Spec.Ingress {
			if !portIn(rule.Ports, target.c, port) {
				continue
			}
			if len(rule.From) == 0 {
				return true
			}
			for _, peer := range rule.From {
				if peer.IPBlock != nil || peer.NamespaceSelector != nil {
					return true
				}
			}
		}
	}
	return false
}

// portIn reports whether a rule's ports (none: all) include TCP port of container c.
func portIn(ports []networkingv1.NetworkPolicyPort, c *corev1.Container, port int32) bool {
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		if p.Protocol != nil && *p.Protocol != corev1.ProtocolTCP {
			continue
		}
		if p.Port == nil {
			return true
		}
		number := p.Port.IntVal
		if p.Port.Type == intstr.String {
			cp, ok := containerPort(c, *p.Port)
			if !ok {
				continue
			}
			number = cp.ContainerPort
		}
		end := number
		if p.EndPort != nil {
			end = *p.EndPort
		}
		if number <= port && port <= end {
			return true
		}
	}
	return false
}
