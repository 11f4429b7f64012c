package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// Client configures a service's own credential: an OAuth2 client credentials grant at the
// provider, whose access token the service sends on its calls to other services.
type Client struct {
	// Issuer is the provider; its discovery document names the token endpoint.
	Issuer string
	// TokenURL, when set, is used instead of the discovered token endpoint.
	TokenURL string
	ID       string
	Secret   string
	// Scopes requested, if the provider wants any.
	Scopes []string
}

// TokenSource returns a source of the client's access tokens, cached until shortly before they
// expire. It reaches the provider only when a token is first needed.
func (c Client) TokenSource() oauth2.TokenSource {
	return oauth2.ReuseTokenSource(nil, &lazyClientCredentials{cfg: c})
}

type lazyClientCredentials struct {
	cfg Client
	mu  sync.Mutex
	src oauth2.TokenSource
}

func (l *lazyClientCredentials) Token() (*oauth2.Token, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.src == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		client := &http.Client{Timeout: 10 * time.Second}
		tokenURL := l.cfg.TokenURL
		if tokenURL == "" {
			p, err := oidc.NewProvider(oidc.ClientContext(ctx, client), l.cfg.Issuer)
			if err != nil {
				return nil, fmt.Errorf("discover token endpoint of OIDC_ISSUER %q: %w", l.cfg.Issuer, err)
			}
			tokenURL = p.Endpoint().TokenURL
		}
		cc := clientcredentials.Config{ClientID: l.cfg.ID, ClientSecret: l.cfg.Secret, TokenURL: tokenURL,
			Scopes: l.cfg.Scopes, AuthStyle: oauth2.AuthStyleInHeader}
		// The context only carries the HTTP client for later refreshes.
		l.src = cc.TokenSource(context.WithValue(context.Background(), oauth2.HTTPClient, client))
	}
	tok, err := l.src.Token()
	if err != nil {
		return nil, fmt.Errorf("client credentials token for %q: %w", l.cfg.ID, err)
	}
	return tok, nil
}

// PerRPC sends a token source's access token as the bearer token of every call. Unlike
// grpc's oauth.TokenSource it also works over plaintext connections inside a cluster whose
// network (or service mesh mTLS) is the transport's protection.
type PerRPC struct {
	Source oauth2.TokenSource
}

var _ credentials.PerRPCCredentials = PerRPC{}

// GetRequestMetadata implements credentials.PerRPCCredentials.
func (p PerRPC) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	if p.Source == nil {
		return nil, errors.New("no token source")
	}
	tok, err := p.Source.Token()
	if err != nil {
		return nil, err
	}
	return map[string]string{MetadataAuthorization: "Bearer " + tok.AccessToken}, nil
}

// RequireTransportSecurity implements credentials.PerRPCCredentials.
func (PerRPC) RequireTransportSecurity() bool { return false }

// CallCredentials are dial options that send src's access token on every call of a connection
// but its health checks, which are public: a peer's health then says whether the peer serves,
// and a token the provider refuses is reported as that (readiness.Token), not as a peer that
// cannot be reached.
func CallCredentials(src oauth2.TokenSource) []grpc.DialOption {
	creds := grpc.PerRPCCredentials(PerRPC{Source: src})
	withToken := func(method string, opts []grpc.CallOption) []grpc.CallOption {
		if strings.HasPrefix(method, "/grpc.health.v1.Health/") {
			return opts
		}
		return append(opts, creds)
	}
	return []grpc.DialOption{
		grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn,
			invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
			return invoker(ctx, method, req, reply, cc, withToken(method, opts)...)
		}),
		grpc.WithChainStreamInterceptor(func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string,
			streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
			return streamer(ctx, desc, cc, method, withToken(method, opts)...)
		}),
	}
}
