package kubernetes

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestProdCommitsNoSecrets: the prod overlay carries only the base's placeholders.
func TestProdCommitsNoSecrets(t *testing.T) {
	o := build(t, "overlays/prod")
	if len(o.secrets) == 0 {
		t.Fatal("prod has no Secrets")
	}
	for _, s := range o.secrets {
		for k, v := range s.Data {
			if !strings.Contains(string(v), "replace-me") {
				t.Errorf("Secret %s: %s is not a replace-me placeholder; supply it from an overlay outside the repository", s.Name, k)
			}
		}
	}
}

// TestOwnOverlaySuppliesSecrets does what deploy/README.md tells an operator to do: an overlay of
// their own on top of prod replaces the placeholder Secrets, and the pods then get those values.
func TestOwnOverlaySuppliesSecrets(t *testing.T) {
	prod, err := filepath.Abs("overlays/prod")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rel, err := filepath.Rel(dir, prod)
	if err != nil {
		t.Fatal(err)
	}
	const (
		uri    = "mongodb://directory:pw@db0.example.org,db1.example.org/?replicaSet=prod"
		issuer = "https://login.example.org/realms/socialrx"
	)
	kustomization := `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ` + filepath.ToSlash(rel) + `
secretGenerator:
  - name: socialrx-mongodb
    behavior: replace
    envs: [mongodb.env]
  - name: socialrx-identity-provider
    behavior: replace
    envs: [identity-provider.env]
  - name: socialrx-web-session
    behavior: replace
    envs: [web-session.env]
`
	files := map[string]string{
		"kustomization.yaml":    kustomization,
		"mongodb.env":           "directory=" + uri + "\nevent=" + uri + "\nreferral=" + uri + "\ngateway=" + uri + "\n",
		"web-session.env":       "WEB_SESSION_KEY=c2VjcmV0LXNlc3Npb24ta2V5LWZvci10aGUtdGVzdHMh\n",
		"identity-provider.env": "OIDC_ISSUER=" + issuer + "\nOIDC_AUDIENCE=socialrx\nREFERRAL_OIDC_CLIENT_ID=socialrx-referral\nREFERRAL_OIDC_CLIENT_SECRET=s3cret\nWEB_OIDC_CLIENT_ID=socialrx-web\nWEB_OIDC_CLIENT_SECRET=s3cret\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	o := build(t, dir)
	got := map[string]map[string]string{}
	for i := range o.deployments {
		d := &o.deployments[i]
		got[d.Name] = containerEnv(t, o, "Deployment "+d.Name, &d.Spec.Template.Spec.Containers[0])
	}
	for _, svc := range []string{"directory", "event", "referral", "gateway"} {
		if got[svc]["MONGODB_URI"] != uri {
			t.Errorf("%s: MONGODB_URI %q, want the operator's %q", svc, got[svc]["MONGODB_URI"], uri)
		}
	}
	for _, svc := range []string{"directory", "event", "referral"} {
		if got[svc]["OIDC_ISSUER"] != issuer {
			t.Errorf("%s: OIDC_ISSUER %q, want the operator's %q", svc, got[svc]["OIDC_ISSUER"], issuer)
		}
	}
	if got["referral"]["REFERRAL_OIDC_CLIENT_SECRET"] != "s3cret" {
		t.Errorf("referral: REFERRAL_OIDC_CLIENT_SECRET %q, want the operator's", got["referral"]["REFERRAL_OIDC_CLIENT_SECRET"])
	}
	for _, s := range o.secrets {
		for k, v := range s.Data {
			if strings.Contains(string(v), "replace-me") {
				t.Errorf("Secret %s: %s is still the placeholder", s.Name, k)
			}
		}
	}
}
