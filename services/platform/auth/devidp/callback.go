package devidp

import (
	"net"
	"strings"
)

// CallbackURIs are the redirect URIs to register for a web app that listens on addr (host:port,
// as configured or as its listener reports it) and, when publicURL is set, is reached there: the
// public URL's /callback, else /callback at each name a browser uses for addr. A loopback or
// unspecified host ("127.0.0.1:8090", ":8090") gives both localhost and 127.0.0.1; another host
// gives itself. Register the result as Config.RedirectURIs, so moving the web app moves them.
func CallbackURIs(addr, publicURL string) []string {
	if publicURL != "" {
		return []string{strings.TrimSuffix(publicURL, "/") + "/callback"}
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil
	}
	ip := net.ParseIP(host)
	var hosts []string
	switch {
	case host == "" || ip != nil && ip.IsUnspecified():
		hosts = []string{"localhost", "127.0.0.1"}
	case host == "localhost" || ip != nil && ip.IsLoopback():
		hosts = []string{"localhost", "127.0.0.1"}
		if host != "localhost" && host != "127.0.0.1" {
			hosts = append(hosts, host)
		}
	default:
		hosts = []string{host}
	}
	uris := make([]string, 0, len(hosts))
	for _, h := range hosts {
		uris = append(uris, "http://"+net.JoinHostPort(h, port)+"/callback")
	}
	return uris
}
