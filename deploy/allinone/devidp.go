package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/socialrx/socialrx/deploy/demodata"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/auth/devidp"
)

// devIdP is the DEVELOPMENT ONLY identity provider of the embedded mode, on its own port.
type devIdP struct {
	p                *devidp.Provider
	srv              *http.Server
	lis              net.Listener
	referral, loader devClient
}

// devSecretsDir is where, under the data folder, the provider keeps the secrets it generated.
const devSecretsDir = "dev-idp"

// devIdPConfig is what the launcher tells the development provider.
type devIdPConfig struct {
	addr string
	// webAddr is the address the gateway listens on and webPublicURL its WEB_PUBLIC_URL: the
	// web client's redirect URIs follow them.
	webAddr, webPublicURL string
	// secretsDir keeps generated client secrets, one file each, for stand-alone replicas.
	secretsDir       string
	referral, loader devClient
}

// devClient is a confidential client the launcher registers: id and secret as configured,
// else fallbackID and a secret of secretsDir (generated on first start).
type devClient struct {
	id, secret, fallbackID string
	// env names the variable that sets the secret; file is where a generated one is kept.
	env, file string
}

// resolve fills in the id and the secret: the configured one, else the one kept in dir,
// else a new one written there (mode 0600) so that a replica started by hand can read it.
func (c *devClient) resolve(dir string) error {
	if c.id == "" {
		c.id = c.fallbackID
	}
	if c.secret != "" {
		return nil
	}
	c.file = filepath.Join(dir, c.id+".secret")
	if b, err := os.ReadFile(c.file); err == nil && len(strings.TrimSpace(string(b))) > 0 {
		c.secret = strings.TrimSpace(string(b))
		return nil
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read the secret of client %s: %w", c.id, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("keep the secret of client %s: %w", c.id, err)
	}
	c.secret = randomSecret()
	if err := os.WriteFile(c.file, []byte(c.secret), 0o600); err != nil {
		return fmt.Errorf("keep the secret of client %s: %w", c.id, err)
	}
	return nil
}

// startDevIdP listens on cfg.addr; the web app at cfg.webAddr may sign users in with it.
func startDevIdP(cfg devIdPConfig, logger *slog.Logger) (*devIdP, error) {
	for _, c := range []*devClient{&cfg.referral, &cfg.loader} {
		if err := c.resolve(cfg.secretsDir); err != nil {
			return nil, err
		}
	}
	lis, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return nil, fmt.Errorf("listen on DEV_IDP_ADDR %q: %w", cfg.addr, err)
	}
	d := &devIdP{lis: lis, referral: cfg.referral, loader: cfg.loader}
	emrKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		_ = lis.Close()
		return nil, err
	}
	var users []devidp.User
	for _, a := range demodata.Accounts() {
		users = append(users, devidp.User{Subject: a.Practitioner, Name: a.Name, Title: a.Title,
			Organization: a.Organization, Roles: a.Roles})
	}
	base := "http://" + lis.Addr().String()
	d.p, err = devidp.New(devidp.Config{
		Issuer: base,
		Users:  users,
		Clients: []devidp.Client{
			{ID: d.referral.id, Secret: d.referral.secret, Subject: auth.PrefixService + "referral",
				Roles: []string{auth.RoleService}},
			{ID: d.loader.id, Secret: d.loader.secret, Subject: auth.PrefixService + "demo-loader",
				Roles: []string{auth.RoleDirectoryAdmin, auth.RoleModerator}},
			{ID: systemClientID, Subject: auth.PrefixClient + systemClientID, Organization: demodata.OrgRiverdaleCHC,
				Roles:     []string{auth.RoleSystem},
				Scopes:    systemClientScopes,
				PublicKey: &jose.JSONWebKey{Key: emrKey.Public(), KeyID: systemClientID + "-1", Algorithm: string(jose.ES256), Use: "sig"}},
		},
		AssertionKeys: map[string]crypto.Signer{systemClientID: emrKey},
		RedirectURIs:  devidp.CallbackURIs(cfg.webAddr, cfg.webPublicURL),
		Logger:        logger,
	})
	if err != nil {
		_ = lis.Close()
		return nil, err
	}
	d.srv = &http.Server{Handler: d.p.Handler(), ReadHeaderTimeout: 10 * time.Second}
	return d, nil
}

func (d *devIdP) issuer() string { return d.p.Issuer() }

// as calls as id with a token of the development provider (a demodata.As).
func (d *devIdP) as(ctx context.Context, id auth.Identity) context.Context {
	tok, err := d.p.TokenFor(id, 10*time.Minute)
	if err != nil {
		return ctx
	}
	return withBearer(ctx, tok)
}

func (d *devIdP) serve(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- d.srv.Serve(d.lis) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve development identity provider: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := d.srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func (d *devIdP) stop() { _ = d.lis.Close() }

// printHowTo prints the provider's URL and a token command for each demo user.
func (d *devIdP) printHowTo(w io.Writer) {
	iss := d.issuer()
	fmt.Fprintf(w, "OpenID provider    %s  (DEVELOPMENT ONLY: signs anyone in as any demo user)\n", iss)
	fmt.Fprintf(w, "sign-in page       %s/\n", iss)
	fmt.Fprintf(w, "a token for curl   TOKEN=$(curl -s -d user=<user> %s/dev/token); then -H \"Authorization: Bearer $TOKEN\"\n", iss)
	for _, u := range d.p.Users() {
		fmt.Fprintf(w, "  user=%-20s %-12s %s, %s\n", strings.TrimPrefix(u.Subject, auth.PrefixPractitioner), u.Roles[0], u.Name, u.Organization)
	}
	for _, c := range []devClient{d.referral, d.loader} {
		if c.file != "" {
			fmt.Fprintf(w, "client secret      %s in %s (%s sets another)\n", c.id, c.file, c.env)
		} else {
			fmt.Fprintf(w, "client secret      %s from %s\n", c.id, c.env)
		}
	}
	fmt.Fprintf(w, "system client      %s (private_key_jwt; assertion for trying it: curl -s -d client_id=%s %s/dev/client-assertion)\n",
		systemClientID, systemClientID, iss)
}

func randomSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
