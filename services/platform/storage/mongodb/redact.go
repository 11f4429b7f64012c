package mongodb

import (
	"net/url"
)

// parseHostOnly returns scheme://host/ of a connection string, without user, password or query.
func parseHostOnly(uri string) (string, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", err
	}
	return u.Scheme + "://" + u.Host + "/", nil
}
