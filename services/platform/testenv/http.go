package testenv

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/socialrx/socialrx/services/platform/auth"
)

// PostJSON sends the JSON body to u as id (auth.Anonymous for the public) with a token of the
// test issuer, refuses any status but 200 and decodes the answer into out when it is set.
func PostJSON(id auth.Identity, u, body string, out any) error {
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if !id.IsAnonymous() {
		req.Header.Set("Authorization", "Bearer "+Bearer(id))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: %s %s", u, resp.Status, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}
