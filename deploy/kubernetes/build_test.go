package kubernetes

import (
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// objects is the output of one kustomize build, decoded into the Kubernetes API types.
type objects struct {
	namespaces  []corev1.Namespace
	deployments []appsv1.Deployment
	services    []corev1.Service
	configMaps  []corev1.ConfigMap
	secrets     []corev1.Secret
	pdbs        []policyv1.PodDisruptionBudget
	hpas        []autoscalingv2.HorizontalPodAutoscaler
	policies    []networkingv1.NetworkPolicy
	ingresses   []networkingv1.Ingress
	// cert-manager's kinds, in this test's own types (tls_test.go).
	certificates []certificate
	issuers      []issuer
	// placed holds the namespace of every object, by "Kind/name".
	placed map[string]string
}

// decode strictly decodes data into a new T and appends it to *list.
func decode[T any](list *[]T) func([]byte) error {
	return func(data []byte) error {
		var v T
		strict, err := kjson.UnmarshalStrict(data, &v)
		if err != nil {
			return err
		}
		if len(strict) > 0 {
			return fmt.Errorf("%v", strict)
		}
		*list = append(*list, v)
		return nil
	}
}

// build runs kustomize on dir and decodes every object it makes; an object of a kind this test
// does not know, or with a field its type does not have, fails the test.
func build(t *testing.T, dir string) objects {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	resources, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	o := objects{placed: map[string]string{}}
	decoders := map[string]func([]byte) error{
		"v1/Namespace":                           decode(&o.namespaces),
		"apps/v1/Deployment":                     decode(&o.deployments),
		"v1/Service":                             decode(&o.services),
		"v1/ConfigMap":                           decode(&o.configMaps),
		"v1/Secret":                              decode(&o.secrets),
		"policy/v1/PodDisruptionBudget":          decode(&o.pdbs),
		"autoscaling/v2/HorizontalPodAutoscaler": decode(&o.hpas),
		"networking.k8s.io/v1/NetworkPolicy":     decode(&o.policies),
		"networking.k8s.io/v1/Ingress":           decode(&o.ingresses),
		"cert-manager.io/v1/Certificate":         decode(&o.certificates),
		"cert-manager.io/v1/Issuer":              decode(&o.issuers),
	}
	for _, r := range resources.Resources() {
		kind := r.GetApiVersion() + "/" + r.GetKind()
		o.placed[r.GetKind()+"/"+r.GetName()] = r.GetNamespace()
		dec, ok := decoders[kind]
		if !ok {
			t.Errorf("%s: %s %s: a kind this test does not check", dir, kind, r.GetName())
			continue
		}
		data, err := r.MarshalJSON()
		if err != nil {
			t.Fatalf("%s: %s %s: %v", dir, kind, r.GetName(), err)
		}
		if err := dec(data); err != nil {
			t.Errorf("%s: %s %s does not decode strictly: %v", dir, kind, r.GetName(), err)
		}
	}
	if len(o.deployments) == 0 {
		t.Fatalf("%s: no Deployments", dir)
	}
	return o
}
