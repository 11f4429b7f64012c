package kubernetes

import (
	"net"
	"path"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// certificate is the part of cert-manager's Certificate (cert-manager.io/v1) the manifests use;
// strict decoding fails on any field it does not name.
type certificate struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		SecretName  string   `json:"secretName"`
		CommonName  string   `json:"commonName,omitempty"`
		DNSNames    []string `json:"dnsNames,omitempty"`
		IsCA        bool     `json:"isCA,omitempty"`
		Usages      []string `json:"usages,omitempty"`
		Duration    string   `json:"duration,omitempty"`
		RenewBefore string   `json:"renewBefore,omitempty"`
		PrivateKey  *struct {
			Algorithm      string `json:"algorithm,omitempty"`
			Size           int    `json:"size,omitempty"`
			RotationPolicy string `json:"rotationPolicy,omitempty"`
		} `json:"privateKey,omitempty"`
		IssuerRef struct {
			Name  string `json:"name"`
			Kind  string `json:"kind,omitempty"`
			Group string `json:"group,omitempty"`
		} `json:"issuerRef"`
	} `json:"spec"`
}

// issuer is the part of cert-manager's Issuer the manifests use.
type issuer struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		SelfSigned *struct{} `json:"selfSigned,omitempty"`
		CA         *struct {
			SecretName string `json:"secretName"`
		} `json:"ca,omitempty"`
	} `json:"spec"`
}

// The keys of a Secret cert-manager writes.
const (
	secretCert = "tls.crt"
	secretKey  = "tls.key"
	secretCA   = "ca.crt"
)

// checkTLS: every gRPC service listens with its own certificate and asks callers for one of the
// CA; every caller of a gRPC service shows its own and trusts the CA; each certificate names the
// host it is dialled by, and the usage its holder needs; each is issued by an Issuer of the
// build, and each one's Secret is mounted by some pod (or signs, as an Issuer's CA).
func checkTLS(t *testing.T, o objects, ws []workload) {
	t.Helper()
	if len(o.certificates) == 0 {
		t.Errorf("no cert-manager Certificate")
	}
	mounted := map[string]bool{} // Secret names
	certOf := map[string]*certificate{}
	for _, w := range ws {
		where := "Deployment " + w.d.Name
		files := tlsFiles(w) // variable path -> Secret name
		for _, m := range files {
			mounted[m] = true
		}
		env := effective(t, w.server, w.env)
		need := map[string]string{}
		if w.server.healthService != "" {
			need["GRPC_TLS_CERT"], need["GRPC_TLS_KEY"], need["GRPC_TLS_CLIENT_CA"] = secretCert, secretKey, secretCA
		}
		if len(peers(t, w.server, w.env)) > 0 {
			need["GRPC_CLIENT_TLS_CERT"], need["GRPC_CLIENT_TLS_KEY"], need["GRPC_CLIENT_TLS_CA"] = secretCert, secretKey, secretCA
		}
		if len(need) == 0 {
			continue
		}
		secret := ""
		for _, name := range sortedKeys(need) {
			m, ok := files[env[name]]
			switch {
			case env[name] == "":
				t.Errorf("%s: %s is not set, which mutual TLS between the parts needs", where, name)
			case !ok || path.Base(env[name]) != need[name]:
				t.Errorf("%s: %s=%q is not the %s of a mounted certificate Secret", where, name, env[name], need[name])
			case secret != "" && m != secret:
				t.Errorf("%s: %s is in Secret %s, the others in %s", where, name, m, secret)
			default:
				secret = m
			}
		}
		c := o.certificateFor(secret)
		if secret != "" && c == nil {
			t.Errorf("%s: mounts Secret %s, which no Certificate writes", where, secret)
			continue
		}
		if c != nil {
			certOf[w.d.Name] = c
		}
	}
	// What a certificate is used for, and under which names it is dialled.
	for _, w := range ws {
		caller := certOf[w.d.Name]
		for binary, addr := range peers(t, w.server, w.env) {
			target, _, ok := serviceTarget(o, ws, addr)
			if !ok || target.server.name != binary {
				continue // networkpolicy_test reports it
			}
			host, _, _ := net.SplitHostPort(addr)
			if c := certOf[target.d.Name]; c != nil && (!slices.Contains(c.Spec.DNSNames, host) || !slices.Contains(c.Spec.Usages, "server auth")) {
				t.Errorf("Certificate %s: %s dials it as %q, but its names are %v and usages %v",
					c.Name, w.d.Name, host, c.Spec.DNSNames, c.Spec.Usages)
			}
			if caller != nil && !slices.Contains(caller.Spec.Usages, "client auth") {
				t.Errorf("Certificate %s: %s presents it to %s, but its usages %v lack client auth", caller.Name, w.d.Name, binary, caller.Spec.Usages)
			}
		}
	}
	for _, i := range o.issuers {
		if i.Spec.CA != nil {
			mounted[i.Spec.CA.SecretName] = true
		}
	}
	for _, c := range o.certificates {
		where := "Certificate " + c.Name
		if !mounted[c.Spec.SecretName] {
			t.Errorf("%s: its Secret %s is mounted by no pod and signs for no Issuer", where, c.Spec.SecretName)
		}
		ref := c.Spec.IssuerRef
		if ref.Kind != "Issuer" || (ref.Group != "" && ref.Group != "cert-manager.io") ||
			!slices.ContainsFunc(o.issuers, func(i issuer) bool { return i.Name == ref.Name }) {
			t.Errorf("%s: issuer %+v is no Issuer of the build", where, ref)
		}
	}
}

// tlsFiles maps the path of each file the container sees of a mounted certificate Secret to
// the Secret's name.
func tlsFiles(w workload) map[string]string {
	out := map[string]string{}
	for _, m := range w.c.VolumeMounts {
		var v *corev1.Volume
		for i := range w.d.Spec.Template.Spec.Volumes {
			if w.d.Spec.Template.Spec.Volumes[i].Name == m.Name {
				v = &w.d.Spec.Template.Spec.Volumes[i]
			}
		}
		// A subPath mount is never updated, so a renewal would not reach the pod; items rename
		// the files, which this test does not follow.
		if v == nil || v.Secret == nil || m.SubPath != "" || len(v.Secret.Items) > 0 {
			continue
		}
		for _, k := range []string{secretCert, secretKey, secretCA} {
			out[path.Join(m.MountPath, k)] = v.Secret.SecretName
		}
	}
	return out
}

func (o objects) certificateFor(secret string) *certificate {
	for i := range o.certificates {
		if o.certificates[i].Spec.SecretName == secret {
			return &o.certificates[i]
		}
	}
	return nil
}
