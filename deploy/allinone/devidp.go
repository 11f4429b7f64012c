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
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/socialrx/socialrx/deploy/demodata"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/auth/devidp"
)

// devIdP is the DEVELOPMENT ONLY identity provider of the embedded mode, on its own port.
type devIdP struct {
	p              *devidp.Provider
	srv            *http.Server
	lis            net.Listener
	referralSecret string
	loaderSecret   string
}

// startDevIdP listens on addr; the web app at gatewayAddr may sign users in with it.
func startDevIdP(addr, gatewayAddr string, logger *slog.Logger) (*devIdP, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on DEV_IDP_ADDR %q: %w", addr, err)
	}
	d := &devIdP{lis: lis, referralSecret: randomSecret(), loaderSecret: randomSecret()}
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
	gateway := "http://" + gatewayAddr
	d.p, err = devidp.New(devidp.Config{
		Issuer: base,
		Users:  users,
		Clients: []devidp.Client{
			{ID: referralClientID, Secret: d.referralSecret, Subject: auth.PrefixService + "referral",
				Roles: []string{auth.RoleService}},
			{ID: loaderClientID, Secret: d.loaderSecret, Subject: auth.PrefixService + "demo-loader",
				Roles: []string{auth.RoleDirectoryAdmin, auth.RoleModerator}},
			{ID: systemClientID, Subject: auth.PrefixClient + systemClientID, Organization: demodata.OrgRiverdaleCHC,
				Roles:     []string{auth.RoleSystem},
				PublicKey: &jose.JSONWebKey{Key: emrKey.Public(), KeyID: systemClientID + "-1", Algorithm: string(jose.ES256), Use: "sig"}},
		},
		AssertionKeys: map[string]crypto.Signer{systemClientID: emrKey},
		RedirectURIs:  []string{gateway + "/callback", "http://localhost:8080/callback"},
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
	fmt.Fprintf(w, "system client      %s (private_key_jwt; assertion for trying it: curl -s -d client_id=%s %s/dev/client-assertion)\n",
		systemClientID, systemClientID, iss)
}

func randomSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
