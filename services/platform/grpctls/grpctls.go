// Package grpctls is the TLS between the parts of socialrx: the certificate, key and CA a gRPC
// listener or client reads from files named in its configuration, read again when the files
// change, so that a renewed certificate is used without a restart.
//
// A listener given a certificate speaks only TLS, and with a client CA only mutual TLS; a client
// given a CA or a certificate speaks only TLS and never falls back to plaintext. Neither given,
// both speak plaintext, as under `make run` on loopback.
package grpctls

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"

	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/socialrx/socialrx/services/platform/config"
)

// Names of the variables, for messages and documentation.
const (
	EnvCert          = "GRPC_TLS_CERT"
	EnvKey           = "GRPC_TLS_KEY"
	EnvClientCA      = "GRPC_TLS_CLIENT_CA"
	EnvClientTLSCA   = "GRPC_CLIENT_TLS_CA"
	EnvClientTLSCert = "GRPC_CLIENT_TLS_CERT"
	EnvClientTLSKey  = "GRPC_CLIENT_TLS_KEY"
)

// Server is a gRPC listener's TLS, as PEM files.
type Server struct {
	// Cert and Key are the listener's certificate (chain) and private key; TLS when set.
	Cert, Key string
	// ClientCA is the CA bundle that callers' certificates must chain to; mutual TLS when set.
	ClientCA string
}

// RegisterFlags registers the settings on l.
func (s *Server) RegisterFlags(l *config.Loader) {
	l.String(&s.Cert, "grpc-tls-cert", EnvCert, "", "PEM certificate of the gRPC listener; it then speaks only TLS")
	l.String(&s.Key, "grpc-tls-key", EnvKey, "", "PEM private key of "+EnvCert)
	l.String(&s.ClientCA, "grpc-tls-client-ca", EnvClientCA, "", "PEM CA bundle that callers' certificates must chain to; mutual TLS when set")
}

// Enabled says whether the listener speaks TLS.
func (s Server) Enabled() bool { return s.Cert != "" || s.Key != "" || s.ClientCA != "" }

// Credentials returns the listener's transport credentials, nil when TLS is not configured. The
// files are read now, so that a wrong path stops the start, and again whenever they change.
func (s Server) Credentials() (credentials.TransportCredentials, error) {
	if !s.Enabled() {
		return nil, nil
	}
	if s.Cert == "" || s.Key == "" {
		return nil, fmt.Errorf("%s and %s go together: set both, or neither for plaintext", EnvCert, EnvKey)
	}
	pair := newKeyPair(s.Cert, s.Key)
	if _, err := pair.get(); err != nil {
		return nil, fmt.Errorf("%s, %s: %w", EnvCert, EnvKey, err)
	}
	var cas *reloading[*x509.CertPool]
	if s.ClientCA != "" {
		cas = newCAPool(s.ClientCA)
		if _, err := cas.get(); err != nil {
			return nil, fmt.Errorf("%s: %w", EnvClientCA, err)
		}
	}
	return credentials.NewTLS(&tls.Config{
		MinVersion: tls.VersionTLS13,
		// Every handshake takes the files' current contents (read again only when they changed).
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			cert, err := pair.get()
			if err != nil {
				return nil, err
			}
			cfg := &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{*cert}}
			if cas != nil {
				pool, err := cas.get()
				if err != nil {
					return nil, err
				}
				cfg.ClientCAs, cfg.ClientAuth = pool, tls.RequireAndVerifyClientCert
			}
			return cfg, nil
		},
	}), nil
}

// Client is a gRPC client's TLS, as PEM files.
type Client struct {
	// CA is the CA bundle that servers' certificates must chain to; the system's roots when
	// empty and Cert is set.
	CA string
	// Cert and Key are the client's own certificate and key, for servers that ask for one.
	Cert, Key string
}

// RegisterFlags registers the settings on l.
func (c *Client) RegisterFlags(l *config.Loader) {
	l.String(&c.CA, "grpc-client-tls-ca", EnvClientTLSCA, "", "PEM CA bundle that the services' certificates must chain to; calls then use only TLS")
	l.String(&c.Cert, "grpc-client-tls-cert", EnvClientTLSCert, "", "PEM client certificate presented to the services (mutual TLS)")
	l.String(&c.Key, "grpc-client-tls-key", EnvClientTLSKey, "", "PEM private key of "+EnvClientTLSCert)
}

// Enabled says whether calls use TLS.
func (c Client) Enabled() bool { return c.CA != "" || c.Cert != "" || c.Key != "" }

// Credentials returns the client's transport credentials: TLS when configured, plaintext
// otherwise. The files are read now, and again whenever they change.
func (c Client) Credentials() (credentials.TransportCredentials, error) {
	if !c.Enabled() {
		return insecure.NewCredentials(), nil
	}
	if (c.Cert == "") != (c.Key == "") {
		return nil, fmt.Errorf("%s and %s go together: set both, or neither", EnvClientTLSCert, EnvClientTLSKey)
	}
	creds := &clientCredentials{}
	if c.Cert != "" {
		creds.pair = newKeyPair(c.Cert, c.Key)
		if _, err := creds.pair.get(); err != nil {
			return nil, fmt.Errorf("%s, %s: %w", EnvClientTLSCert, EnvClientTLSKey, err)
		}
	}
	if c.CA != "" {
		creds.cas = newCAPool(c.CA)
		if _, err := creds.cas.get(); err != nil {
			return nil, fmt.Errorf("%s: %w", EnvClientTLSCA, err)
		}
	}
	return creds, nil
}

// clientCredentials are grpc-go's TLS credentials made afresh for each handshake from the
// files' current contents: tls.Config has no hook to change the roots of a client.
type clientCredentials struct {
	pair *reloading[*tls.Certificate]
	cas  *reloading[*x509.CertPool]
}

func (c *clientCredentials) config() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS13}
	if c.cas != nil {
		pool, err := c.cas.get()
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	}
	if c.pair != nil {
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return c.pair.get() }
	}
	return cfg, nil
}

func (c *clientCredentials) ClientHandshake(ctx context.Context, authority string, conn net.Conn) (net.Conn, credentials.AuthInfo, error) {
	cfg, err := c.config()
	if err != nil {
		return nil, nil, err
	}
	return credentials.NewTLS(cfg).ClientHandshake(ctx, authority, conn)
}

func (c *clientCredentials) ServerHandshake(net.Conn) (net.Conn, credentials.AuthInfo, error) {
	return nil, nil, errors.New("grpctls: client credentials cannot accept connections")
}

func (c *clientCredentials) Info() credentials.ProtocolInfo {
	return credentials.ProtocolInfo{SecurityProtocol: "tls", SecurityVersion: "1.3"}
}

func (c *clientCredentials) Clone() credentials.TransportCredentials {
	clone := *c
	return &clone
}

// OverrideServerName is deprecated in grpc-go; the server name is each address's host.
func (c *clientCredentials) OverrideServerName(string) error {
	return errors.New("grpctls: the server name is the address's host")
}

func newKeyPair(certFile, keyFile string) *reloading[*tls.Certificate] {
	return &reloading[*tls.Certificate]{paths: []string{certFile, keyFile}, load: func() (*tls.Certificate, error) {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, err
		}
		return &cert, nil
	}}
}

func newCAPool(file string) *reloading[*x509.CertPool] {
	return &reloading[*x509.CertPool]{paths: []string{file}, load: func() (*x509.CertPool, error) {
		pem, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s holds no PEM certificate", file)
		}
		return pool, nil
	}}
}
